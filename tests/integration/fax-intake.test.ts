// Faxes through the whole pipeline: a HylaFAX mail with a 3-page G4 TIFF and a commercial
// fax-to-mail PDF scan, from units registered by fax number only. The draft is tied to the unit
// by its fax number, its body is the OCR text (held against the ground truth), and every page
// is kept with its image, method and confidence.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { characterErrorRate } from "../../bench/cer.js";

interface FaxMail {
  file: string;
  truth: string;
  pages: number;
  faxNumber: string;
  unit: string;
}
const faxDir = path.join(fixturesDir, "fax");
const mails = (JSON.parse(fs.readFileSync(path.join(faxDir, "expected.json"), "utf8")) as { mails: FaxMail[] }).mails;
let t: TestEnv;
let results: Array<{ outcome: string; unit: string | null; draftId: number | null; title: string | null }>;

beforeAll(async () => {
  t = await freshApp();
  const md = new Maildir(t.env.MAILDIR!);
  for (const m of mails) md.deliver(fs.readFileSync(path.join(faxDir, m.file)));
  results = await t.app.maildirIntake().runOnce();
}, 180_000);

afterAll(async () => {
  await t?.app.close();
});

describe("faxes through the pipeline", () => {
  it.each(mails.map((m, i) => [m.file, m, i] as const))("%s", async (_f, m, i) => {
    const r = results[i]!;
    expect(r.outcome).toBe("draft");
    expect(r.unit).toBe(m.unit);
    const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: r.draftId! } });
    expect(d).toMatchObject({ channel: "fax", faxNumber: m.faxNumber, unitConfirmed: true });
    expect(d.unitReason).toContain("传真号码");
    expect(d.title).not.toMatch(/Facsimile|Fax from|传真/);
    const truth = fs.readFileSync(path.join(faxDir, m.truth), "utf8");
    expect(characterErrorRate(truth, d.body)).toBeLessThan(0.05);
    const pages = await t.app.db.documentPage.findMany({ where: { attachment: { intake: { draftId: d.id } } }, orderBy: { pageNo: "asc" } });
    expect(pages).toHaveLength(m.pages);
    for (const p of pages) {
      expect(p.method).toBe("ocr");
      expect(p.confidence).toBeGreaterThan(50);
      expect(p.imageSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.readFileSync(t.app.blobs.pathOf(p.imageSha256!)).subarray(1, 4).toString()).toBe("PNG");
    }
  });
});
