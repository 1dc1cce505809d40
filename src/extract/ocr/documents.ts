// OCR of whole documents: an image attachment (TIFF, multi-page, PNG, JPEG) or the pages of a
// PDF without a text layer, page by page on the engine's pool within the document's time
// budget, assembled into one extraction with a page image each. Refusals (limits, undecodable
// input, timeouts) are results with a Chinese error; only faults of the engine itself throw.
import sharp from "sharp";
import type { Metadata as SharpMetadata } from "sharp";
import type { Limits } from "../../config/index.js";
import { errorMessage } from "../../domain/errors.js";
import { LOW_OCR_CONFIDENCE } from "../../domain/extraction.js";
import { partKind } from "../documents.js";
import type { MimePart } from "../mime.js";
import { recognizeUpright, turnDisplay } from "../orientation.js";
import type { PageText, PartExtraction } from "../part.js";
import { hasTextLayer, pdfReadError, PdfFile } from "../pdf.js";
import { meaningfulChars, normaliseCjkSpacing, tidyText } from "../text.js";
import { OcrTimeoutError, type OcrEngine } from "./engine.js";
import { DISPLAY_WIDTH, ImageRefused, preparePage, type PreparedPage } from "./preprocess.js";
import { imageResolution, snapFaxResolution, tiffResolutions, type Resolution } from "./resolution.js";

export interface OcrPage extends PageText {
  /** Why this page has no text (timeout, undecodable); null when it was read. */
  error: string | null;
  /** Skew that was measured and corrected, in degrees (0 when none was applied). */
  skewDegrees: number;
  /** Degrees the page was turned to be read (an upside-down or sideways page); 0 or absent when upright. */
  rotation?: number;
}

export interface OcrExtraction extends PartExtraction {
  pages: OcrPage[];
  /** One PNG per page, in page order, as the OCR saw it (squared, greyscale, deskewed). */
  pageImages: Buffer[];
  /** Page numbers whose confidence is below LOW_OCR_CONFIDENCE: flag them on the draft. */
  lowConfidencePages: number[];
}

export interface OcrOptions {
  /** Wall-clock budget for the whole document; pages not started by then are left unread. */
  documentSeconds?: number;
  /** Measure and correct skew (default true). */
  deskew?: boolean;
  /** Sees each page as prepared for OCR (bench/ocr.ts feeds the same images to native tesseract). */
  onPrepared?: (pageNo: number, page: PreparedPage) => void;
}

const failed = (method: PartExtraction["method"], error: string, pageCount: number | null = null): OcrExtraction => ({
  method,
  status: "failed",
  text: "",
  error,
  pageCount,
  pages: [],
  confidence: null,
  pageImages: [],
  lowConfidencePages: [],
});

/** Runs fn over items with at most `limit` in flight, keeping order of results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

interface PageJob {
  pageNo: number;
  /** Prepares the page image; may throw ImageRefused. */
  prepare: () => Promise<PreparedPage>;
}

/** Prepares and recognises pages, overlapping the preparation of the next page with OCR. */
async function ocrPages(jobs: PageJob[], limits: Limits, engine: OcrEngine, opts: OcrOptions) {
  const started = Date.now();
  const budgetMs = opts.documentSeconds ? opts.documentSeconds * 1000 : Infinity;
  let refusedAny = false;
  return mapLimit(jobs, engine.size + 1, async (job): Promise<{ page: OcrPage; image: Buffer | null; refused?: string }> => {
    const blank = (error: string, skewDegrees = 0): OcrPage => ({ pageNo: job.pageNo, method: "ocr", text: "", confidence: null, error, skewDegrees });
    // One refused page refuses the document (see assemble): read no further pages of it.
    if (refusedAny) return { page: blank("文档已被拒绝处理，本页未识别"), image: null };
    let prepared: PreparedPage;
    try {
      prepared = await job.prepare();
    } catch (err) {
      if (err instanceof ImageRefused) {
        refusedAny = true;
        return { page: blank(err.message), image: null, refused: err.message };
      }
      throw err;
    }
    opts.onPrepared?.(job.pageNo, prepared);
    const left = budgetMs - (Date.now() - started);
    if (left <= 0) return { page: blank(`超过整份文档 OCR 时限（${opts.documentSeconds} 秒），本页未识别`, prepared.skewDegrees), image: prepared.display };
    const pageMs = limits.ocrPageSeconds * 1000;
    try {
      // Upside-down or sideways pages are read turned (extract/orientation.ts); each try has the page's time.
      const upright = await recognizeUpright(prepared.png, (png) => engine.recognize(png, { timeoutMs: Math.min(pageMs, Math.max(1, budgetMs - (Date.now() - started))), dpi: prepared.dpi }));
      const r = upright.result;
      const text = tidyText(normaliseCjkSpacing(r.text));
      return {
        page: { pageNo: job.pageNo, method: "ocr", text, confidence: Math.round(r.confidence * 10) / 10, error: null, skewDegrees: prepared.skewDegrees, rotation: upright.rotation, lowWords: r.lowWords ?? [] },
        image: await turnDisplay(prepared.display, upright.rotation),
      };
    } catch (err) {
      if (err instanceof OcrTimeoutError) {
        const msg = pageMs <= left ? `第 ${job.pageNo} 页 ${err.message}` : `第 ${job.pageNo} 页 OCR 超过整份文档时限（${opts.documentSeconds} 秒）`;
        return { page: blank(msg, prepared.skewDegrees), image: prepared.display };
      }
      throw err;
    }
  });
}

