// OCR of faxes and scans: a pool of tesseract.js workers (chi_sim from the npm language
// package, never the network), image preprocessing with sharp (decode TIFF/PNG/JPEG, square the
// non-square fax resolutions, greyscale, contrast, deskew), PDF pages without a text layer, and
// the page images the draft page shows beside the text. Refusals (limits, undecodable input,
// timeouts) are results with a Chinese error; only faults of the engine itself throw.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import sharp from "sharp";
import type { Metadata as SharpMetadata, OutputInfo } from "sharp";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import type { Limits } from "../config/index.js";
import { errorMessage } from "../domain/errors.js";
import { closePdf, openPdf } from "./pdf.js";
import { recognizeUpright, turnDisplay } from "./orientation.js";
import { partKind, type PageText, type PartExtraction } from "./documents.js";
import { meaningfulChars } from "./text.js";
import type { MimePart } from "./mime.js";
import { normaliseCjkSpacing, tidyText } from "./text.js";
import { LOW_OCR_CONFIDENCE } from "../domain/extraction.js";


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

// ───────────────────────────── the engine ─────────────────────────────

export class OcrTimeoutError extends Error {
  constructor(seconds: number) {
    super(`OCR 超时：单页识别超过 ${seconds} 秒`);
    this.name = "OcrTimeoutError";
  }
}

/**
 * Simplified Chinese alone: its model reads the digits and Latin letters of fax headers and
 * reference numbers too. With tesseract.js 7, "chi_sim+eng" does not load eng at all (tesseract
 * asks for a garbled language name after chi_sim, "Failed loading language"), and "eng+chi_sim",
 * which loads both, halved the pages per minute and raised the CER on the fixture scans from
 * 1.0 % to 2.5 % (bench:ocr, OCR_LANGS=eng+chi_sim). On rendered fax pages full of Latin text
 * (header lines, e-mail addresses, URLs, credit codes) the two read it about equally well
 * (CER of the Latin letters and digits 3.9 % alone, 3.7 % with eng; measured in review), and
 * fixtures/fax/12-xinji-latin-g4.tif holds such a page.
 */
export const DEFAULT_LANGUAGES: readonly string[] = ["chi_sim"];

export interface OcrEngineOptions {
  /** Number of workers; default: one per core. */
  workers?: number;
  /** Language data folder of the @tesseract.js-data packages; best_int is LSTM-only, smaller and faster. */
  model?: "4.0.0_best_int" | "4.0.0";
  languages?: readonly string[];
}

export interface OcrResult {
  text: string;
  /** tesseract's mean word confidence, 0–100. */
  confidence: number;
}

interface Slot {
  worker: Worker | null;
  busy: boolean;
}

interface Task {
  image: Buffer;
  dpi: number;
  timeoutMs: number;
  resolve: (r: OcrResult) => void;
  reject: (e: Error) => void;
}

const require = createRequire(import.meta.url);

/**
 * tesseract.js reads `${langPath}/${lang}.traineddata.gz`, one folder for all languages, while
 * each language is its own npm package; and its `{ code, data }` form is broken in initialize()
 * (7.0: it passes the data bytes as the language name). So the engine makes a private folder of
 * symbolic links to the packaged files (a copy where links are not allowed) and points langPath
 * there. Nothing is downloaded and nothing is cached in the working folder (cacheMethod "none").
 */
function languageFolder(languages: readonly string[], model: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-tessdata-"));
  for (const lang of languages) {
    const pkg = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
    const file = path.join(pkg, model, `${lang}.traineddata.gz`);
    if (!fs.existsSync(file)) throw new Error(`OCR language data missing: ${file} (npm package @tesseract.js-data/${lang})`);
    const link = path.join(dir, `${lang}.traineddata.gz`);
    try {
      fs.symlinkSync(file, link);
    } catch {
      fs.copyFileSync(file, link);
    }
  }
  return dir;
}

/**
 * A fixed pool of tesseract.js workers, started lazily on first use and reused: a worker costs
 * about 0.4 s and 30–60 MB to start, a page about 1 s. A page that overruns its timeout has its
 * worker terminated (tesseract cannot be interrupted mid-page) and replaced on next use.
 */
export class OcrEngine {
  readonly size: number;
  private readonly languages: readonly string[];
  private readonly model: string;
  private langDir: string | null = null;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private readonly running = new Set<Task>();
  private closed = false;

