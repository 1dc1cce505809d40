// The ledger on the ingest hot path: prepared better-sqlite3 statements on the IngestWriter's
// connection (the main thread's, or the commit thread's own), synchronous, inside the caller's
// transaction where one is running. Every transition is a conditional UPDATE on the row's
// status, so a row another process already decided is never decided twice.
import type Database from "better-sqlite3";
import { sqliteDate } from "../db/sqlite-date.js";
import { redactTokens } from "../domain/token-shape.js";
import type { Outcome } from "../pipeline/contracts.js";
import { IntakeStatus, LedgerConflict, MAX_INTERRUPTIONS, statusFor, UNDECIDED } from "./status.js";

export interface LedgerOpen {
  sourceKey: string;
  file: string | null;
  uidValidity: bigint | null;
  uid: number | null;
  sha256: string;
  size: number;
}

export interface LedgerRow {
  id: number;
  sourceKey: string;
  status: string;
  outcome: string | null;
  attempts: number;
}

/** The final record of a message: its outcome, envelope and where its bytes are kept. */
export interface LedgerFinal {
  id: number;
  outcome: Outcome;
  messageId?: string | null;
  fromAddress?: string | null;
  subject?: string | null;
  sentAt?: Date | null;
  processedAt: Date;
  /** Decisions recorded, this one included. */
  attempts: number;
  rawPath?: string | null;
  draftId?: number | null;
  duplicateOfId?: number | null;
  errorCode?: string | null;
  error?: string | null;
  quarantine?: string | null;
}

/** Subjects and reasons come from mail: no approval token is kept in the ledger (domain/token-shape.ts). */
const redacted = (s: string | null | undefined) => (s == null ? null : redactTokens(s));

const undecided = `status IN (${UNDECIDED.map((s) => `'${s}'`).join(", ")})`;

export class SqliteLedger {
  private readonly s: Record<"insert" | "get" | "status" | "state" | "finalise" | "park" | "interrupt", Database.Statement>;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insert: p(`INSERT OR IGNORE INTO IntakeMessage (mailboxId, sourceKey, file, uidValidity, uid, sha256, size, status, attempts, receivedAt) VALUES (?, ?, ?, ?, ?, ?, ?, '${IntakeStatus.received}', 0, ?)`),
      get: p(`SELECT id, sourceKey, status, outcome, attempts FROM IntakeMessage WHERE mailboxId = ? AND sourceKey = ?`),
      status: p(`SELECT status, outcome FROM IntakeMessage WHERE mailboxId = ? AND sourceKey = ?`),
      state: p(`SELECT status, outcome, draftId FROM IntakeMessage WHERE id = ?`),
      finalise: p(
        `UPDATE IntakeMessage SET status = ?, outcome = ?, messageId = ?, fromAddress = ?, subject = ?, sentAt = ?, processedAt = ?, attempts = ?, rawPath = ?, draftId = ?, duplicateOfId = ?, errorCode = ?, error = ?, quarantine = ?
          WHERE id = ? AND ${undecided}`,
      ),
      park: p(`UPDATE IntakeMessage SET status = '${IntakeStatus.parked}' WHERE id = ? AND status = '${IntakeStatus.received}'`),
      interrupt: p(`UPDATE IntakeMessage SET interruptions = interruptions + 1 WHERE id = ? AND ${undecided} RETURNING interruptions`),
    };
  }

  /** open: a `received` row for every message the ledger does not know yet (one transaction); every row, known or new. */
  open(mailboxId: number, items: LedgerOpen[]): Map<string, LedgerRow> {
    const now = sqliteDate(new Date());
    const rows = new Map<string, LedgerRow>();
    this.db
      .transaction(() => {
        for (const m of items) {
          this.s.insert.run(mailboxId, m.sourceKey, m.file, m.uidValidity, m.uid, m.sha256, m.size, now);
          rows.set(m.sourceKey, this.s.get.get(mailboxId, m.sourceKey) as LedgerRow);
        }
      })
      .immediate();
    return rows;
  }

  /** The state of the keys the ledger knows (one indexed lookup each; unknown keys are absent). */
  status(mailboxId: number, keys: string[]): Map<string, { status: string; outcome: string | null }> {
    const out = new Map<string, { status: string; outcome: string | null }>();
    for (const key of keys) {
      const row = this.s.status.get(mailboxId, key) as { status: string; outcome: string | null } | undefined;
      if (row) out.set(key, row);
    }
    return out;
  }

  /** The row's state now (inside the commit's transaction: as it will stay until the commit). */
  state(id: number): { status: string; outcome: string | null; draftId: number | null } | undefined {
    return this.s.state.get(id) as { status: string; outcome: string | null; draftId: number | null } | undefined;
  }

  /** finalise: received or parked → done, failed or quarantined, with what became of the message. */
  finalise(r: LedgerFinal): void {
    const changed = this.s.finalise.run(
      statusFor(r.outcome), r.outcome, r.messageId ?? null, r.fromAddress ?? null, redacted(r.subject), sqliteDate(r.sentAt), sqliteDate(r.processedAt), r.attempts,
      r.rawPath ?? null, r.draftId ?? null, r.duplicateOfId ?? null, r.errorCode ?? null, redacted(r.error), r.quarantine ?? null, r.id,
    ).changes;
    if (changed !== 1) throw new LedgerConflict(r.id, "finalise");
  }

  /** park: received → parked (waits for the OCR lane; the source keeps the message unacknowledged). */
  park(id: number): void {
    if (this.s.park.run(id).changes !== 1) throw new LedgerConflict(id, "park");
  }

  /**
   * An extraction of the message crashed or timed out: counted. Returns whether the message is
   * now to be failed (MAX_INTERRUPTIONS reached) — the caller then commits it as failed, with
   * interruptedReason(), through the ordinary commit, so its bytes are kept and it is acknowledged.
   */
  recordInterruption(id: number): { interruptions: number; giveUp: boolean } {
    const row = this.s.interrupt.get(id) as { interruptions: number } | undefined;
    if (!row) throw new LedgerConflict(id, "recordInterruption");
    return { interruptions: row.interruptions, giveUp: row.interruptions >= MAX_INTERRUPTIONS };
  }
}
