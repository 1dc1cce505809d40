// The one place that orders the stages:
//   ledger row → [worker: parse (MIME, limits, charsets) → extract parts → screen (Art. 10) →
//   identify unit → route column/division → compose title/body/date] → commit → (caller) ack.
//
// Exactly-once: the ledger row (mailbox, sourceKey) is committed before any work; the draft and
// the ledger's final status are committed together; the source acknowledges the message only
// after that commit. A crash anywhere leaves either a `received` row (redone on the next run,
// in one transaction, so no half draft) or a committed one (acknowledged on the next run).
// Re-sends are caught by sha256 of the raw message and by a fingerprint of sender+title+body.
import { createHash } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import type { IngestWriter } from "../db/ingest-writer.js";
import { audit, type AuditInput } from "../audit/audit.js";
import type { BlobStore } from "../util/blobs.js";
import { loadReference } from "./reference.js";
import { prepareMessage, type MessageSummary, type Prepared } from "./prepare.js";
import type { CommitItem } from "./commit.js";
import type { Committer } from "./committer.js";
import type { OcrEngine } from "../extract/ocr.js";
import type { Reference } from "./reference.js";

/** Reference data is reloaded at most this often, or at once after `invalidateReference()`. */
const REFERENCE_TTL_MS = 10_000;

export type Outcome = "draft" | "duplicate" | "quarantined" | "reply" | "failed" | "ignored";

export interface IngestResult {
  messageId: string | null;
  file: string | null;
  outcome: Outcome;
  unit: string | null;
  column: string | null;
  division: string | null;
  draftId: number | null;
  title: string | null;
  reason: string;
  intakeId: number;
}

export interface SourceMessage {
  sourceKey: string;
  file: string | null;
  uidValidity?: bigint | null;
  uid?: number | null;
  raw: Buffer;
  /** Where the raw bytes already lie on disk (Maildir), so the blob store can link instead of copy. */
  path?: string;
}

/** What the source should do with the message now that its outcome is committed. */
export type Ack = "processed" | "failed" | "remove";

export function ackFor(outcome: Outcome): Ack {
  return outcome === "quarantined" ? "remove" : outcome === "failed" ? "failed" : "processed";
}

/** Replies to our approval requests are handled by the approvals stage, before unit identification. */
export interface ReplyHandler {
  /** A cheap check without the database: does this look like a reply to one of our mails? */
  matches(msg: MessageSummary): boolean;
  /** Applies (or refuses, with its reason) the decision; always a result, never a new draft. */
  handle(tx: Tx, msg: MessageSummary, intakeId: number, raw: Buffer): Promise<{ reason: string; draftId?: number | null; audit: AuditInput[] }>;
}

export interface IngestedBatch {
  results: IngestResult[];
  acks: Array<{ msg: SourceMessage; ack: Ack }>;
}

export interface OpenedBatch {
  ledger: LedgerEntry[];
}

export interface PreparedBatch {
  acks: Array<{ msg: SourceMessage; ack: Ack }>;
  replies: IngestResult[];
  bulk: CommitItem[];
  messages: Map<number, SourceMessage>;
}

interface LedgerEntry {
  msg: SourceMessage;
  intakeId: number;
  sha256: string;
  /** Already decided by an earlier run: only the acknowledgement is left to do. */
  decided: Outcome | null;
  attempts: number;
}

export interface PipelineDeps {
  db: Db;
  writer: IngestWriter;
  committer: Committer;
  /** OCR for fax scans and scanned PDFs (tesseract.js workers, started on first use). */
  ocr?: OcrEngine;
  config: Config;
  blobs: BlobStore;
  replyHandler?: ReplyHandler;
}

export class Pipeline {
  private ref: { value: Reference; at: number } | null = null;
  constructor(private readonly deps: PipelineDeps) {}

  /** Units and routing rules, cached between batches; edits in the web screen invalidate it. */
  async reference(): Promise<Reference> {
    if (!this.ref || Date.now() - this.ref.at > REFERENCE_TTL_MS) this.ref = { value: await loadReference(this.deps.db), at: Date.now() };
    return this.ref.value;
  }

  invalidateReference(): void {
    this.ref = null;
  }

  /**
   * Ingests one batch from one mailbox. Returns a result for every message that was decided in
   * this call, and `acks` for every message whose acknowledgement is due (including messages
   * decided by an earlier, interrupted run). The three phases below can also be overlapped by a
   * caller (maildir-intake.ts): open and prepare batch n + 1 while batch n commits.
   */
  async ingest(mailboxId: number, batch: SourceMessage[]): Promise<IngestedBatch> {
    return this.commit(await this.prepare(this.open(mailboxId, batch)));
  }

