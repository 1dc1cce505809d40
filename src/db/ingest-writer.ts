// The ingest hot path writes through its own better-sqlite3 connection with prepared
// statements. Measured here (bench:ingest, 2 cores): Prisma 6.19's WebAssembly engine spends
// 0.8–2 ms per inserted Draft row with a Chinese body, a prepared statement 0.06 ms (FTS
// trigger included) — Prisma made the database, not MIME parsing, the limit by a factor of ten.
// Everything else (web, review chain, CLI) goes through Prisma. Dates are written in the ISO
// form the Prisma SQLite adapter writes, so Prisma reads these rows back unchanged.
import Database from "better-sqlite3";
import { chainEvents, type AuditInput } from "../audit/chain.js";
import { auditKeyFor } from "../audit/key.js";
import type { OfficerRecommendation } from "../officers/recommendation-form.js";
import type { PackEntry } from "../util/blobs.js";
import { SqliteLedger } from "../ledger/sqlite-ledger.js";
import { draftInsertRow, namedInsert, type NewDraft } from "./draft-row.js";
import { sqliteDate } from "./sqlite-date.js";



export interface NewAttachment {
  intakeId: number;
  partIndex: number;
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  inline: boolean;
  contentId: string | null;
  extractMethod: string | null;
  extractStatus: string;
  extractError: string | null;
  text: string | null;
  confidence: number | null;
  pageCount: number | null;
}

type Stmt = Database.Statement;

export class IngestWriter {
  private readonly db: Database.Database;
  private readonly s: Record<string, Stmt>;
  /** The intake ledger's transitions on this connection (src/ledger/ owns IntakeMessage). */
  readonly ledger: SqliteLedger;
  /** Prepared at the first insert, from the row's own column names (db/draft-row.ts). */
  private draftInsert: Stmt | null = null;

