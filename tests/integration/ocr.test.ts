// OCR of the fax/scan fixtures against their ground truth (character error rate bounds per
// fixture, from fixtures/fax/expected.json), page counts and page images, the two fax e-mail
// styles down to the unit found by fax number, and each limit's refusal. One OCR engine for the
// whole file. No timing assertions: the machine is shared; speed is measured by bench/ocr.ts.
import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import path from "node:path";
import zlib from "node:zlib";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { parse as parseCsv } from "csv-parse/sync";
import { loadConfig } from "../../src/config/index.js";
import { parseMessage, type MimePart } from "../../src/extract/mime.js";
import { extractPart } from "../../src/extract/documents.js";
import { parseFaxMail } from "../../src/extract/fax.js";
import { createOcrEngine, type OcrEngine } from "../../src/extract/ocr/engine.js";
import { ocrImageDocument, ocrPart, ocrPdfDocument, type OcrExtraction } from "../../src/extract/ocr/documents.js";
import { characterErrorRate } from "../../bench/cer.js";
import { identifyByFax, normaliseFax, type UnitDirectory } from "../../src/identify/unit.js";
import { fixturesDir, repoRoot, tempDir } from "../helpers.js";

const faxDir = path.join(fixturesDir, "fax");
const limits = loadConfig({}).limits;

interface ScanFixture {
  file: string;
  truth: string;
  pages: number;
  kind: "tiff" | "pdf-scan" | "pdf-text" | "png" | "jpeg";
  maxCer: number;
  skewDegrees?: number;
}
interface MailFixture {
  file: string;
  style: "hylafax" | "commercial";
  truth: string;
  attachment: string;
  pages: number;
  faxNumber: string;
  unit: string;
  receivedAt: string;
  quality: string | null;
}
const expected = JSON.parse(fs.readFileSync(path.join(faxDir, "expected.json"), "utf8")) as { scans: ScanFixture[]; mails: MailFixture[] };

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let engine: OcrEngine;
beforeAll(() => {
  engine = createOcrEngine({ workers: 2 });
});
afterAll(async () => {
  await engine?.close();
});

/** Same bytes, same result: the fax mails carry two of the scan fixtures; OCR each once. */
const cache = new Map<string, Promise<OcrExtraction>>();
function extract(content: Buffer, filename: string, lim = limits): Promise<OcrExtraction> {
  const key = sha(content);
  if (lim === limits && cache.has(key)) return cache.get(key)!;
  const part = { content, filename, contentType: filename.endsWith(".pdf") ? "application/pdf" : "image/tiff" };
  const p = filename.toLowerCase().endsWith(".pdf") ? ocrPdfDocument(part, lim, engine) : ocrImageDocument(part, lim, engine);
  if (lim === limits) cache.set(key, p);
  return p;
}

const measured: string[] = [];
afterAll(() => {
  if (measured.length) console.log(`CER per fixture:\n${measured.join("\n")}`);
});

describe("the engine", () => {
  it("loads every language it is configured with (tesseract reports none it failed to load)", async () => {
    // In a child process: tesseract prints load failures to stderr and goes on without the language.
    // A script file, not -e: worker threads inherit the process's flags, and --input-type breaks them.
    const probe = path.join(tempDir("gw-ocr-probe-"), "probe.mts");
    fs.writeFileSync(probe, `const { OcrEngine, DEFAULT_LANGUAGES } = await import(${JSON.stringify(path.join(repoRoot, "src/extract/ocr/engine.ts"))}); const e = new OcrEngine({ workers: 1 }); await e.warmUp(); await e.close(); console.log(DEFAULT_LANGUAGES.join("+"));`);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", probe], { cwd: repoRoot });
    expect(stdout.trim()).toBe("chi_sim");
    expect(stderr).not.toMatch(/Failed loading language|Error opening data file/);
  }, 60_000);
});