  /** Phase 1: the ledger row of every message, before any work on it. */
  open(mailboxId: number, batch: SourceMessage[]): OpenedBatch {
    const hashes = batch.map((m) => createHash("sha256").update(m.raw).digest("hex"));
    const rows = this.deps.writer.openLedger(
      mailboxId,
      batch.map((m, i) => ({ sourceKey: m.sourceKey, file: m.file, uidValidity: m.uidValidity ?? null, uid: m.uid ?? null, sha256: hashes[i]!, size: m.raw.length })),
    );
    return {
      ledger: batch.map((msg, i) => {
        const row = rows.get(msg.sourceKey)!;
        const decided = row.status === "received" ? null : ((row.outcome as Outcome | null) ?? "failed");
        return { msg, intakeId: row.id, sha256: hashes[i]!, decided, attempts: row.attempts };
      }),
    };
  }

  /** Phase 2: everything but the commit — prepare, store blobs, apply replies to our approval requests. */
  async prepare(opened: OpenedBatch): Promise<PreparedBatch> {
    const ref = await this.reference();
    const acks: Array<{ msg: SourceMessage; ack: Ack }> = [];
    const todo: Array<{ entry: LedgerEntry; prepared: Prepared }> = [];
    for (const entry of opened.ledger) {
      if (entry.decided) {
        acks.push({ msg: entry.msg, ack: ackFor(entry.decided) });
        continue;
      }
      todo.push({ entry, prepared: await prepareMessage(entry.msg.raw, ref, this.deps.config.limits, this.deps.ocr) });
    }
    this.storeBlobs(todo);
    const replies: IngestResult[] = [];
    // Replies to our approval requests: their own transaction, atomic with their ledger row.
    const bulk: CommitItem[] = [];
    const handler = this.deps.replyHandler;
    for (const item of todo) {
      const p = item.prepared;
      // Auto-replies ("ignored") to our requests are neither submissions nor decisions.
      if (handler && p.kind === "draft" && handler.matches(p.parsed)) replies.push(await this.commitReply(item.entry, p.parsed, handler));
      else bulk.push({ entry: { intakeId: item.entry.intakeId, sha256: item.entry.sha256, attempts: item.entry.attempts, file: item.entry.msg.file }, prepared: p });
    }
    return { acks, replies, bulk, messages: new Map(todo.map((t) => [t.entry.intakeId, t.entry.msg])) };
  }

  /** Phase 3: the commit (in the commit thread where there is one); acknowledgements are due only after it. */
  async commit(b: PreparedBatch): Promise<IngestedBatch> {
    const results = [...b.replies, ...(await this.deps.committer.commit(b.bulk))];
    const acks = [...b.acks];
    for (const r of results) acks.push({ msg: b.messages.get(r.intakeId)!, ack: ackFor(r.outcome) });
    return { results, acks };
  }

  private async commitReply(entry: LedgerEntry, parsed: MessageSummary, handler: ReplyHandler): Promise<IngestResult> {
    const base = { messageId: parsed.messageId, file: entry.msg.file, intakeId: entry.intakeId, unit: null, column: null, division: null, title: null };
    return this.deps.db.$transaction(async (tx) => {
      const r = await handler.handle(tx, parsed, entry.intakeId, entry.msg.raw);
      await tx.intakeMessage.update({
        where: { id: entry.intakeId },
        data: { status: "done", outcome: "reply", messageId: parsed.messageId, fromAddress: parsed.fromAddress, subject: parsed.subject.slice(0, 500), sentAt: parsed.date, processedAt: new Date(), attempts: entry.attempts + 1, rawPath: entry.sha256, error: r.reason },
      });
      await audit(tx, ...r.audit);
      return { ...base, outcome: "reply" as const, draftId: r.draftId ?? null, reason: r.reason };
    });
  }

  private storeBlobs(todo: Array<{ entry: LedgerEntry; prepared: Prepared }>): void {
    for (const { entry, prepared } of todo) {
      // Nothing of a quarantined message is written; failed ones keep their raw bytes so a
      // person can look and retry.
      if (prepared.kind === "quarantined") continue;
      if (entry.msg.path) this.deps.blobs.putFile(entry.msg.path, entry.sha256);
      else this.deps.blobs.put(entry.msg.raw, entry.sha256);
      if (prepared.kind === "draft")
        for (const p of prepared.parts) {
          this.deps.blobs.put(p.part.content, p.part.sha256);
          p.pageImageShas = (p.pageImages ?? []).map((img) => (img.length ? this.deps.blobs.put(img) : null));
        }
    }
  }

}
