// The Draft row is described once (src/db/draft-row.ts, from Prisma's generated type): the ingest
// insert names every column the migrations create, and what it writes reads back through Prisma
// and through the read model's SQL unchanged (dates, booleans, JSON).
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { draftInsertRow, type NewDraft } from "../../src/db/draft-row.js";
import { IngestWriter } from "../../src/db/ingest-writer.js";
import type { Actor } from "../../src/domain/roles.js";

let t: TestEnv;
beforeAll(async () => {
  t = await freshApp();
});
afterAll(async () => {
  await t?.app.close();
});

const draft: NewDraft = {
  channel: "fax",
  faxNumber: "03135222415",
  faxHeader: "2026-11-20 10:15 张北县编办",
  docNumber: "张机编办〔2026〕12号",
  title: "张北县推进事业单位分类改革",
  body: "11月20日，张北县召开事业单位分类改革推进会。",
  titleReason: "公文标题",
  bodyReason: "传真正文（OCR 识别，2 页）",
  documentDate: new Date("2026-11-19T16:00:00Z"),
  dateReason: "落款日期",
  senderAddress: "fax@fax.example",
  senderName: "传真服务器",
  unitId: null,
  unitConfirmed: false,
  unitReason: "传真号码未登记",
  columnId: null,
  columnReason: "未能确定",
  divisionId: null,
  divisionReason: "综合处（默认）",
  importantHint: null,
  screenNote: "OCR 置信度低：第2页",
  fingerprint: "fp-draft-row",
  flags: ["unit_unconfirmed", "low_ocr_confidence"],
};

describe("the Draft row", () => {
  it("is inserted with every column the migrations made, except those the review chain sets later", () => {
    const sqlite = new Database(t.app.config.dbFile, { readonly: true });
    const columns = (sqlite.prepare(`PRAGMA table_xinfo("Draft")`).all() as Array<{ name: string; hidden: number }>).filter((c) => c.hidden === 0).map((c) => c.name);
    sqlite.close();
    const written = Object.keys(draftInsertRow(draft, new Date()));
    expect(written.filter((c) => !columns.includes(c))).toEqual([]);
    expect(columns.filter((c) => !written.includes(c)).sort()).toEqual(["archivedReason", "duplicateOfId", "id", "publishedAt", "statusSince"]);
  });

  it("reads back through Prisma and the read model as it was written", async () => {
    const w = new IngestWriter(t.app.config.dbFile);
    const received = new Date("2026-11-20T02:15:02Z");
    const id = w.insertDraft(draft, received);
    w.close();
    const row = await t.app.db.draft.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "triage", version: 1, important: false, unitConfirmed: false, receivedAt: received, documentDate: draft.documentDate, title: draft.title, originalTitle: draft.title, originalBody: draft.body, faxHeader: draft.faxHeader, docNumber: draft.docNumber, suggestions: "[]" });
    expect(JSON.parse(row.flags)).toEqual(draft.flags);
    const leader: Actor = { userId: 1, username: "mayun", displayName: "马云", personId: null, grants: [{ role: "leader", divisionId: null }] };
    const { draft: shown } = t.app.read.draftDetail(leader, id);
    expect(shown).toMatchObject({ channel: "fax", faxNumber: draft.faxNumber, unitConfirmed: false, important: false, receivedAt: received, documentDate: draft.documentDate, flags: draft.flags, screenNote: draft.screenNote });
  });
});
