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
import { errorMessage } from "../domain/errors.js";
import type { BlobStore } from "../util/blobs.js";
import { loadReference } from "./reference.js";
import { prepareMessage, type MessageSummary, type Prepared } from "./prepare.js";
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
   * decided by an earlier, interrupted run).
   */
  async ingest(mailboxId: number, batch: SourceMessage[]): Promise<{ results: IngestResult[]; acks: Array<{ msg: SourceMessage; ack: Ack }> }> {
    const writer = this.deps.writer;
    const hashes = batch.map((m) => createHash("sha256").update(m.raw).digest("hex"));
    // The ledger row comes first, before any work on the message.
    const rows = writer.openLedger(
      mailboxId,
      batch.map((m, i) => ({ sourceKey: m.sourceKey, file: m.file, uidValidity: m.uidValidity ?? null, uid: m.uid ?? null, sha256: hashes[i]!, size: m.raw.length })),
    );
    const ledger: LedgerEntry[] = batch.map((msg, i) => {
      const row = rows.get(msg.sourceKey)!;
      const decided = row.status === "received" ? null : ((row.outcome as Outcome | null) ?? "failed");
      return { msg, intakeId: row.id, sha256: hashes[i]!, decided, attempts: row.attempts };
    });
    const ref = await this.reference();
    const acks: Array<{ msg: SourceMessage; ack: Ack }> = [];
    const todo: Array<{ entry: LedgerEntry; prepared: Prepared }> = [];
    for (const entry of ledger) {
      if (entry.decided) {
        acks.push({ msg: entry.msg, ack: ackFor(entry.decided) });
        continue;
      }
      todo.push({ entry, prepared: await prepareMessage(entry.msg.raw, ref, this.deps.config.limits, this.deps.ocr) });
    }
    this.storeBlobs(todo);

    const results: IngestResult[] = [];
    // Replies to our approval requests: their own transaction, atomic with their ledger row.
    const bulk: typeof todo = [];
    const handler = this.deps.replyHandler;
    for (const item of todo) {
      const p = item.prepared;
      // Auto-replies ("ignored") to our requests are neither submissions nor decisions.
      if (handler && p.kind === "draft" && handler.matches(p.parsed)) results.push(await this.commitReply(item.entry, p.parsed, handler));
      else bulk.push(item);
    }
    try {
      results.push(...writer.transaction(() => this.commitBatch(bulk)));
    } catch (err) {
      // A fault in the batch commit, not an expected outcome: commit one by one so one bad
      // message cannot hold back the others, and record the one that fails as failed.
      for (const item of bulk) {
        try {
          results.push(...writer.transaction(() => this.commitBatch([item])));
        } catch (inner) {
          const failed: Prepared = { kind: "failed", code: "INTERNAL", error: `内部错误：${errorMessage(inner)}（批量提交：${errorMessage(err)}）` };
          results.push(...writer.transaction(() => this.commitBatch([{ entry: item.entry, prepared: failed }])));
        }
      }
    }
    const byIntake = new Map(todo.map((t) => [t.entry.intakeId, t.entry.msg]));
    for (const r of results) acks.push({ msg: byIntake.get(r.intakeId)!, ack: ackFor(r.outcome) });
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

  /** Commits decided messages, synchronously inside the writer's transaction. */
  private commitBatch(todo: Array<{ entry: LedgerEntry; prepared: Prepared }>): IngestResult[] {
    const w = this.deps.writer;
    const actor = "system:pipeline";
    const events: AuditInput[] = [];
    const now = new Date();
    const results: IngestResult[] = [];
    for (const { entry, prepared: p } of todo) {
      const envelope = { id: entry.intakeId, messageId: p.parsed?.messageId ?? null, fromAddress: p.parsed?.fromAddress ?? null, sentAt: p.parsed?.date ?? null, processedAt: now, attempts: entry.attempts + 1 };
      const base = { messageId: envelope.messageId, file: entry.msg.file, intakeId: entry.intakeId, unit: null, column: null, division: null, draftId: null, title: null };
      if (p.kind === "failed") {
        // The raw bytes are kept so a person can look and retry.
        w.finaliseLedger({ ...envelope, status: "failed", outcome: "failed", errorCode: p.code, error: p.error, rawPath: entry.sha256 });
        events.push({ actor, action: "intake.failed", entityType: "intake", entityId: entry.intakeId, detail: { code: p.code, error: p.error } });
        results.push({ ...base, outcome: "failed", reason: p.error });
        continue;
      }
      if (p.kind === "quarantined") {
        const reason = `含密级标志「${p.mark.mark}」（${p.mark.where}），按第十条不得存储：已隔离，仅保留信封`;
        w.finaliseLedger({ ...envelope, status: "quarantined", outcome: "quarantined", quarantine: JSON.stringify(p.mark) });
        w.insertAlert("quarantine", `来自 ${envelope.fromAddress ?? "未知发件人"} 的邮件含密级标志（${p.mark.where}），已隔离。`);
        events.push({ actor, action: "intake.quarantined", entityType: "intake", entityId: entry.intakeId, detail: { ...p.mark, from: envelope.fromAddress } });
        results.push({ ...base, outcome: "quarantined", reason });
        continue;
      }
      const subject = p.parsed.subject.slice(0, 500);
      if (p.kind === "ignored") {
        w.finaliseLedger({ ...envelope, subject, status: "done", outcome: "ignored", rawPath: entry.sha256, error: p.reason });
        events.push({ actor, action: "intake.ignored", entityType: "intake", entityId: entry.intakeId, detail: { reason: p.reason } });
        results.push({ ...base, outcome: "ignored", reason: p.reason });
        continue;
      }
      const named = { unit: p.unit.unitName, column: p.route.columnName, division: p.route.divisionName, title: p.title };
      // Exact re-send (same bytes), or the same submission again under a new Message-ID.
      const sameBytes = w.draftIdBySha(entry.sha256, entry.intakeId);
      const original = sameBytes ?? w.draftIdByFingerprint(p.fingerprint);
      if (original != null) {
        const reason = sameBytes != null ? `与已收邮件完全相同（稿件 #${original}）` : `内容与稿件 #${original} 相同（重复报送）`;
        w.finaliseLedger({ ...envelope, subject, status: "done", outcome: "duplicate", rawPath: entry.sha256, draftId: original, duplicateOfId: w.firstIntakeOf(original) });
        events.push({ actor, action: "intake.duplicate", entityType: "draft", entityId: original, detail: { intakeId: entry.intakeId, reason } });
        results.push({ ...base, ...named, outcome: "duplicate", draftId: original, reason });
        continue;
      }
      const draftId = w.insertDraft(
        {
          channel: p.channel,
          faxNumber: p.faxNumber,
          title: p.title,
          body: p.body,
          titleReason: p.titleReason,
          bodyReason: p.bodyReason,
          documentDate: p.date,
          dateReason: p.dateReason,
          senderAddress: p.parsed.fromAddress,
          senderName: p.parsed.fromName,
          unitId: p.unit.unitId,
          unitConfirmed: p.unit.confirmed,
          unitReason: p.unit.reason,
          columnId: p.route.columnId,
          columnReason: p.route.columnReason,
          divisionId: p.route.divisionId,
          divisionReason: p.route.divisionReason,
          importantHint: p.route.importantHint,
          screenNote: p.screenNote,
          flags: p.flags,
          fingerprint: p.fingerprint,
        },
        now,
      );
      w.finaliseLedger({ ...envelope, subject, status: "done", outcome: "draft", rawPath: entry.sha256, draftId });
      // A recommendation from an identified unit becomes a pending officer record for it.
      if (p.officer && p.unit.unitId != null) w.insertOfficer(p.unit.unitId, draftId, p.officer);
      for (const { part, extraction, pageImageShas } of p.parts) {
        const attachmentId = w.insertAttachment({
          intakeId: entry.intakeId,
          partIndex: part.index,
          filename: part.filename,
          contentType: part.contentType,
          size: part.size,
          sha256: part.sha256,
          inline: part.inline,
          contentId: part.contentId,
          extractMethod: extraction.method,
          extractStatus: extraction.status,
          extractError: extraction.error,
          text: extraction.text || null,
          confidence: extraction.confidence,
          pageCount: extraction.pageCount,
        });
        for (const pg of extraction.pages) w.insertPage(attachmentId, pg.pageNo, pg.method, pg.confidence, pg.text, pageImageShas?.[pg.pageNo - 1] ?? null);
      }
      events.push({
        actor,
        action: "intake.draft",
        entityType: "draft",
        entityId: draftId,
        detail: { intakeId: entry.intakeId, unit: named.unit, column: named.column, division: named.division, unitReason: p.unit.reason, columnReason: p.route.columnReason, divisionReason: p.route.divisionReason },
      });
      results.push({ ...base, ...named, outcome: "draft", draftId, reason: [p.unit.reason, p.route.columnReason, p.route.divisionReason].join("；") });
    }
    if (results.some((r) => r.outcome === "draft")) w.indexNewDrafts();
    if (events.length) w.appendAudit(events);
    return results;
  }
}