  constructor(opts: OcrEngineOptions = {}) {
    this.size = Math.max(1, opts.workers ?? os.availableParallelism());
    this.languages = opts.languages ?? DEFAULT_LANGUAGES;
    this.model = opts.model ?? "4.0.0_best_int";
    this.slots = Array.from({ length: this.size }, () => ({ worker: null, busy: false }));
  }

  /** Workers started so far (for tests and the bench). */
  get started(): number {
    return this.slots.filter((s) => s.worker).length;
  }

  /** Starts every worker now rather than on the first page (a server may want that at boot). */
  async warmUp(): Promise<void> {
    await Promise.all(this.slots.map(async (s) => (s.worker ??= await this.startWorker())));
  }

  /** OCR of one prepared page image (PNG). Rejects with OcrTimeoutError after timeoutMs of recognition. */
  recognize(image: Buffer, opts: { timeoutMs: number; dpi?: number }): Promise<OcrResult> {
    if (this.closed) return Promise.reject(new Error("OCR 引擎已关闭"));
    return new Promise<OcrResult>((resolve, reject) => {
      this.queue.push({ image, dpi: opts.dpi ?? 200, timeoutMs: opts.timeoutMs, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error("OCR 引擎已关闭"));
    for (const t of this.running) t.reject(new Error("OCR 引擎已关闭"));
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        s.worker = null;
        if (w) await w.terminate().catch(() => undefined);
      }),
    );
    if (this.langDir) fs.rmSync(this.langDir, { recursive: true, force: true });
    this.langDir = null;
  }

  private async startWorker(): Promise<Worker> {
    this.langDir ??= languageFolder(this.languages, this.model);
    const worker = await createWorker([...this.languages], OEM.LSTM_ONLY, {
      langPath: this.langDir,
      gzip: true,
      cacheMethod: "none",
      // The default handler throws inside the worker's message callback, which would take the
      // process down; errors reach us through the rejected job instead.
      errorHandler: () => undefined,
    });
    // Automatic page segmentation; keep the lines, let normaliseCjkSpacing drop CJK spaces.
    // debug_file: tesseract's progress notes ("Detected 28 diacritics") are not for the log.
    await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO, debug_file: "/dev/null" });
    return worker;
  }

  private pump(): void {
    while (this.queue.length) {
      const slot = this.slots.find((s) => !s.busy);
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.busy = true;
      this.running.add(task);
      void this.run(slot, task).finally(() => {
        this.running.delete(task);
        slot.busy = false;
        if (!this.closed) this.pump();
      });
    }
  }

  private async run(slot: Slot, task: Task): Promise<void> {
    let worker: Worker;
    try {
      worker = slot.worker ??= await this.startWorker();
    } catch (err) {
      task.reject(new Error(`OCR 引擎启动失败：${errorMessage(err)}`));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await worker.setParameters({ user_defined_dpi: String(Math.round(task.dpi)) });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new OcrTimeoutError(task.timeoutMs / 1000)), task.timeoutMs);
      });
      const res = await Promise.race([worker.recognize(task.image), timeout]);
      task.resolve({ text: res.data.text, confidence: res.data.confidence });
    } catch (err) {
      if (err instanceof OcrTimeoutError || this.closed) {
        // The worker is still busy with the page: kill it; the slot starts a fresh one on next use.
        slot.worker = null;
        await worker.terminate().catch(() => undefined);
      }
      task.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One engine per process is the intended use: create it at start-up, close it at shut-down. */
export function createOcrEngine(opts: OcrEngineOptions = {}): OcrEngine {
  return new OcrEngine(opts);
}

// ───────────────────────────── resolution from the file ─────────────────────────────

export interface Resolution {
  x: number;
  y: number;
}

/**
 * Per-page X/Y resolution of a TIFF (tags 282/283, unit 296). sharp reports one density only,
 * and a normal-resolution fax is 204×98 dpi: its pixels are twice as tall as wide.
 */
export function tiffResolutions(buf: Buffer): Array<Resolution | null> {
  const out: Array<Resolution | null> = [];
  if (buf.length < 8) return out;
  const le = buf.toString("latin1", 0, 2) === "II";
  if (!le && buf.toString("latin1", 0, 2) !== "MM") return out;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u16(2) !== 42) return out; // BigTIFF (43) is not a fax format
  let ifd = u32(4);
  const seen = new Set<number>();
  while (ifd > 0 && ifd + 2 <= buf.length && !seen.has(ifd) && out.length < 10_000) {
    seen.add(ifd);
    const n = u16(ifd);
    let x = 0;
    let y = 0;
    let unit = 2;
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (e + 12 > buf.length) break;
      const tag = u16(e);
      const rational = () => {
        const off = u32(e + 8);
        if (off + 8 > buf.length) return 0;
        const den = u32(off + 4);
        return den ? u32(off) / den : 0;
      };
      if (tag === 282) x = rational();
      else if (tag === 283) y = rational();
      else if (tag === 296) unit = u16(e + 8);
    }
    const k = unit === 3 ? 2.54 : 1; // per centimetre → per inch
    out.push(x > 0 && y > 0 && unit !== 1 ? { x: x * k, y: y * k } : null);
    const next = ifd + 2 + n * 12;
    ifd = next + 4 <= buf.length ? u32(next) : 0;
  }
  return out;
}

