// Attachments → text. Each extractor is small and independent; a failure is a result on the
// part (status failed + a clear error), never a lost message. No DB, no decisions. The kind of
// a part is decided by its first bytes where they tell (a PDF, a ZIP, a compound file), then by
// its declared type and file name: mail clients label .ofd, .wps and .et anything at all.
import type { Limits } from "../config/index.js";
import { errorMessage } from "../domain/errors.js";
import { zipMembers } from "./archive.js";
import type { MimePart } from "./mime.js";
import { docText, docxText } from "./office.js";
import { ofdText } from "./ofd.js";
import { extraction, type PageText, type PartExtraction } from "./part.js";
import { hasTextLayer, pdfReadError, PdfFile } from "./pdf.js";
import { xlsText, xlsxText } from "./spreadsheets.js";
import { decodeDeclared, htmlToText, tidyText } from "./text.js";
import { looksLikeZip } from "./unzip.js";
import { checkPdfStreams, PdfRefused } from "./pdf-limits.js";
import { TimedOut, withTimeout } from "./timeout.js";

export type { PageText, PartExtraction } from "./part.js";

const ext = (name: string | null) => (name ?? "").toLowerCase().replace(/^.*\./, "");

export type PartKind = "pdf" | "docx" | "doc" | "xlsx" | "xls" | "ofd" | "zip" | "text" | "html" | "message" | "image" | "other";

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** What a part is: by magic bytes first, then by type and name. */
export function partKind(p: Pick<MimePart, "contentType" | "filename"> & { content?: Buffer }): PartKind {
  const ct = p.contentType;
  const e = ext(p.filename);
  const head = p.content?.subarray(0, 8);
  const sheetHint = ct.includes("spreadsheetml") || ct.includes("ms-excel") || ["xlsx", "xls", "et", "ett"].includes(e);
  if (head && head.subarray(0, 5).toString("latin1") === "%PDF-") return "pdf";
  if (head && looksLikeZip(head)) {
    if (e === "ofd" || ct === "application/ofd") return "ofd";
    if (sheetHint) return "xlsx";
    if (ct.includes("wordprocessingml") || ["docx", "wps", "wpt", "dotx"].includes(e)) return "docx";
    return "zip";
  }
  if (head && head.equals(CFB_MAGIC)) return sheetHint ? "xls" : "doc";
  if (ct === "application/pdf" || e === "pdf") return "pdf";
  if (e === "ofd" || ct === "application/ofd") return "ofd";
  if (ct.includes("wordprocessingml") || e === "docx") return "docx";
  if (ct === "application/msword" || ct.includes("kswps") || e === "doc" || e === "wps") return "doc";
  if (ct.includes("spreadsheetml") || e === "xlsx") return "xlsx";
  if (ct.includes("ms-excel") || e === "xls" || e === "et") return "xls";
  if (ct === "application/zip" || ct === "application/x-zip-compressed" || e === "zip") return "zip";
  if (ct === "message/rfc822" || e === "eml") return "message";
  if (ct.startsWith("text/html") || e === "html" || e === "htm") return "html";
  if (ct.startsWith("text/plain") || e === "txt" || e === "csv") return "text";
  if (ct.startsWith("image/") || ["tif", "tiff", "png", "jpg", "jpeg", "bmp", "gif", "webp"].includes(e)) return "image";
  return "other";
}

/** The text layer of a PDF, page by page; pages without one are scans, which OCR takes. */
async function pdfText(content: Buffer, limits: Limits, shared?: PdfFile): Promise<PartExtraction> {
  try {
    checkPdfStreams(content, limits.pdfDecodedBytes);
  } catch (err) {
    if (err instanceof PdfRefused) return extraction({ method: "pdf-text", status: "failed", error: err.message });
    throw err;
  }
  const pdf = shared ?? new PdfFile(content, limits);
  try {
    const res = await withTimeout(pdf.textPages(limits.pdfPages), limits.pdfSeconds * 1000, `PDF 读取超过 ${limits.pdfSeconds} 秒，未能读取`);
    if (res.total > limits.pdfPages)
      return extraction({ method: "pdf-text", status: "failed", pageCount: res.total, error: `PDF 共 ${res.total} 页，超过限制 ${limits.pdfPages} 页` });
    const pages: PageText[] = res.pages.map((pg) => ({ pageNo: pg.num, method: "text-layer", text: pg.text, confidence: null }));
    const withText = pages.filter((pg) => hasTextLayer(pg.text));
    return extraction({
      method: "pdf-text",
      status: withText.length === 0 ? "empty" : "ok",
      text: withText.map((pg) => pg.text).join("\n\n"),
      pageCount: res.total,
      pages,
    });
  } catch (err) {
    if (err instanceof TimedOut) return extraction({ method: "pdf-text", status: "failed", error: err.message });
    return extraction({ method: "pdf-text", status: "failed", error: pdfReadError(err) });
  } finally {
    if (!shared) await pdf.close();
  }
}

/** Formats the gateway does not read: said by name, so the officer knows what to look at. */
const UNSUPPORTED: Record<string, string> = { rar: "RAR 压缩包", "7z": "7z 压缩包", gz: "gzip 压缩文件", tar: "tar 归档", ppt: "PowerPoint 演示文稿", pptx: "PowerPoint 演示文稿", dps: "WPS 演示文稿", exe: "可执行程序", ceb: "CEB 文档", caj: "CAJ 文档" };

/** The text of one part. `pdf`: the part's PdfFile, when the caller reads it again for OCR (one open for both). */
export async function extractPart(part: MimePart, limits: Limits, opts: { pdf?: PdfFile } = {}): Promise<PartExtraction> {
  const name = part.filename ?? "附件";
  try {
    switch (partKind(part)) {
      case "pdf":
        return await pdfText(part.content, limits, opts.pdf);
      case "docx":
        return await docxText(part.content, limits, name);
      case "doc":
        return await docText(part.content, name);
      case "xlsx":
        return await xlsxText(part.content, limits, name);
      case "xls":
        return xlsText(part.content, name);
      case "ofd":
        return await ofdText(part.content, limits, name);
      case "zip":
        return await zipMembers(part.content, limits);
      case "text": {
        const d = decodeDeclared(part.content, part.charset);
        return extraction({ method: "text", text: tidyText(d.text) });
      }
      case "html":
        return extraction({ method: "html", text: htmlToText(decodeDeclared(part.content, part.charset).text.slice(0, limits.htmlChars)) });
      case "message":
        // A forwarded message attached whole: its text is read by the pipeline with the same
        // MIME parser (bounded depth), so here it is only classified.
        return extraction({ method: "message", status: "skipped" });
      case "image":
        return extraction({ method: "none", status: "skipped", error: "图像待 OCR" });
      default: {
        const what = UNSUPPORTED[ext(part.filename)] ?? (part.contentType !== "application/octet-stream" ? part.contentType : "未知格式");
        return extraction({ method: "none", status: "skipped", error: `不支持的格式（${what}），内容未读取` });
      }
    }
  } catch (err) {
    return extraction({ method: "none", status: "failed", error: `提取失败：${errorMessage(err)}` });
  }
}