describe("scan fixtures against ground truth", () => {
  it.each(expected.scans.map((s) => [s.file, s] as const))("%s", async (_name, s) => {
    const content = fs.readFileSync(path.join(faxDir, s.file));
    const truth = fs.readFileSync(path.join(faxDir, s.truth), "utf8");
    const r = await extract(content, s.file);
    expect(r.error).toBeNull();
    expect(r.status).toBe("ok");
    expect(r.pageCount).toBe(s.pages);
    expect(r.pages.map((p) => p.pageNo)).toEqual(Array.from({ length: s.pages }, (_, i) => i + 1));
    // Every page has an image for the draft page, a PNG of sensible proportions (A4 portrait:
    // a normal-resolution fax squared to 1:1.3, not left at its 1:0.65 pixel grid).
    expect(r.pageImages).toHaveLength(s.pages);
    for (const img of r.pageImages) {
      expect(img.subarray(0, 4).equals(PNG_MAGIC)).toBe(true);
      const m = await sharp(img).metadata();
      expect(m.height! / m.width!).toBeGreaterThan(1.2);
      expect(m.height! / m.width!).toBeLessThan(1.5);
    }
    if (s.kind === "pdf-text") {
      expect(r.method).toBe("pdf-text");
      expect(r.pages.every((p) => p.method === "text-layer" && p.confidence === null)).toBe(true);
    } else {
      expect(r.method).toBe("ocr");
      for (const p of r.pages) {
        expect(p.method).toBe("ocr");
        expect(p.confidence).toBeGreaterThan(60);
        // tesseract's spaces between CJK characters are gone.
        expect(p.text).not.toMatch(/[\u4e00-\u9fff] [\u4e00-\u9fff]/);
      }
      expect(r.confidence).toBeGreaterThan(60);
    }
    // The page text concatenated in order is the document: check each page separately too.
    const truthPages = truth.split("\f");
    expect(truthPages).toHaveLength(s.pages);
    r.pages.forEach((p, i) => expect(characterErrorRate(truthPages[i]!, p.text)).toBeLessThanOrEqual(Math.max(0.06, s.maxCer * 2)));
    const cer = characterErrorRate(truth, r.text);
    measured.push(`  ${s.file.padEnd(34)} ${(cer * 100).toFixed(2).padStart(5)} %  (bound ${(s.maxCer * 100).toFixed(0)} %, confidence ${r.confidence ?? "—"})`);
    expect(cer).toBeLessThanOrEqual(s.maxCer);
    if (s.skewDegrees && Math.abs(s.skewDegrees) >= 1) {
      // Measured and corrected (the fixture is rotated by +skew: lines fall to the right).
      expect(Math.abs(r.pages[0]!.skewDegrees - s.skewDegrees)).toBeLessThan(0.3);
    }
  });
});