/** Joins page results into one extraction; a document with unread pages says which. */
function assemble(
  method: PartExtraction["method"],
  pageCount: number,
  results: Array<{ page: OcrPage; image: Buffer | null; refused?: string }>,
): OcrExtraction {
  const pages = results.map((r) => r.page);
  const refused = results.find((r) => r.refused)?.refused;
  // A refused page (pixel bomb, undecodable) refuses the document: it is not a fax page.
  if (refused) return { ...failed(method, refused, pageCount), pages };
  const read = pages.filter((p) => p.error == null);
  const conf = read.filter((p) => p.confidence != null).map((p) => p.confidence!);
  const errors = pages.filter((p) => p.error).map((p) => p.error!);
  const text = pages.map((p) => p.text).filter((t) => t.trim()).join("\n\n");
  const status: PartExtraction["status"] = read.length === 0 ? "failed" : meaningfulChars(text) === 0 ? "empty" : "ok";
  return {
    method,
    status,
    text,
    error: errors.length ? errors.join("；") : null,
    pageCount,
    pages,
    confidence: conf.length ? Math.round((conf.reduce((a, b) => a + b, 0) / conf.length) * 10) / 10 : null,
    pageImages: results.map((r) => r.image ?? Buffer.alloc(0)),
    lowConfidencePages: pages.filter((p) => p.method === "ocr" && p.confidence != null && p.confidence < LOW_OCR_CONFIDENCE).map((p) => p.pageNo),
  };
}

/**
 * OCR of an image attachment: TIFF (Class F, G3/G4, multi-page), PNG, JPEG. Pages over
 * limits.pdfPages, pixels over limits.pixels and undecodable input are refused (status failed).
 */
export async function ocrImageDocument(part: Pick<MimePart, "content" | "filename" | "contentType">, limits: Limits, engine: OcrEngine, opts: OcrOptions = {}): Promise<OcrExtraction> {
  const content = part.content;
  if (content.length > limits.attachmentBytes)
    return failed("ocr", `图像 ${content.length} 字节，超过附件大小限制 ${limits.attachmentBytes} 字节`);
  let meta: SharpMetadata;
  try {
    meta = await sharp(content, { limitInputPixels: false }).metadata();
  } catch (err) {
    return failed("ocr", `图像无法解码：${errorMessage(err)}`);
  }
  const pageCount = meta.pages ?? 1;
  if (pageCount > limits.pdfPages) return failed("ocr", `图像共 ${pageCount} 页，超过限制 ${limits.pdfPages} 页`, pageCount);
  const tiffRes = meta.format === "tiff" ? tiffResolutions(content) : [];
  const single = meta.format === "tiff" ? null : imageResolution(content);
  const jobs: PageJob[] = Array.from({ length: pageCount }, (_, i) => ({
    pageNo: i + 1,
    prepare: () => preparePage(content, i, meta.format === "tiff" ? (tiffRes[i] ?? null) : single, limits, opts),
  }));
  return assemble("ocr", pageCount, await ocrPages(jobs, limits, engine, opts));
}

/** Render resolution for PDF pages that carry no usable page image. */
const RENDER_DPI = 300;

/**
 * A PDF: pages with a text layer keep it (method "text-layer"); pages without usable text are
 * OCR'd from their embedded page image (a fax server's PDF holds one G4 image per page, read at
 * its own resolution and squared like a TIFF) or, failing that, from a 300 dpi rendering.
 * Every page gets an image for the draft page. Encrypted PDFs are refused for a person.
 */
