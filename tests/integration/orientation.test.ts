// Orientation before OCR (src/extract/orientation.ts) with the real tesseract.js engine: an
// upright page is read once; an upside-down one is read again turned and the turned reading
// wins; a page that stays poor whichever way is read at all four angles and keeps the best.
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { fixturesDir } from "../helpers.js";
import { createOcrEngine } from "../../src/extract/ocr/engine.js";
import { recognizeUpright } from "../../src/extract/orientation.js";

const engine = createOcrEngine({ workers: 1 });
afterAll(() => engine.close());
const read = (png: Buffer) => engine.recognize(png, { timeoutMs: 60_000, dpi: 200 });
const page = async (deg: number) => sharp(fs.readFileSync(path.join(fixturesDir, "fax/01-pingshan-fine-g4.tif"))).rotate(deg).greyscale().png().toBuffer();

describe("page orientation", () => {
  it("reads an upright page once", async () => {
    const r = await recognizeUpright(await page(0), read);
    expect(r.rotation).toBe(0);
    expect(r.tried).toHaveLength(1);
    expect(r.result.text.replace(/\s+/g, "")).toContain("平山县扎实推进乡镇综合行政执法改革");
  });

  it("turns an upside-down page and keeps the turned reading", async () => {
    const r = await recognizeUpright(await page(180), read);
    expect(r.tried[0]!.confidence).toBeLessThan(70);
    expect(r.rotation).toBe(180);
    expect(r.result.confidence).toBeGreaterThan(80);
    expect(r.result.text.replace(/\s+/g, "")).toContain("平山县扎实推进乡镇综合行政执法改革");
  });

  it("tries all four angles on a page that reads poorly every way, and keeps the best", async () => {
    const noise = await sharp({ create: { width: 600, height: 800, channels: 3, background: "#ffffff" } }).composite([{ input: Buffer.from(`<svg width="600" height="800"><rect x="100" y="100" width="400" height="600" fill="none" stroke="black" stroke-width="9"/></svg>`) }]).png().toBuffer();
    const r = await recognizeUpright(noise, read);
    expect(r.tried.map((x) => x.rotation)).toEqual([0, 180, 90, 270]);
    expect(r.result.confidence).toBe(Math.max(...r.tried.map((x) => x.confidence)));
  });
});
