// Plain data for the fast tests of the stages: the reference data (a small unit directory and
// rule set, written out here so a test says what it decides with), a message as extraction
// hands it over, and its parts. No database, no files: what decide() and the pipeline receive.
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { Extracted, PreparedPart, Reference } from "../../src/pipeline/contracts.js";
import type { MessageSummary, MimePart } from "../../src/extract/mime.js";
import { extraction, type PartExtraction } from "../../src/extract/part.js";

// Units: 1 石家庄市编办 (mail), 2 正定县编办 (mail and fax 0311-88021745).
// Divisions: 1 综合处, 2 事业处, 3 市县乡处, 5 信息中心; columns 10 机构编制管理 (shared), 11 事业单位改革 (事业处), 12 工作动态 (shared).
export const reference = (): Reference => ({
  units: {
    byEmail: new Map([
      ["xxk@sjz-bb.example", { id: 1, name: "石家庄市编办" }],
      ["zdbb@zd-gov.example", { id: 2, name: "正定县编办" }],
    ]),
    byFax: new Map([["031188021745", { id: 2, name: "正定县编办" }]]),
  },
  rules: {
    columns: [
      { id: 10, name: "机构编制管理", ownerIds: [1, 2, 3], defaultDivisionId: 1 },
      { id: 11, name: "事业单位改革", ownerIds: [2], defaultDivisionId: null },
      { id: 12, name: "工作动态", ownerIds: [1, 2, 3], defaultDivisionId: 1 },
    ],
    divisions: new Map([
      [1, "综合处"],
      [2, "事业处"],
      [3, "市县乡处"],
      [5, "信息中心"],
    ]),
    columnRules: [
      { columnId: 10, pattern: "编制核定", isRegex: false, weight: 2 },
      { columnId: 11, pattern: "事业单位分类", isRegex: false, weight: 3 },
      { columnId: 12, pattern: "召开", isRegex: false, weight: 1 },
    ],
    divisionCues: [
      { divisionId: 2, pattern: "事业单位", isRegex: false, weight: 2 },
      { divisionId: 3, pattern: "乡镇", isRegex: false, weight: 2 },
    ],
    importanceRules: [{ pattern: "省委", isRegex: false, weight: 1 }],
    prohibitedRules: [{ pattern: "邪教组织", isRegex: false }],
    sensitiveRules: [],
    fallbackDivisionId: 1,
  },
});

/** A message as parsed: an ordinary, well-formed submission unless told otherwise. */
export function summary(over: Partial<MessageSummary> = {}): MessageSummary {
  return {
    messageId: `<${Math.random().toString(36).slice(2)}@test.example>`,
    subject: "石家庄市编办召开机构编制工作会议",
    fromAddress: "xxk@sjz-bb.example",
    fromName: "办公室",
    replyTo: null,
    date: new Date("2026-11-20T02:00:00Z"),
    inReplyTo: null,
    references: [],
    textSource: "plain",
    automatic: null,
    text: "11月20日，石家庄市编办召开机构编制工作会议，部署明年重点任务，要求各县（市、区）做好编制核定工作，确保各项任务按期完成，会议还通报了今年以来的工作进展情况。",
    flags: [],
    headers: [],
    senderProblems: [],
    ...over,
  };
}

/** An attachment with what its extractor read. */
export function part(index: number, filename: string | null, x: Partial<PartExtraction> & Pick<PartExtraction, "method">, contentType = "application/pdf"): PreparedPart {
  const content = Buffer.from(`${filename ?? "part"}:${x.text ?? ""}`);
  const mime: MimePart = { index, filename, contentType, size: content.length, sha256: createHash("sha256").update(content).digest("hex"), content, inline: false, contentId: null };
  const extracted = extraction(x);
  return { part: mime, extraction: { ...extracted, ...(x.lowConfidencePages ? { lowConfidencePages: x.lowConfidencePages } : {}), ...(x.truncatedFrom != null ? { truncatedFrom: x.truncatedFrom } : {}) } };
}

export function extracted(over: Partial<MessageSummary> = {}, parts: PreparedPart[] = []): Extracted {
  return { kind: "extracted", parsed: summary(over), parts };
}

/**
 * The rows `reference()` names, written into a migrated database with plain SQL (the pipeline
 * test runs without Prisma): drafts refer to units, columns and divisions by foreign key.
 */
export function seedReferenceRows(db: Database.Database): void {
  const ref = reference();
  const now = new Date().toISOString();
  const units = new Map([...ref.units.byEmail.values(), ...ref.units.byFax.values()].map((u) => [u.id, u.name]));
  for (const [id, name] of units) db.prepare(`INSERT INTO SendingUnit (id, name, updatedAt) VALUES (?, ?, ?)`).run(id, name, now);
  for (const [id, name] of ref.rules.divisions) db.prepare(`INSERT INTO Division (id, name, fullName) VALUES (?, ?, ?)`).run(id, name, name);
  for (const c of ref.rules.columns) db.prepare(`INSERT INTO "Column" (id, name, defaultDivisionId) VALUES (?, ?, ?)`).run(c.id, c.name, c.defaultDivisionId);
}