  constructor(private readonly dbFile: string) {
    this.db = new Database(dbFile, { timeout: 15_000 });
    this.db.pragma("journal_mode = WAL");
    // FULL: each commit is on disk before the source is acknowledged (an IMAP MOVE cannot be
    // taken back if a power cut rolls the commit back); see client.ts.
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    // A 64 MiB page cache and checkpoints every ~40 MB of WAL instead of ~4 MB: bulk ingest
    // writes the FTS index heavily, and frequent checkpoints cost more than they save (+10 %).
    this.db.pragma("cache_size = -65536");
    this.db.pragma("wal_autocheckpoint = 10000");
    this.ledger = new SqliteLedger(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      packGet: p(`SELECT sha256, pack, "offset", length FROM BlobPack WHERE sha256 = ?`),
      packInsert: p(`INSERT OR IGNORE INTO BlobPack (sha256, pack, "offset", length) VALUES (?, ?, ?, ?)`),
      bySha: p(`SELECT draftId FROM IntakeMessage WHERE sha256 = ? AND id <> ? AND outcome IN ('draft', 'duplicate') AND draftId IS NOT NULL LIMIT 1`),
      byFingerprint: p(`SELECT id FROM Draft WHERE fingerprint = ? LIMIT 1`),
      firstIntakeOf: p(`SELECT id FROM IntakeMessage WHERE draftId = ? AND outcome = 'draft' ORDER BY id LIMIT 1`),
      attachmentInsert: p(
        `INSERT INTO Attachment (intakeId, partIndex, filename, contentType, size, sha256, inline, contentId, extractMethod, extractStatus, extractError, text, confidence, pageCount)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      officerInsert: p(
        `INSERT INTO InfoOfficer (unitId, name, sex, age, post, politicalStatus, phone, mobile, address, email, postcode, publications, unitOpinion, status, sourceDraftId, createdAt)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ),
      pageInsert: p(`INSERT OR REPLACE INTO DocumentPage (attachmentId, pageNo, method, confidence, text, imageSha256, lowWords) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      alertInsert: p(`INSERT INTO Alert (kind, message, createdAt) VALUES (?, ?, ?)`),
      searchWatermark: p(`SELECT "lastDraftId" AS last FROM "DraftSearchWatermark" WHERE "id" = 1`),
      searchIndex: p(`INSERT INTO "DraftSearch"(rowid, title, body) SELECT "id", "title", "body" FROM "Draft" WHERE "id" > ? ORDER BY "id"`),
      searchSetWatermark: p(`UPDATE "DraftSearchWatermark" SET "lastDraftId" = (SELECT coalesce(max("id"), 0) FROM "Draft") WHERE "id" = 1`),
      auditHead: p(`SELECT hash FROM AuditEvent ORDER BY id DESC LIMIT 1`),
      auditInsert: p(`INSERT INTO AuditEvent (at, actor, action, entityType, entityId, detail, ip, prevHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Where a packed blob lies (see util/blobs.ts), or null. */
  packEntry(sha256: string): PackEntry | null {
    return (this.s.packGet!.get(sha256) as PackEntry | undefined) ?? null;
  }

  /** Records a new pack's entries, in a transaction of their own: the pack file is written already. */
  indexPack(entries: PackEntry[]): void {
    if (!entries.length) return;
    this.transaction(() => {
      for (const e of entries) this.s.packInsert!.run(e.sha256, e.pack, e.offset, e.length);
    });
  }

  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken up front: no upgrade deadlock). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  draftIdBySha(sha256: string, exceptIntakeId: number): number | null {
    return (this.s.bySha!.get(sha256, exceptIntakeId) as { draftId: number } | undefined)?.draftId ?? null;
  }

  draftIdByFingerprint(fp: string): number | null {
    return (this.s.byFingerprint!.get(fp) as { id: number } | undefined)?.id ?? null;
  }

  firstIntakeOf(draftId: number): number | null {
    return (this.s.firstIntakeOf!.get(draftId) as { id: number } | undefined)?.id ?? null;
  }

  insertDraft(d: NewDraft, receivedAt: Date): number {
    const row = draftInsertRow(d, receivedAt);
    this.draftInsert ??= this.db.prepare(namedInsert("Draft", row));
    return Number(this.draftInsert.run(row).lastInsertRowid);
  }


  insertAttachment(a: NewAttachment): number {
    return Number(this.s.attachmentInsert!.run(a.intakeId, a.partIndex, a.filename, a.contentType, a.size, a.sha256, a.inline ? 1 : 0, a.contentId, a.extractMethod, a.extractStatus, a.extractError, a.text, a.confidence, a.pageCount).lastInsertRowid);
  }

  insertPage(attachmentId: number, pageNo: number, method: string, confidence: number | null, text: string, imageSha256: string | null, lowWords: string[] = []): void {
    this.s.pageInsert!.run(attachmentId, pageNo, method, confidence, text, imageSha256, lowWords.length ? JSON.stringify(lowWords) : null);
  }

  insertOfficer(unitId: number, draftId: number, o: OfficerRecommendation): void {
    this.s.officerInsert!.run(unitId, o.name, o.sex, o.age, o.post, o.politicalStatus, o.phone, o.mobile, o.address, o.email, o.postcode, o.publications, o.unitOpinion, draftId, sqliteDate(new Date()));
  }

  insertAlert(kind: string, message: string): void {
    this.s.alertInsert!.run(kind, message, sqliteDate(new Date()));
  }

  /** Indexes every draft above the watermark in one statement (see the DraftSearch migration). */
  indexNewDrafts(): void {
    const last = (this.s.searchWatermark!.get() as { last: number }).last;
    this.s.searchIndex!.run(last);
    this.s.searchSetWatermark!.run();
  }

  /** The same hash chain as audit/audit.ts, for events of the ingest transaction. */
  appendAudit(events: AuditInput[]): void {
    const head = (this.s.auditHead!.get() as { hash: string } | undefined)?.hash;
    for (const r of chainEvents(auditKeyFor(this.dbFile), head, events)) this.s.auditInsert!.run(sqliteDate(r.at), r.actor, r.action, r.entityType, r.entityId, r.detail, r.ip, r.prevHash, r.hash);
  }

  close(): void {
    this.db.close();
  }
}