export async function ocrPdfDocument(part: Pick<MimePart, "content">, limits: Limits, engine: OcrEngine, opts: OcrOptions & { pdf?: PdfFile } = {}): Promise<OcrExtraction> {
  const content = part.content;
  if (content.length > limits.attachmentBytes)
    return failed("pdf-text", `PDF ${content.length} 字节，超过附件大小限制 ${limits.attachmentBytes} 字节`);
  // The file document extraction already opened and read the text layer of, when there is one.
  const pdf = opts.pdf ?? new PdfFile(content, limits);
  const parser = pdf.parser;
  try {
    let info;
    try {
      info = await pdf.pageInfo(limits.pdfPages);
    } catch (err) {
      return failed("pdf-text", pdfReadError(err));
    }
    const total = info.total;
    if (total > limits.pdfPages) return failed("pdf-text", `PDF 共 ${total} 页，超过限制 ${limits.pdfPages} 页`, total);
    const layer = new Map((await pdf.textPages(limits.pdfPages)).pages.map((p) => [p.num, p.text]));
    const sizes = new Map(info.pages.map((p) => [p.pageNumber, { w: p.width, h: p.height }]));
    const pageNos = Array.from({ length: total }, (_, i) => i + 1);
    const scanned = pageNos.filter((n) => !hasTextLayer(layer.get(n) ?? ""));

    // Pages with a text layer: the text as is, and a rendering for the draft page.
    const textPages = pageNos.filter((n) => !scanned.includes(n));
    const shots = new Map<number, Buffer>();
    for (const n of textPages) {
      const size = sizes.get(n) ?? { w: 595, h: 842 };
      const width = Math.min(DISPLAY_WIDTH, Math.round((size.w / 72) * 150));
      if (width * Math.round((width * size.h) / size.w) > limits.pixels) return failed("pdf-text", `PDF 第 ${n} 页幅面过大，超过每页像素限制 ${limits.pixels}`, total);
      const s = await parser.getScreenshot({ partial: [n], desiredWidth: width, imageDataUrl: false });
      const shot = s.pages[0]?.data;
      if (shot) shots.set(n, await sharp(shot).greyscale().png({ palette: true, colours: 4, effort: 1, dither: 0 }).toBuffer());
    }

    // Scanned pages: the largest embedded image per page, with the resolution it has on the page.
    const embedded = new Map<number, { data: Buffer; res: Resolution }>();
    if (scanned.length) {
      const imgs = await parser.getImage({ partial: scanned, imageDataUrl: false, imageThreshold: 200 });
      for (const p of imgs.pages) {
        const best = [...p.images].sort((a, b) => b.width * b.height - a.width * a.height)[0];
        const size = sizes.get(p.pageNumber);
        if (!best || !size) continue;
        const xDpi = best.width / (size.w / 72);
        const yDpi = best.height / (size.h / 72);
        // Only an image that is the page (a scan) is read on its own; anything else is rendered.
        if (Math.min(xDpi, yDpi) < 90 || Math.max(xDpi, yDpi) > 1300) continue;
        embedded.set(p.pageNumber, { data: Buffer.from(best.data), res: { x: xDpi, y: yDpi } });
      }
    }
    const jobs: PageJob[] = scanned.map((n) => ({
      pageNo: n,
      prepare: async () => {
        const e = embedded.get(n);
        if (e) return preparePage(e.data, 0, snapFaxResolution(e.res), limits, opts);
        const size = sizes.get(n) ?? { w: 595, h: 842 };
        const width = Math.round((size.w / 72) * RENDER_DPI);
        const height = Math.round((size.h / 72) * RENDER_DPI);
        if (width * height > limits.pixels) throw new ImageRefused(`PDF 第 ${n} 页按 ${RENDER_DPI} dpi 渲染为 ${width}×${height} 像素，超过每页像素限制 ${limits.pixels}`);
        const s = await parser.getScreenshot({ partial: [n], desiredWidth: width, imageDataUrl: false });
        const shot = s.pages[0]?.data;
        if (!shot) throw new ImageRefused(`PDF 第 ${n} 页无法渲染`);
        return preparePage(Buffer.from(shot), 0, { x: RENDER_DPI, y: RENDER_DPI }, limits, opts);
      },
    }));
    const ocr = new Map((await ocrPages(jobs, limits, engine, opts)).map((r) => [r.page.pageNo, r]));
    const results = pageNos.map((n) => {
      const o = ocr.get(n);
      if (o) return o;
      const page: OcrPage = { pageNo: n, method: "text-layer", text: layer.get(n) ?? "", confidence: null, error: null, skewDegrees: 0 };
      return { page, image: shots.get(n) ?? null };
    });
    const method: PartExtraction["method"] = scanned.length ? "ocr" : "pdf-text";
    return assemble(method, total, results);
  } catch (err) {
    if (err instanceof ImageRefused) return failed("pdf-text", err.message);
    if (/password|encrypt/i.test(errorMessage(err))) return failed("pdf-text", pdfReadError(err));
    throw err;
  } finally {
    if (!opts.pdf) await pdf.close();
  }
}

/**
 * The entry point for the pipeline: OCR where a part needs it. Images are OCR'd; a PDF is read
 * from its text layer and only its pages without usable text are OCR'd (pass the extraction
 * documents.ts already made, to skip PDFs whose every page has text). Anything else: null.
 */
export async function ocrPart(
  part: Pick<MimePart, "content" | "filename" | "contentType">,
  limits: Limits,
  engine: OcrEngine,
  opts: OcrOptions & { textLayer?: PartExtraction; pdf?: PdfFile } = {},
): Promise<OcrExtraction | null> {
  const kind = partKind(part);
  if (kind === "image") return ocrImageDocument(part, limits, engine, opts);
  if (kind !== "pdf") return null;
  const t = opts.textLayer;
  if (t && (t.status === "failed" || (t.pages.length > 0 && t.pages.every((p) => hasTextLayer(p.text))))) return null;
  return ocrPdfDocument(part, limits, engine, opts);
}