/** X/Y resolution of a PNG (pHYs) or JPEG (JFIF APP0); null when absent or aspect-only. */
export function imageResolution(buf: Buffer): Resolution | null {
  if (buf.length > 24 && buf.readUInt32BE(0) === 0x89504e47) {
    let o = 8;
    while (o + 12 <= buf.length) {
      const len = buf.readUInt32BE(o);
      const type = buf.toString("latin1", o + 4, o + 8);
      if (type === "pHYs" && len >= 9 && buf[o + 16] === 1) {
        return { x: buf.readUInt32BE(o + 8) * 0.0254, y: buf.readUInt32BE(o + 12) * 0.0254 };
      }
      if (type === "IDAT" || type === "IEND") break;
      o += 12 + len;
    }
    return null;
  }
  if (buf.length > 18 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff && buf[3] === 0xe0 && buf.toString("latin1", 6, 11) === "JFIF\0") {
    const unit = buf[13];
    const x = buf.readUInt16BE(14);
    const y = buf.readUInt16BE(16);
    if (!x || !y || (unit !== 1 && unit !== 2)) return null;
    const k = unit === 2 ? 2.54 : 1;
    return { x: x * k, y: y * k };
  }
  return null;
}

// ───────────────────────────── preprocessing ─────────────────────────────

/** A refusal of the input (limits, undecodable): becomes status "failed" with this message. */
export class ImageRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageRefused";
  }
}

export interface PreparedPage {
  /** The page as the OCR reads it. */
  png: Buffer;
  /** The page for people: 4 grey levels, at most DISPLAY_WIDTH wide. */
  display: Buffer;
  width: number;
  height: number;
  dpi: number;
  skewDegrees: number;
}

/**
 * Skew of text lines, in degrees (positive: lines fall to the right), from the projection
 * profile of dark pixels: the angle at which row sums are most peaked. Sampled on every second
 * pixel; searches ±3° coarse then fine. Returns 0 for pages with too little ink to tell.
 */
export function estimateSkew(grey: Buffer, width: number, height: number): number {
  const step = 2;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < height; y += step) {
    const row = y * width;
    for (let x = 0; x < width; x += step) {
      if (grey[row + x]! < 128) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length < 500) return 0;
  const bins = new Float64Array(Math.ceil(height / step) + Math.ceil(width / step) + 8);
  const offset = Math.ceil(width / step) / 2 + 4;
  const score = (deg: number) => {
    const t = Math.tan((deg * Math.PI) / 180);
    bins.fill(0);
    for (let i = 0; i < xs.length; i++) {
      const b = Math.round((ys[i]! - xs[i]! * t) / step + offset);
      if (b >= 0 && b < bins.length) bins[b]! += 1;
    }
    let s = 0;
    for (let i = 0; i < bins.length; i++) s += bins[i]! * bins[i]!;
    return s;
  };
  let best = 0;
  let bestScore = score(0);
  for (let d = -3; d <= 3.0001; d += 0.25) {
    const s = score(d);
    if (s > bestScore) [best, bestScore] = [d, s];
  }
  const centre = best;
  for (let d = centre - 0.25; d <= centre + 0.2501; d += 0.05) {
    const s = score(d);
    if (s > bestScore) [best, bestScore] = [d, s];
  }
  return Math.round(best * 100) / 100;
}

/**
 * Skews smaller than this are left alone: tesseract copes with them, and rotating resamples
 * the strokes. Measured on the fixtures: 1.5° → CER 1.4 % without, 0 % with correction;
 * 0.6° and −0.8° → correction made it slightly worse (2.4 → 3.4 %, 0 → 0.3 %).
 */
