// The Draft row, described once: Prisma's model type, generated from prisma/schema.prisma, is the
// source; the plain-SQL read model and the ingest insert (better-sqlite3) derive their shapes from
// it, so a column added to the schema and forgotten here, or a value put in the wrong column,
// fails to compile instead of landing in the wrong place.
import type { Draft } from "../generated/prisma/client.js";
import { sqliteDate } from "./sqlite-date.js";

export type { Draft };

/** A column as better-sqlite3 returns it: dates as the ISO text Prisma's adapter writes, booleans as 0/1. */
type SqlValue<T> = T extends Date ? string : T extends boolean ? number : T;

/** A Draft row as `SELECT * FROM Draft` returns it through better-sqlite3. */
export type DraftSqlRow = { [K in keyof Draft]: SqlValue<Draft[K]> };

/** What the pipeline decides of a new draft; status, version and the times are the insert's. */
export type NewDraft = Pick<
  Draft,
  | "channel"
  | "faxNumber"
  | "title"
  | "body"
  | "titleReason"
  | "bodyReason"
  | "documentDate"
  | "dateReason"
  | "senderAddress"
  | "senderName"
  | "unitId"
  | "unitConfirmed"
  | "unitReason"
  | "columnId"
  | "columnReason"
  | "divisionId"
  | "divisionReason"
  | "importantHint"
  | "screenNote"
  | "fingerprint"
  | "faxHeader"
  | "docNumber"
> & {
  flags: string[];
  /** JSON of compose/cleanup.ts suggestions. */
  suggestions?: string;
};

/** Columns a new draft leaves to their defaults (NULL): set later by the review chain. */
type LaterColumns = "id" | "publishedAt" | "statusSince" | "duplicateOfId" | "archivedReason";

/** Every column of a new draft's row, by name: the ingest's INSERT is written from this object. */
export type DraftInsertRow = Omit<DraftSqlRow, LaterColumns>;

export function draftInsertRow(d: NewDraft, receivedAt: Date): DraftInsertRow {
  const now = sqliteDate(receivedAt)!;
  return {
    status: "triage",
    channel: d.channel,
    important: 0,
    unitId: d.unitId,
    unitConfirmed: d.unitConfirmed ? 1 : 0,
    columnId: d.columnId,
    divisionId: d.divisionId,
    receivedAt: now,
    documentDate: sqliteDate(d.documentDate),
    createdAt: now,
    updatedAt: now,
    version: 1,
    senderAddress: d.senderAddress,
    senderName: d.senderName,
    faxNumber: d.faxNumber,
    fingerprint: d.fingerprint,
    flags: JSON.stringify(d.flags),
    title: d.title,
    unitReason: d.unitReason,
    columnReason: d.columnReason,
    divisionReason: d.divisionReason,
    titleReason: d.titleReason,
    bodyReason: d.bodyReason,
    dateReason: d.dateReason,
    importantHint: d.importantHint,
    screenNote: d.screenNote,
    faxHeader: d.faxHeader,
    docNumber: d.docNumber,
    suggestions: d.suggestions ?? "[]",
    body: d.body,
    // As extracted, kept for comparison with what the officers make of it.
    originalTitle: d.title,
    originalBody: d.body,
  };
}

/** `INSERT INTO table (a, b) VALUES (@a, @b)` for an object's keys: named parameters, never a positional `?` to misplace. */
export function namedInsert(table: string, row: object): string {
  const cols = Object.keys(row);
  return `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})`;
}
