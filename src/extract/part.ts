// What an extractor returns for one part. Extractors are pure functions of the part's bytes and
// the limits (no DB, no files): issue #15 runs them in supervised worker processes.

export interface PageText {
  pageNo: number;
  method: "text-layer" | "ocr";
  text: string;
  confidence: number | null;
  /** OCR: the words read with low confidence, highlighted on the draft page. */
  lowWords?: string[];
}

/** A file inside a container (ZIP entry, DOCX media/embedding, OFD page image): extracted in turn as a part. */
export interface MemberFile {
  /** Its path inside the container. */
  filename: string;
  content: Buffer;
  contentType?: string;
}

export type ExtractMethod = "text" | "html" | "pdf-text" | "docx" | "doc" | "xlsx" | "xls" | "ofd" | "zip" | "message" | "ocr" | "none";

export interface PartExtraction {
  method: ExtractMethod;
  /**
   * ok: text read · empty: read, no text in it · failed: could not be read (encrypted, damaged,
   * over a limit) — its content was not screened · skipped: not a format the gateway reads.
   */
  status: "ok" | "empty" | "failed" | "skipped";
  text: string;
  error: string | null;
  pageCount: number | null;
  pages: PageText[];
  confidence: number | null;
  /** OCR only: pages whose confidence is below LOW_OCR_CONFIDENCE (domain/extraction.ts), to flag on the draft. */
  lowConfidencePages?: number[];
  /** Files inside this part, to be extracted (and screened) as parts of the message. */
  members?: MemberFile[];
  /** Set when the text was cut to the message's LIMIT_TEXT_CHARS: the length it had. */
  truncatedFrom?: number;
  /** Text that is not body text but must be screened (Art. 10): headers, footers, hidden sheets. */
  screenTexts?: Array<{ where: string; text: string }>;
}

export const extraction = (r: Partial<PartExtraction> & Pick<PartExtraction, "method">): PartExtraction => {
  const text = r.text ?? "";
  return {
    status: r.status ?? (text.trim() ? "ok" : "empty"),
    text,
    error: r.error ?? null,
    pageCount: r.pageCount ?? null,
    pages: r.pages ?? [],
    confidence: r.confidence ?? null,
    method: r.method,
    ...(r.members?.length ? { members: r.members } : {}),
    ...(r.screenTexts?.length ? { screenTexts: r.screenTexts } : {}),
  };
};