const MIN_DESKEW = 1.0;

/** Longest side of the page images kept for the draft page (150 dpi across an A4 width). */
const DISPLAY_WIDTH = 1240;

/**
 * Stretches the grey levels of a faint page (1st–99th percentile to black–white) in place.
 * Only when contrast is low: on fax pages, which are already black and white, a stretch
 * pushes the anti-aliased edges of the squared pixels about and measurably costs accuracy.
 */
export function stretchContrast(grey: Buffer): boolean {
  const hist = new Uint32Array(256);
  for (let i = 0; i < grey.length; i++) hist[grey[i]!]!++;
  const pick = (q: number) => {
    let n = 0;
    const target = grey.length * q;
    for (let v = 0; v < 256; v++) if ((n += hist[v]!) >= target) return v;
    return 255;
  };
  const lo = pick(0.01);
  const hi = pick(0.99);
  if (hi - lo >= 160 || hi <= lo) return false;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.max(0, Math.min(255, Math.round(((v - lo) * 255) / (hi - lo))));
  for (let i = 0; i < grey.length; i++) grey[i] = lut[grey[i]!]!;
  return true;
}

/**
 * Decodes one page and prepares it for OCR: greyscale; non-square pixels resampled to square
 * (height scaled by x/y resolution, e.g. ×2 for a 204×98 fax, cubic — measured better than
 * nearest and than upscaling the whole page); contrast stretched on faint pages; skew of 1° or
 * more corrected. Refuses pages over limits.pixels before decoding them. Also returns a compact
 * page image (4 grey levels, at most DISPLAY_WIDTH wide) for the draft page.
 */
