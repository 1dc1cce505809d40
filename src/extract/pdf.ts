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
import { preserveBuiltins } from "../util/builtins.js";
import { withTimeout } from "./timeout.js";

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
  await withTimeout(parser.destroy(), 5000, "PDF 关闭超时").catch(() => undefined);
  builtins.restore(replacedByPdfJs);
}
