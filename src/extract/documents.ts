// Attachments → text. Each extractor is small and independent; a failure is a result on the
// part (status failed + a clear error), never a lost message. No DB, no decisions.
import mammoth from "mammoth";
import WordExtractor from "word-extractor";
import type { Limits } from "../config/index.js";
import { errorMessage } from "../domain/errors.js";
import { closePdf, openPdf } from "./pdf.js";
import type { MimePart } from "./mime.js";
import { decodeUnknown, meaningfulChars, normaliseCjkSpacing, tidyText } from "./text.js";

export interface PageText {
  pageNo: number;
  method: "text-layer" | "ocr";
  text: string;
  confidence: number | null;
}

export interface PartExtraction {
  method: "text" | "pdf-text" | "docx" | "doc" | "message" | "ocr" | "none";
  status: "ok" | "empty" | "failed" | "skipped";
  text: string;
  error: string | null;
  pageCount: number | null;
  pages: PageText[];
  confidence: number | null;
  /** OCR only: pages whose confidence is below LOW_OCR_CONFIDENCE (domain/extraction.ts), to flag on the draft. */
  lowConfidencePages?: number[];
}

const ext = (name: string | null) => (name ?? "").toLowerCase().replace(/^.*\./, "");

export type PartKind = "pdf" | "docx" | "doc" | "text" | "message" | "image" | "other";

export function partKind(p: Pick<MimePart, "contentType" | "filename">): PartKind {
  const ct = p.contentType;
  const e = ext(p.filename);
  if (ct === "application/pdf" || e === "pdf") return "pdf";
  if (ct.includes("wordprocessingml") || e === "docx") return "docx";
  if (ct === "application/msword" || e === "doc" || e === "wps") return "doc";
  if (ct === "message/rfc822" || e === "eml") return "message";
  if (ct.startsWith("text/plain") || e === "txt") return "text";
  if (ct.startsWith("image/") || ["tif", "tiff", "png", "jpg", "jpeg"].includes(e)) return "image";
  return "other";
}

/** Characters that make a page "have text": CJK, letters and digits, not page markers. */
const result = (r: Partial<PartExtraction> & Pick<PartExtraction, "method">): PartExtraction => {
  const text = r.text ?? "";
  return {
    status: r.status ?? (text.trim() ? "ok" : "empty"),
    text,
    error: r.error ?? null,
    pageCount: r.pageCount ?? null,
    pages: r.pages ?? [],
    confidence: r.confidence ?? null,
    method: r.method,
  };
};

async function pdfText(content: Buffer, limits: Limits): Promise<PartExtraction> {
  const parser = openPdf({ data: new Uint8Array(content) });
  try {
    const res = await parser.getText({ first: limits.pdfPages });
    if (res.total > limits.pdfPages)
      return result({ method: "pdf-text", status: "failed", pageCount: res.total, error: `PDF 共 ${res.total} 页，超过限制 ${limits.pdfPages} 页` });
    const pages: PageText[] = res.pages.map((pg) => ({
      pageNo: pg.num,
      method: "text-layer",
      text: tidyText(normaliseCjkSpacing(pg.text)),
      confidence: null,
    }));
    const withText = pages.filter((pg) => meaningfulChars(pg.text) >= 10);
    return result({
      method: "pdf-text",
      // Pages without a usable text layer are scans: OCR takes them (issue: faxes and documents).
      status: withText.length === 0 ? "empty" : "ok",
      text: withText.map((pg) => pg.text).join("\n\n"),
      pageCount: res.total,
      pages,
    });
  } catch (err) {
    const msg = errorMessage(err);
    const encrypted = /password|encrypt/i.test(msg);
    return result({ method: "pdf-text", status: "failed", error: encrypted ? "PDF 已加密，需人工处理" : `PDF 无法解析：${msg}` });
  } finally {
    await closePdf(parser);
  }
}

export async function extractPart(part: MimePart, limits: Limits): Promise<PartExtraction> {
  try {
    switch (partKind(part)) {
      case "pdf":
        return await pdfText(part.content, limits);
      case "docx": {
        const r = await mammoth.extractRawText({ buffer: part.content });
        return result({ method: "docx", text: tidyText(r.value) });
      }
      case "doc": {
        const doc = await new WordExtractor().extract(part.content);
        return result({ method: "doc", text: tidyText(doc.getBody()) });
      }
      case "text":
        return result({ method: "text", text: tidyText(decodeUnknown(part.content).text) });
      case "message":
        // A forwarded message attached whole: its text is read by the pipeline with the same
        // MIME parser (bounded depth), so here it is only classified.
        return result({ method: "message", status: "skipped" });
      case "image":
        return result({ method: "none", status: "skipped", error: "图像待 OCR" });
      default:
        return result({ method: "none", status: "skipped" });
    }
  } catch (err) {
    return result({ method: "none", status: "failed", error: `提取失败：${errorMessage(err)}` });
  }
}
