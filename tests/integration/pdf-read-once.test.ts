// A scanned PDF (a commercial fax-to-mail service's) is opened and its text layer read once for
// both document extraction and OCR of its pages without text (src/extract/pdf.ts PdfFile), and
// the same "has a text layer" rule decides on both sides.
import fs from "node:fs";
import path from "node:path";
import { PDFParse } from "pdf-parse";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createOcrEngine } from "../../src/extract/ocr/engine.js";
import { hasTextLayer } from "../../src/extract/pdf.js";
import { extractMessage } from "../../src/pipeline/prepare.js";
import { fixturesDir } from "../helpers.js";

const engine = createOcrEngine({ workers: 1 });
afterAll(() => engine.close());

describe("one PDF read", () => {
  it("reads the text layer of a scanned fax PDF once, then OCRs the pages that have none", async () => {
    const getText = vi.spyOn(PDFParse.prototype, "getText");
    const getInfo = vi.spyOn(PDFParse.prototype, "getInfo");
    const destroy = vi.spyOn(PDFParse.prototype, "destroy");
    const raw = fs.readFileSync(path.join(fixturesDir, "fax/fax-commercial-zhangbei.eml"));
    const x = await extractMessage(raw, loadConfig({ ...process.env, DATA_DIR: "/nonexistent" }).limits, engine);
    expect(x.kind).toBe("extracted");
    const pdf = x.kind === "extracted" ? x.parts.find((p) => p.part.filename?.endsWith(".pdf")) : undefined;
    expect(pdf?.extraction).toMatchObject({ method: "ocr", status: "ok", pageCount: 2 });
    expect(pdf!.extraction.pages.map((p) => p.method)).toEqual(["ocr", "ocr"]);
    expect(pdf!.extraction.text).toContain("张北");
    expect(getText).toHaveBeenCalledTimes(1);
    expect(getInfo).toHaveBeenCalledTimes(1);
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it("counts real characters, not pdf.js's page markers, as a text layer", () => {
    expect(hasTextLayer("-- 1 of 2 --")).toBe(false);
    expect(hasTextLayer("\n\n-- 1 of 10 --\n")).toBe(false);
    expect(hasTextLayer("张北县机构编制委员会办公室")).toBe(true);
  });
});
