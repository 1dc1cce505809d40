// Word documents: DOCX (Office Open XML, also what WPS writes as .docx) and the Word 97 binary
// format (.doc, and WPS's .wps, which is the same compound file). Pure: bytes + limits in, text,
// members and screening texts out. The body text keeps tables as tables (tables.ts); what a
// reader of the page would not see as body — headers, footers, text boxes, comments — is read
// too, but only for Art. 10 screening (a 密级 mark is often in the header).
import mammoth from "mammoth";
import WordExtractor from "word-extractor";
import type { Limits } from "../config/index.js";
import { errorMessage } from "../domain/errors.js";
import { extraction, type MemberFile, type PartExtraction } from "./part.js";
import { htmlToText, tidyText } from "./text.js";
import { ArchiveRefused, unzipBounded } from "./unzip.js";
import { xmlText } from "./xml.js";

const HEADER_PARTS = /^word\/(header|footer|footnotes|endnotes|comments)\d*\.xml$/;
const MEDIA = /^word\/(media|embeddings)\//;

/** DOCX: opened by the bounded unzip first; mammoth reads the (now known to be sane) package for the body. */
export async function docxText(content: Buffer, limits: Limits, filename: string): Promise<PartExtraction> {
  let entries;
  try {
    ({ entries } = await unzipBounded(content, limits.archive));
  } catch (err) {
    if (err instanceof ArchiveRefused) return extraction({ method: "docx", status: "failed", error: `Word 文档${err.message.replace(/^压缩包/, "")}` });
    throw err;
  }
  if (!entries.some((e) => e.name === "word/document.xml")) return extraction({ method: "docx", status: "failed", error: "不是有效的 Word 文档（缺少 word/document.xml）" });
  // Images are not converted (they become members below, photos to choose from); tables stay tables.
  const html = await mammoth.convertToHtml({ buffer: content }, { convertImage: mammoth.images.imgElement(async () => ({ src: "" })) });
  const screenTexts = entries
    .filter((e) => HEADER_PARTS.test(e.name))
    .map((e) => ({ where: `${filename} 的${e.name.includes("header") ? "页眉" : e.name.includes("footer") ? "页脚" : e.name.includes("comments") ? "批注" : "脚注"}`, text: xmlText(e.content.toString("utf8"), "w:p") }))
    .filter((s) => s.text.trim());
  // Text boxes and shapes are in document.xml but mammoth skips some (VML); read every w:t for screening.
  const all = xmlText(entries.find((e) => e.name === "word/document.xml")!.content.toString("utf8"), "w:p");
  screenTexts.push({ where: `${filename} 的全部文字`, text: all });
  const members: MemberFile[] = entries.filter((e) => MEDIA.test(e.name) && e.content.length > 0).map((e) => ({ filename: e.name.replace(/^word\//, ""), content: e.content }));
  return extraction({ method: "docx", text: tidyText(htmlToText(html.value)), screenTexts, members });
}

/** Word 97 binary (.doc, .wps): word-extractor reads the compound file; headers, footers and text boxes are screened. */
export async function docText(content: Buffer, filename: string): Promise<PartExtraction> {
  const doc = await new WordExtractor().extract(content);
  const screenTexts = [
    { where: `${filename} 的页眉`, text: doc.getHeaders({ includeFooters: false }) },
    { where: `${filename} 的页脚`, text: doc.getFooters() },
    { where: `${filename} 的文本框`, text: doc.getTextboxes({ includeHeadersAndFooters: true, includeBody: true }) },
    { where: `${filename} 的脚注`, text: `${doc.getFootnotes()}\n${doc.getEndnotes()}` },
    { where: `${filename} 的批注`, text: doc.getAnnotations() },
  ].filter((s) => s.text.trim());
  return extraction({ method: "doc", text: tidyText(doc.getBody()), screenTexts });
}

/** A refusal that is the input's fault, not a crash: the part is failed with the reason. */
export function officeFailure(method: PartExtraction["method"], err: unknown): PartExtraction {
  return extraction({ method, status: "failed", error: `提取失败：${errorMessage(err)}` });
}