function unitDirectory(): UnitDirectory {
  const rows = parseCsv(fs.readFileSync(path.join(repoRoot, "prisma/seed/units.demo.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>;
  const dir: UnitDirectory = { byEmail: new Map(), byFax: new Map() };
  rows.forEach((row, i) => {
    const unit = { id: i + 1, name: row.name! };
    for (const e of (row.emails ?? "").split(";").filter(Boolean)) dir.byEmail.set(e.toLowerCase(), unit);
    for (const f of (row.fax_numbers ?? "").split(";").filter(Boolean)) dir.byFax.set(normaliseFax(f)!, unit);
  });
  return dir;
}

describe("fax e-mails", () => {
  const units = unitDirectory();
  it.each(expected.mails.map((m) => [m.file, m] as const))("%s", async (_name, m) => {
    const msg = await parseMessage(fs.readFileSync(path.join(faxDir, m.file)), limits);
    // The From address is the fax server's: it identifies nobody.
    expect(units.byEmail.has(msg.fromAddress ?? "")).toBe(false);
    const fax = parseFaxMail(msg);
    expect(fax).not.toBeNull();
    expect(fax!.style).toBe(m.style);
    expect(fax!.faxNumber).toBe(m.faxNumber);
    expect(fax!.pages).toBe(m.pages);
    expect(fax!.quality).toBe(m.quality);
    expect(fax!.receivedAt?.toISOString()).toBe(new Date(m.receivedAt).toISOString());
    const unit = identifyByFax(units, fax!.faxNumber);
    expect(unit).toMatchObject({ unitName: m.unit, confirmed: true });

    const part = msg.parts.find((p) => p.filename === m.attachment) as MimePart;
    expect(part).toBeDefined();
    const r = await extract(part.content, part.filename!);
    expect(r.status).toBe("ok");
    expect(r.pageCount).toBe(m.pages);
    expect(r.pageCount).toBe(fax!.pages);
    const truth = fs.readFileSync(path.join(faxDir, m.truth), "utf8");
    const bound = expected.scans.find((s) => s.truth === m.truth)!.maxCer;
    expect(characterErrorRate(truth, r.text)).toBeLessThanOrEqual(bound);
  });
});

/** A valid PNG header that declares width×height, with a few bytes of image data. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([PNG_MAGIC, Buffer.from([0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(Buffer.alloc(1024))), chunk("IEND", Buffer.alloc(0))]);
}

describe("limits: each refusal is a result with a clear error", () => {
  it("refuses a decompression bomb (a tiny PNG declaring 50000×50000) without decoding it", async () => {
    const bomb = pngDeclaring(50_000, 50_000);
    expect(bomb.length).toBeLessThan(2000);
    const r = await ocrImageDocument({ content: bomb, filename: "bomb.png", contentType: "image/png" }, limits, engine);
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/50000×50000/);
    expect(r.error).toMatch(/超过每页像素限制 40000000/);
    expect(r.pageImages.every((b) => b.length === 0)).toBe(true);
  });

  it("refuses a page whose squared size would exceed the pixel limit", async () => {
    const content = fs.readFileSync(path.join(faxDir, "02-wuan-normal-g3.tif"));
    const r = await ocrImageDocument({ content, filename: "x.tif", contentType: "image/tiff" }, { ...limits, pixels: 3_000_000 }, engine);
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/按方形像素换算后为 1728×\d+ 像素，超过每页像素限制 3000000/);
  });

  it("refuses more pages than limits.pdfPages, for TIFF and PDF", async () => {
    const tif = fs.readFileSync(path.join(faxDir, "05-weixian-3page-g4.tif"));
    const r1 = await ocrImageDocument({ content: tif, filename: "f.tif", contentType: "image/tiff" }, { ...limits, pdfPages: 2 }, engine);
    expect(r1).toMatchObject({ status: "failed", pageCount: 3, error: "图像共 3 页，超过限制 2 页" });
    const pdf = fs.readFileSync(path.join(faxDir, "06-zhangbei-scanned.pdf"));
    const r2 = await ocrPdfDocument({ content: pdf }, { ...limits, pdfPages: 1 }, engine);
    expect(r2).toMatchObject({ status: "failed", pageCount: 2, error: "PDF 共 2 页，超过限制 1 页" });
  });

  it("refuses an attachment over limits.attachmentBytes and an undecodable image", async () => {
    const tif = fs.readFileSync(path.join(faxDir, "01-pingshan-fine-g4.tif"));
    const r1 = await ocrImageDocument({ content: tif, filename: "f.tif", contentType: "image/tiff" }, { ...limits, attachmentBytes: 1000 }, engine);
    expect(r1.status).toBe("failed");
    expect(r1.error).toMatch(/超过附件大小限制 1000 字节/);
    const r2 = await ocrImageDocument({ content: Buffer.from("II*\0garbage, not a fax"), filename: "f.tif", contentType: "image/tiff" }, limits, engine);
    expect(r2.status).toBe("failed");
    expect(r2.error).toMatch(/^图像无法解码/);
    const r3 = await ocrPdfDocument({ content: Buffer.from("%PDF-1.4\nnot really") }, limits, engine);
    expect(r3.status).toBe("failed");
    expect(r3.error).toMatch(/^PDF 无法解析/);
  });

  it("flags an encrypted PDF for a person", async () => {
    const pdf = fs.readFileSync(path.join(faxDir, "11-encrypted.pdf"));
    const r = await ocrPdfDocument({ content: pdf }, limits, engine);
    expect(r).toMatchObject({ status: "failed", error: "PDF 已加密，需人工处理", pageImages: [] });
    const viaPart = await ocrPart({ content: pdf, filename: "fax.pdf", contentType: "application/pdf" }, limits, engine);
    expect(viaPart?.error).toBe("PDF 已加密，需人工处理");
  });

  it("times a page out after limits.ocrPageSeconds, then recovers with a fresh worker", async () => {
    const tif = fs.readFileSync(path.join(faxDir, "01-pingshan-fine-g4.tif"));
    const r = await ocrImageDocument({ content: tif, filename: "f.tif", contentType: "image/tiff" }, { ...limits, ocrPageSeconds: 0.05 }, engine);
    expect(r.status).toBe("failed");
    expect(r.error).toBe("第 1 页 OCR 超时：单页识别超过 0.05 秒");
    expect(r.pages[0]).toMatchObject({ pageNo: 1, text: "", confidence: null });
    // The page image is still there for a person to read.
    expect(r.pageImages[0]!.subarray(0, 4).equals(PNG_MAGIC)).toBe(true);
    const again = await ocrImageDocument({ content: tif, filename: "f.tif", contentType: "image/tiff" }, limits, engine);
    expect(again.status).toBe("ok");
    expect(characterErrorRate(fs.readFileSync(path.join(faxDir, "01-pingshan-fine-g4.txt"), "utf8"), again.text)).toBeLessThanOrEqual(0.03);
  });

  it("stops at the document budget and says which pages were left unread", async () => {
    const tif = fs.readFileSync(path.join(faxDir, "05-weixian-3page-g4.tif"));
    const r = await ocrImageDocument({ content: tif, filename: "f.tif", contentType: "image/tiff" }, limits, engine, { documentSeconds: 0.001 });
    expect(r.pageCount).toBe(3);
    expect(r.status).toBe("failed");
    expect(r.pages.every((p) => p.error && /整份文档/.test(p.error))).toBe(true);
  });
});

describe("ocrPart: what needs OCR", () => {
  it("OCRs images and scanned PDFs, skips PDFs whose text layer is complete and other parts", async () => {
    const textPdf = fs.readFileSync(path.join(faxDir, "07-sanhe-text-layer.pdf"));
    const textLayer = await extractPart({ index: 0, filename: "a.pdf", contentType: "application/pdf", size: textPdf.length, sha256: "", content: textPdf, inline: false, contentId: null }, limits);
    expect(textLayer.status).toBe("ok");
    expect(await ocrPart({ content: textPdf, filename: "a.pdf", contentType: "application/pdf" }, limits, engine, { textLayer })).toBeNull();
    expect(await ocrPart({ content: Buffer.from("hello"), filename: "a.txt", contentType: "text/plain" }, limits, engine)).toBeNull();
    const scanned = fs.readFileSync(path.join(faxDir, "06-zhangbei-scanned.pdf"));
    const empty = await extractPart({ index: 0, filename: "b.pdf", contentType: "application/pdf", size: scanned.length, sha256: "", content: scanned, inline: false, contentId: null }, limits);
    expect(empty.status).toBe("empty");
    const r = await ocrPart({ content: scanned, filename: "b.pdf", contentType: "application/pdf" }, limits, engine, { textLayer: empty });
    expect(r).toMatchObject({ method: "ocr", status: "ok", pageCount: 2 });
  });
});

describe("character error rate", () => {
  it("ignores whitespace and punctuation width, counts real misreads", () => {
    expect(characterErrorRate("机构编制，工作。", "机构 编制, 工作.")).toBe(0);
    expect(characterErrorRate("“三定”规定〔2026〕", "\"三定\"规定[2026]")).toBe(0);
    expect(characterErrorRate("机构编制管理", "机构编制笃理")).toBeCloseTo(1 / 6);
    expect(characterErrorRate("机构编制", "")).toBe(1);
  });
});
