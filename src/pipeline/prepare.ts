// Extraction, the first half of the stage work that needs no database: raw bytes → parsed
// message and the text of its parts (MIME, limits, charsets, PDF/Word, OCR). It runs on the main
// thread, with the source; OCR runs in tesseract.js's own workers. The second half, the
// decisions, is in decide.ts and runs in the commit thread.
import type { Limits } from "../config/index.js";
import { errorMessage, GatewayError } from "../domain/errors.js";
import { extractPart, partKind, type PartExtraction } from "../extract/documents.js";
import { parseMessage, type MessageSummary, type MimePart, type ParsedMessage } from "../extract/mime.js";
import { admitMembers } from "../extract/members.js";
import { ocrPart, type OcrEngine } from "../extract/ocr.js";
import type { Extracted, PreparedPart } from "./contracts.js";

function summary(p: ParsedMessage): MessageSummary {
  const { parts: _parts, html: _html, ...rest } = p;
  return rest;
}

/** Parse and extract: subject, addresses and body, then the text of every part (PDF, Word, OCR of scans, forwarded mail). */
export async function extractMessage(raw: Buffer, limits: Limits, ocr?: OcrEngine): Promise<Extracted> {
  let parsed: ParsedMessage;
  try {
    parsed = await parseMessage(raw, limits);
  } catch (err) {
    if (err instanceof GatewayError) return { kind: "failed", code: err.code, error: err.message };
    return { kind: "failed", code: "MALFORMED_MIME", error: `邮件格式无法解析：${errorMessage(err)}` };
  }
  const parts: PreparedPart[] = [];
  // Containers (ZIP, DOCX media and embeddings, OFD image pages) add their members to the work
  // list, so each is extracted, OCR'd and screened like an attachment (see extract/members.ts).
  const work: MimePart[] = [...parsed.parts];
  let nextIndex = parsed.parts.length;
  let memberCount = 0;
  for (let w = 0; w < work.length; w++) {
    const part = work[w]!;
    let extraction: PartExtraction = await extractPart(part, limits);
    let pageImages: Buffer[] | undefined;
    if (ocr) {
      // Fax scans, scanned PDFs and images (attached or inline): pages without a usable text layer are OCR'd.
      try {
        const o = await ocrPart(part, limits, ocr, { textLayer: extraction, documentSeconds: limits.ocrDocumentSeconds });
        if (o) {
          // The page images travel beside the extraction (stored as blobs, never cloned to the commit thread).
          const { pageImages: images, ...rest } = o;
          extraction = rest;
          pageImages = images;
        }
      } catch (err) {
        extraction = { ...extraction, status: "failed", error: `OCR 失败：${errorMessage(err)}` };
      }
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
  }
  return { kind: "extracted", parsed: summary(parsed), parts };
}
