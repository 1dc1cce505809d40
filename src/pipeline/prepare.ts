// Extraction, the first half of the stage work that needs no database: raw bytes → parsed
// message and the text of its parts (MIME, limits, charsets, PDF/Word, OCR). It runs in a
// supervised extraction worker (isolation/), or inline for small text-only mail; OCR runs in
// the OCR lane. The second half, the decisions, is in decide.ts and runs in the commit thread.
import type { Limits } from "../config/index.js";
import { errorMessage, GatewayError } from "../domain/errors.js";
import { extractPart, partKind, type PartExtraction } from "../extract/documents.js";
import { parseMessage, type MessageSummary, type MimePart, type ParsedMessage } from "../extract/mime.js";
import { admitMembers } from "../extract/members.js";
import { PdfFile } from "../extract/pdf.js";
import type { OcrEngine } from "../extract/ocr/engine.js";
import { ocrPart } from "../extract/ocr/documents.js";
import type { Logger } from "../util/log.js";
import type { Extracted, PreparedPart } from "./contracts.js";

function summary(p: ParsedMessage): MessageSummary {
  const { parts: _parts, html: _html, ...rest } = p;
  return rest;
}

/**
 * What one message may cost over all its documents, not per document: pages read (text layer
 * or OCR) and OCR seconds. Each attachment had its own 600 s OCR budget, so a mail with 300
 * scans had none at all.
 */
export class MessageBudget {
  private pages = 0;
  private ocrMs = 0;
  constructor(private readonly limits: Limits) {}

  /** Takes a document's pages; returns why it may not be read, or null. */
  takePages(n: number, name: string): string | null {
    if (this.pages + n > this.limits.messagePages) return `「${name}」${n} 页，本邮件已读 ${this.pages} 页，超过每封邮件 ${this.limits.messagePages} 页的限制，未读取`;
    this.pages += n;
    return null;
  }

  /** OCR seconds still available to this message for one document (never more than a document may take). */
  ocrSecondsLeft(): number {
    return Math.max(0, Math.min(this.limits.ocrDocumentSeconds, this.limits.messageOcrSeconds - this.ocrMs / 1000));
  }

  spendOcr(ms: number): void {
    this.ocrMs += ms;
  }
}

/**
 * Bounds the text of every part and of its pages by LIMIT_TEXT_CHARS for the whole message
 * (10.5 M characters of one attachment went into a draft body and the search index). What is
 * cut is said on the part (`truncatedFrom`), and the draft says it.
 */
export function boundTexts(parts: PreparedPart[], maxChars: number): void {
  let left = maxChars;
  for (const p of parts) {
    const x = p.extraction;
    const length = x.text.length;
    if (length > left) {
      p.extraction = { ...x, text: x.text.slice(0, left), truncatedFrom: length };
      let pageLeft = left;
      p.extraction.pages = x.pages.map((pg) => {
        const text = pg.text.slice(0, Math.max(0, pageLeft));
        pageLeft -= text.length;
        return { ...pg, text };
      });
    }
    left = Math.max(0, left - p.extraction.text.length);
  }
}

/** Pages a document declares, once read (PDF, OFD, multi-page TIFF), for the message budget. */
function pagesOf(x: PartExtraction): number {
  return x.pageCount ?? x.pages.length;
}

/**
 * Parse and extract: subject, addresses and body, then the text of every part (PDF, Word, OCR of
 * scans, forwarded mail). `log` (the message's logger) gets one line per part: its index, type,
 * method, outcome and time — never its name or text (a name can be what Art. 10 screens).
 */
export async function extractMessage(raw: Buffer, limits: Limits, ocr?: OcrEngine, log?: Logger): Promise<Extracted> {
  let parsed: ParsedMessage;
  try {
    parsed = await parseMessage(raw, limits);
  } catch (err) {
    if (err instanceof GatewayError) return { kind: "failed", code: err.code, error: err.message };
    return { kind: "failed", code: "MALFORMED_MIME", error: `邮件格式无法解析：${errorMessage(err)}` };
  }
  const budget = new MessageBudget(limits);
  const parts: PreparedPart[] = [];
  // Containers (ZIP, DOCX media and embeddings, OFD image pages) add their members to the work
  // list, so each is extracted, OCR'd and screened like an attachment (see extract/members.ts).
  const work: MimePart[] = [...parsed.parts];
  let nextIndex = parsed.parts.length;
  let memberCount = 0;
  for (let w = 0; w < work.length; w++) {
    const part = work[w]!;
    const name = part.filename ?? `附件${part.index + 1}`;
    const partStarted = Date.now();
    // A PDF is opened once: its text layer for the extraction, its pages without one for OCR.
    const pdf = ocr && partKind(part) === "pdf" ? new PdfFile(part.content, limits) : undefined;
    let extraction: PartExtraction;
    let pageImages: Buffer[] | undefined;
    try {
      extraction = await extractPart(part, limits, { pdf });
      const overPages = pagesOf(extraction) ? budget.takePages(pagesOf(extraction), name) : null;
      if (overPages) extraction = { ...extraction, status: "failed", error: overPages, text: "", pages: [] };
      if (ocr && !overPages) {
        // Fax scans, scanned PDFs and images (attached or inline): pages without a usable text layer are OCR'd.
        try {
          const started = Date.now();
          const seconds = budget.ocrSecondsLeft();
          const o = seconds > 0 ? await ocrPart(part, limits, ocr, { textLayer: extraction, pdf, documentSeconds: seconds }) : null;
          budget.spendOcr(Date.now() - started);
          if (o) {
            // The page images travel beside the extraction (stored as blobs, never cloned to the commit thread).
            const { pageImages: images, ...rest } = o;
            extraction = rest;
            pageImages = images;
          }
        } catch (err) {
          log?.warn({ err, part: part.index }, "OCR failed; the part is flagged unread");
          extraction = { ...extraction, status: "failed", error: `OCR 失败：${errorMessage(err)}` };
        }
      }
    } finally {
      await pdf?.close();
    }
    if (partKind(part) === "message") {
      try {
        const inner = await parseMessage(part.content, limits);
        extraction = { ...extraction, status: "ok", text: [inner.subject, inner.text].filter(Boolean).join("\n\n") };
      } catch (err) {
        extraction = { ...extraction, status: "failed", error: errorMessage(err) };
      }
    }
    const { members, ...kept } = extraction;
    if (members?.length) {
      const admitted = admitMembers(part, members, limits, memberCount, nextIndex);
      memberCount += admitted.parts.length;
      nextIndex += admitted.parts.length;
      work.push(...admitted.parts);
      if (admitted.refused) extraction = { ...kept, status: "failed", error: admitted.refused };
      else extraction = kept;
    }
    parts.push({ part, extraction, pageImages });
    log?.debug({ part: part.index, contentType: part.contentType, bytes: part.size, sha256: part.sha256.slice(0, 16), method: extraction.method, status: extraction.status, pages: extraction.pages.length, confidence: extraction.confidence, ms: Date.now() - partStarted }, "part read");
  }
  boundTexts(parts, limits.textChars);
  return { kind: "extracted", parsed: summary(parsed), parts };
}
