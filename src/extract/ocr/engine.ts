// The OCR engine: a pool of tesseract.js workers (chi_sim from the npm language package, never
// the network), started on first use and reused, each page with its own timeout. Faults of the
// engine itself throw; a page over its time is an OcrTimeoutError.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import { errorMessage } from "../../domain/errors.js";
import { logged, processLog, type Logger } from "../../util/log.js";

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
  log?: Logger;
}

export interface OcrResult {
  text: string;
  /** tesseract's mean word confidence, 0–100. */
  confidence: number;
  /** Words read below LOW_WORD_CONFIDENCE: highlighted on the draft page for a person to check. */
  lowWords?: string[];
}

/** Words below this confidence (tesseract's 0–100) are highlighted on the draft page. */
export const LOW_WORD_CONFIDENCE = 60;

type Blocks = Array<{ paragraphs?: Array<{ lines?: Array<{ words?: Array<{ text: string; confidence: number }> }> }> }> | null | undefined;

/** The words tesseract was unsure of, spaces between CJK characters removed, each once (at most 200 a page). */
export function lowConfidenceWords(blocks: Blocks): string[] {
  const out = new Set<string>();
  for (const b of blocks ?? []) for (const p of b.paragraphs ?? []) for (const l of p.lines ?? []) for (const w of l.words ?? []) {
    const t = w.text.replace(/\s+/g, "");
    if (w.confidence < LOW_WORD_CONFIDENCE && /[\u3400-\u9fffA-Za-z0-9]/.test(t) && out.size < 200) out.add(t);
  }
  return [...out];
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
  private readonly log: Logger;

  constructor(opts: OcrEngineOptions = {}) {
    this.log = opts.log ?? processLog();
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
        if (w) await w.terminate().catch(logged(this.log, "OCR worker did not terminate cleanly", "debug"));
      }),
    );
    if (this.langDir) fs.rmSync(this.langDir, { recursive: true, force: true });
    this.langDir = null;
  }

  private async startWorker(): Promise<Worker> {
    const started = Date.now();
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
    this.log.info({ languages: this.languages, model: this.model, ms: Date.now() - started, workers: this.started + 1, of: this.size }, "OCR worker started");
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
      this.log.error({ err }, "OCR worker failed to start");
      task.reject(new Error(`OCR 引擎启动失败：${errorMessage(err)}`));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await worker.setParameters({ user_defined_dpi: String(Math.round(task.dpi)) });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new OcrTimeoutError(task.timeoutMs / 1000)), task.timeoutMs);
      });
      const begun = Date.now();
      const res = await Promise.race([worker.recognize(task.image, {}, { text: true, blocks: true }), timeout]);
      this.log.debug({ ms: Date.now() - begun, confidence: res.data.confidence, dpi: task.dpi }, "page recognised");
      task.resolve({ text: res.data.text, confidence: res.data.confidence, lowWords: lowConfidenceWords(res.data.blocks as Blocks) });
    } catch (err) {
      if (err instanceof OcrTimeoutError || this.closed) {
        // The worker is still busy with the page: kill it; the slot starts a fresh one on next use.
        if (err instanceof OcrTimeoutError) this.log.warn({ seconds: task.timeoutMs / 1000 }, "OCR page timed out; worker replaced");
        slot.worker = null;
        await worker.terminate().catch(logged(this.log, "OCR worker did not terminate cleanly", "debug"));
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