export async function preparePage(
  input: Buffer,
  page: number,
  res: Resolution | null,
  limits: Limits,
  opts: { deskew?: boolean } = {},
): Promise<PreparedPage> {
  let meta: SharpMetadata;
  try {
    meta = await sharp(input, { page, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageRefused(`图像无法解码：${errorMessage(err)}`);
  }
  // Phone photos and some scanners record the page's orientation in EXIF: decode upright.
  const w = meta.autoOrient?.width ?? meta.width ?? 0;
  const h = meta.autoOrient?.height ?? meta.height ?? 0;
  if (!w || !h) throw new ImageRefused("图像无法解码：缺少宽高信息");
  if (w * h > limits.pixels)
    throw new ImageRefused(`图像 ${w}×${h} 像素（${w * h}），超过每页像素限制 ${limits.pixels}，疑似解压炸弹，未处理`);
  const xRes = res?.x ?? meta.density ?? 200;
  const yRes = res?.y ?? xRes;
  // Square the pixels by stretching the short axis (never shrinking detail away). Fine fax
  // (204×196) is within 4 % of square: resampling it costs time and gains nothing measurable.
  const ratio = Math.max(xRes, yRes) / Math.min(xRes, yRes);
  const sx = ratio >= 1.1 && xRes < yRes ? ratio : 1;
  const sy = ratio >= 1.1 && yRes < xRes ? ratio : 1;
  const tw = Math.round(w * sx);
  const th = Math.round(h * sy);
  if (tw * th > limits.pixels)
    throw new ImageRefused(`图像按方形像素换算后为 ${tw}×${th} 像素，超过每页像素限制 ${limits.pixels}，未处理`);
  const dpi = Math.max(xRes, yRes);

  let img = sharp(input, { page, limitInputPixels: limits.pixels, autoOrient: true }).greyscale();
  if (sx !== 1 || sy !== 1) img = img.resize(tw, th, { fit: "fill", kernel: "cubic" });
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageRefused(`图像无法解码：${errorMessage(err)}`);
  }
  const { width, height } = raw.info;
  stretchContrast(raw.data);
  let skewDegrees = 0;
  if (opts.deskew !== false) {
    const skew = estimateSkew(raw.data, width, height);
    if (Math.abs(skew) >= MIN_DESKEW) skewDegrees = skew;
  }
  const base = () => {
    const s = sharp(raw.data, { raw: { width, height, channels: 1 } });
    return skewDegrees ? s.rotate(-skewDegrees, { background: { r: 255, g: 255, b: 255 } }) : s;
  };
  // The OCR copy is encoded fast (it is decoded once, at once); the display copy small.
  const [ocr, display] = await Promise.all([
    base().greyscale().withMetadata({ density: dpi }).png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer({ resolveWithObject: true }),
    base()
      .resize({ width: Math.min(width, DISPLAY_WIDTH), withoutEnlargement: true })
      .greyscale()
      .png({ palette: true, colours: 4, effort: 1, dither: 0, compressionLevel: 6 })
      .toBuffer(),
  ]);
  return { png: ocr.data, display, width: ocr.info.width, height: ocr.info.height, dpi, skewDegrees };
}

// ───────────────────────────── documents ─────────────────────────────

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
        page: { pageNo: job.pageNo, method: "ocr", text, confidence: Math.round(r.confidence * 10) / 10, error: null, skewDegrees: prepared.skewDegrees, rotation: upright.rotation },
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
export async function ocrPdfDocument(part: Pick<MimePart, "content">, limits: Limits, engine: OcrEngine, opts: OcrOptions = {}): Promise<OcrExtraction> {
  const content = part.content;
  if (content.length > limits.attachmentBytes)
    return failed("pdf-text", `PDF ${content.length} 字节，超过附件大小限制 ${limits.attachmentBytes} 字节`);
  // maxImageSize: pdf.js will not decode an embedded image over the pixel limit (bombs).
  const parser = openPdf({ data: new Uint8Array(content), maxImageSize: limits.pixels });
  try {
    let info;
    try {
      info = await parser.getInfo({ parsePageInfo: true, first: limits.pdfPages });
    } catch (err) {
      const msg = errorMessage(err);
      return failed("pdf-text", /password|encrypt/i.test(msg) ? "PDF 已加密，需人工处理" : `PDF 无法解析：${msg}`);
    }
    const total = info.total;
    if (total > limits.pdfPages) return failed("pdf-text", `PDF 共 ${total} 页，超过限制 ${limits.pdfPages} 页`, total);
    const textRes = await parser.getText({ first: total });
    const layer = new Map(textRes.pages.map((p) => [p.num, tidyText(normaliseCjkSpacing(p.text))]));
    const sizes = new Map(info.pages.map((p) => [p.pageNumber, { w: p.width, h: p.height }]));
    const pageNos = Array.from({ length: total }, (_, i) => i + 1);
    const scanned = pageNos.filter((n) => meaningfulChars(layer.get(n) ?? "") < 10);

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
    const msg = errorMessage(err);
    if (/password|encrypt/i.test(msg)) return failed("pdf-text", "PDF 已加密，需人工处理");
    throw err;
  } finally {
    await closePdf(parser);
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
  opts: OcrOptions & { textLayer?: PartExtraction } = {},
): Promise<OcrExtraction | null> {
  const kind = partKind(part);
  if (kind === "image") return ocrImageDocument(part, limits, engine, opts);
  if (kind !== "pdf") return null;
  const t = opts.textLayer;
  if (t && (t.status === "failed" || (t.pages.length > 0 && t.pages.every((p) => meaningfulChars(p.text) >= 10)))) return null;
  return ocrPdfDocument(part, limits, engine, opts);
}

/** Image sizes are whole pixels and page sizes rounded points: snap near-fax values to 204/98/196. */
function snapFaxResolution(r: Resolution): Resolution {
  const snap = (v: number) => [98, 196, 200, 204, 300, 400].find((s) => Math.abs(v - s) / s < 0.03) ?? v;
  return { x: snap(r.x), y: snap(r.y) };
}

// ───────────────────────────── measuring accuracy ─────────────────────────────
// Used by the tests and bench/ocr.ts to hold OCR output against ground truth.

const PUNCT_FOLD: Record<string, string> = { "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "〔": "[", "〕": "]", "【": "[", "】": "]", "—": "-", "－": "-", "·": "." };

/**
 * Text as compared for CER: no whitespace, full-width forms folded to half-width (NFKC), and
 * the CJK punctuation that tesseract reads as its ASCII look-alike folded the same way. A
 * misread character still counts; only the width or style of punctuation does not.
 */
export function foldForCompare(s: string): string {
  return [...s.normalize("NFKC").replace(/\s+/g, "")].map((c) => PUNCT_FOLD[c] ?? c).join("");
}

/** Character error rate: Levenshtein distance over the folded texts, divided by the truth's length. */
export function characterErrorRate(truth: string, text: string): number {
  const a = [...foldForCompare(truth)];
  const b = [...foldForCompare(text)];
  if (a.length === 0) return b.length ? 1 : 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]! / a.length;
}
