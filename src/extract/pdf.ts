// pdf-parse, loaded so that it cannot slow down the rest of the process.
//
// pdf-parse bundles pdf.js's legacy build, whose core-js polyfills replace built-ins Node
// already has — Array.prototype.push, JSON.parse and Function.prototype.toString — with
// JavaScript versions, once when the module loads and again when its worker module loads on
// the first document. Every push in the process (mailparser's, imapflow's, Prisma's) then ran
// through core-js. The built-ins are recorded before pdf.js loads and put back after loading
// and after every document; what the polyfills add (Promise.withResolvers, Set methods on
// Node 20) stays, since pdf.js needs it. Only the built-ins loading pdf.js replaced are put back
// after a document, so that nothing another part of the process changed on purpose is undone.
import path from "node:path";
import { createRequire } from "node:module";
import type { PDFParse as PdfParser } from "pdf-parse";
import type { Limits } from "../config/index.js";
import { errorMessage } from "../domain/errors.js";
import { preserveBuiltins } from "../util/builtins.js";
import { meaningfulChars, normaliseCjkSpacing, tidyText } from "./text.js";
import { withTimeout } from "./timeout.js";
import { logged, processLog } from "../util/log.js";

const builtins = preserveBuiltins();
const { PDFParse } = await import("pdf-parse");
const replacedByPdfJs = new Set(builtins.restore());

export type PdfParams = ConstructorParameters<typeof PdfParser>[0];

/**
 * pdf.js's predefined CMaps and standard-font data, from the pdfjs-dist that pdf-parse itself
 * depends on (node_modules, never the network). Without them, text in a predefined CJK CMap with
 * a non-embedded font — UniGB-UCS2-H with STSong-Light, as iText, Founder and many government
 * exporters write it — comes out empty, and the page renders blank for OCR.
 */
const pdfjsDir = path.dirname(createRequire(createRequire(import.meta.url).resolve("pdf-parse")).resolve("pdfjs-dist/package.json"));
export const PDF_ASSETS = {
  cMapUrl: path.join(pdfjsDir, "cmaps") + path.sep,
  cMapPacked: true,
  standardFontDataUrl: path.join(pdfjsDir, "standard_fonts") + path.sep,
} as const;

/** Every PDF of the gateway is opened here: text extraction, page rendering and page images alike. */
export function openPdf(params: PdfParams): PdfParser {
  return new PDFParse({ ...PDF_ASSETS, ...params });
}

/** Frees the document and undoes what pdf.js did to the built-ins while reading it. */
export async function closePdf(parser: PdfParser): Promise<void> {
  // A document abandoned mid-read (extract/timeout.ts) may never finish destroying either.
  await withTimeout(parser.destroy(), 5000, "PDF 关闭超时").catch(logged(processLog(), "PDF not closed (timed out or failed); its text was already read", "debug"));
  builtins.restore(replacedByPdfJs);
}

/**
 * The one rule for "this page has a text layer": at least 10 real characters (CJK, letters,
 * digits). pdf.js gives an image-only page text too — page markers like "-- 1 of 10 --" — so
 * length alone would call every scan a text page. Document extraction keeps the pages that pass;
 * OCR reads the ones that do not.
 */
export function hasTextLayer(text: string): boolean {
  return meaningfulChars(text) >= 10;
}

/** Why a PDF could not be read, in the words shown on the draft: an encrypted one needs a person. */
export function pdfReadError(err: unknown): string {
  const msg = errorMessage(err);
  return /password|encrypt/i.test(msg) ? "PDF 已加密，需人工处理" : `PDF 无法解析：${msg}`;
}

/**
 * One PDF, opened once for everything the gateway reads from it: the text layer (document
 * extraction), then page sizes, renderings and embedded page images (OCR of the pages without
 * text). Each reading is done once and kept; `close()` frees the document.
 */
export class PdfFile {
  readonly parser: PdfParser;
  private text: Promise<{ total: number; pages: Array<{ num: number; text: string }> }> | null = null;
  private info: ReturnType<PdfParser["getInfo"]> | null = null;
  private closed = false;

  constructor(content: Buffer, limits: Pick<Limits, "pixels">) {
    // maxImageSize: pdf.js will not decode an embedded image over the pixel limit (bombs).
    this.parser = openPdf({ data: new Uint8Array(content), maxImageSize: limits.pixels });
  }

  /** The text layer of the first `first` pages, tidied as the gateway stores text, and the page count. */
  textPages(first: number): Promise<{ total: number; pages: Array<{ num: number; text: string }> }> {
    this.text ??= this.parser.getText({ first }).then((r) => ({ total: r.total, pages: r.pages.map((p) => ({ num: p.num, text: tidyText(normaliseCjkSpacing(p.text)) })) }));
    return this.text;
  }

  /** Page count and page sizes (points) of the first `first` pages. */
  pageInfo(first: number): ReturnType<PdfParser["getInfo"]> {
    this.info ??= this.parser.getInfo({ parsePageInfo: true, first });
    return this.info;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closePdf(this.parser);
  }
}
