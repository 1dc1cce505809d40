// The one place that orders the stages:
//   ledger row → parse (MIME, limits, charsets) → extract parts → screen (Art. 10) →
//   identify unit → route column/division → compose title/body/date → commit → (caller) ack.
//
// Exactly-once: the ledger row (mailbox, sourceKey) is committed before any work; the draft and
// the ledger's final status are committed together; the source acknowledges the message only
// after that commit. A crash anywhere leaves either a `received` row (redone on the next run,
// in one transaction, so no half draft) or a committed one (acknowledged on the next run).
// Re-sends are caught by sha256 of the raw message and by a fingerprint of sender+title+body.
import { createHash } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { audit, type AuditInput } from "../audit/audit.js";
import { errorMessage, GatewayError } from "../domain/errors.js";
import { extractPart, meaningfulChars, partKind, type PartExtraction } from "../extract/documents.js";
import { parseMessage, type MimePart, type ParsedMessage } from "../extract/mime.js";
import { identifyByEmail, type UnitMatch } from "../identify/unit.js";
import { route, type RouteDecision } from "../route/router.js";
import { screenClassified, type Mark } from "../screen/classification.js";
import { chooseTitle, documentDate, fingerprint, unwrapForward } from "../compose/draft-text.js";
import type { BlobStore } from "../util/blobs.js";
import { loadReference, type Reference } from "./reference.js";

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
}

/** What the source should do with the message now that its outcome is committed. */
export type Ack = "processed" | "failed" | "remove";

export function ackFor(outcome: Outcome): Ack {
  return outcome === "quarantined" ? "remove" : outcome === "failed" ? "failed" : "processed";
}

/** A reply to one of our approval requests is handled by the approvals stage (issue 5). */
export type ReplyHandler = (tx: Tx, msg: ParsedMessage, intakeId: number) => Promise<{ reason: string; audit: AuditInput[] } | null>;

interface PreparedPart {
  part: MimePart;
  extraction: PartExtraction;
}

type Prepared =
  | { kind: "failed"; code: string; error: string; parsed?: ParsedMessage }
  | { kind: "quarantined"; mark: Mark; parsed: ParsedMessage }
  | { kind: "ignored"; reason: string; parsed: ParsedMessage }
  | {
      kind: "draft";
      parsed: ParsedMessage;
      parts: PreparedPart[];
      unit: UnitMatch;
      route: RouteDecision;
      title: string;
      titleReason: string;
      body: string;
      bodyReason: string;
      date: Date | null;
      dateReason: string;
      flags: string[];
      fingerprint: string;
    };

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
  config: Config;
  blobs: BlobStore;
  replyHandler?: ReplyHandler;
}

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /**
   * Ingests one batch from one mailbox. Returns a result for every message that was decided in
   * this call, and `acks` for every message whose acknowledgement is due (including messages
   * decided by an earlier, interrupted run).
   */
  async ingest(mailboxId: number, batch: SourceMessage[]): Promise<{ results: IngestResult[]; acks: Array<{ msg: SourceMessage; ack: Ack }> }> {
    const { db } = this.deps;
    const ledger = await this.openLedger(mailboxId, batch);
    const ref = await loadReference(db);
    const acks: Array<{ msg: SourceMessage; ack: Ack }> = [];
    const todo: Array<{ entry: LedgerEntry; prepared: Prepared }> = [];
    for (const entry of ledger) {
      if (entry.decided) {
        acks.push({ msg: entry.msg, ack: ackFor(entry.decided) });
        continue;
      }
      todo.push({ entry, prepared: await this.prepare(entry.msg.raw, ref) });
    }
    this.storeBlobs(todo);

    let results: IngestResult[];
    try {
      results = await db.$transaction(async (tx) => this.commitAll(tx, todo, ref));
    } catch (err) {
      // A fault in the batch commit (not an expected outcome): commit one by one so one bad
      // message cannot hold back the others, and record the one that fails.
      results = [];
      for (const item of todo) {
        try {
          results.push(...(await db.$transaction(async (tx) => this.commitAll(tx, [item], ref))));
        } catch (inner) {
          const failed = { kind: "failed" as const, code: "INTERNAL", error: `内部错误：${errorMessage(inner)}` };
          results.push(...(await db.$transaction(async (tx) => this.commitAll(tx, [{ entry: item.entry, prepared: failed }], ref))));
        }
      }
      void err;
    }
    for (const r of results) {
      const msg = todo.find((t) => t.entry.intakeId === r.intakeId)!.entry.msg;
      acks.push({ msg, ack: ackFor(r.outcome) });
    }
    return { results, acks };
  }

  /** Writes a `received` ledger row for every message not yet known, before any work on it. */
  private async openLedger(mailboxId: number, batch: SourceMessage[]): Promise<LedgerEntry[]> {
    const { db } = this.deps;
    const keys = batch.map((m) => m.sourceKey);
    const existing = new Map(
      (await db.intakeMessage.findMany({ where: { mailboxId, sourceKey: { in: keys } }, select: { id: true, sourceKey: true, status: true, outcome: true, attempts: true } })).map(
        (r) => [r.sourceKey, r],
      ),
    );
    const fresh = batch.filter((m) => !existing.has(m.sourceKey));
    const hashes = new Map(batch.map((m) => [m.sourceKey, createHash("sha256").update(m.raw).digest("hex")]));
    if (fresh.length) {
      await db.intakeMessage.createMany({
        data: fresh.map((m) => ({
          mailboxId,
          sourceKey: m.sourceKey,
          file: m.file,
          uidValidity: m.uidValidity ?? null,
          uid: m.uid ?? null,
          sha256: hashes.get(m.sourceKey)!,
          size: m.raw.length,
          status: "received",
        })),
      });
      for (const r of await db.intakeMessage.findMany({ where: { mailboxId, sourceKey: { in: fresh.map((m) => m.sourceKey) } }, select: { id: true, sourceKey: true, status: true, outcome: true, attempts: true } }))
        existing.set(r.sourceKey, r);
    }
    return batch.map((msg) => {
      const row = existing.get(msg.sourceKey)!;
      const decided = row.status === "received" ? null : ((row.outcome as Outcome | null) ?? "failed");
      return { msg, intakeId: row.id, sha256: hashes.get(msg.sourceKey)!, decided, attempts: row.attempts };
    });
  }

  /** Everything that needs no database: parse, extract, screen, identify, route, compose. */
  async prepare(raw: Buffer, ref: Reference): Promise<Prepared> {
    const { limits } = this.deps.config;
    let parsed: ParsedMessage;
    try {
      parsed = await parseMessage(raw, limits);
    } catch (err) {
      if (err instanceof GatewayError) return { kind: "failed", code: err.code, error: err.message };
      return { kind: "failed", code: "MALFORMED_MIME", error: `邮件格式无法解析：${errorMessage(err)}` };
    }
    const parts: PreparedPart[] = [];
    for (const part of parsed.parts) {
      if (part.inline && partKind(part) === "image") {
        parts.push({ part, extraction: { method: "none", status: "skipped", text: "", error: null, pageCount: null, pages: [], confidence: null } });
        continue;
      }
      let extraction = await extractPart(part, limits);
      if (partKind(part) === "message") {
        try {
          const inner = await parseMessage(part.content, limits);
          extraction = { ...extraction, status: "ok", text: [inner.subject, inner.text].filter(Boolean).join("\n\n") };
        } catch (err) {
          extraction = { ...extraction, status: "failed", error: errorMessage(err) };
        }
      }
      parts.push({ part, extraction });
    }

    // Art. 10 before anything is written beyond the ledger's envelope.
    const mark = screenClassified({
      subject: parsed.subject,
      body: parsed.text,
      attachments: parts.map((p) => ({ filename: p.part.filename, text: p.extraction.text })),
    });
    if (mark) return { kind: "quarantined", mark, parsed };
    if (parsed.automatic) return { kind: "ignored", reason: `自动发送的邮件（${parsed.automatic}），不作为报送`, parsed };

    const unit = identifyByEmail(ref.units, parsed.fromAddress, parsed.fromName);
    const forwarded = /^\s*(转发|Fwd?|FW)\s*[:：]/i.test(parsed.subject) || /原始邮件|Original Message|Forwarded message/i.test(parsed.text);
    const mailText = forwarded ? unwrapForward(parsed.text) : parsed.text;
    const docTexts = parts.filter((p) => p.extraction.status === "ok" && !p.part.inline).map((p) => p.extraction.text);
    let body = mailText;
    let bodyReason = forwarded ? "邮件正文（已去掉转发头）" : "邮件正文";
    if (docTexts.length && meaningfulChars(mailText) < 120) {
      body = docTexts.join("\n\n");
      bodyReason = `邮件正文很短，取附件正文（${docTexts.length} 个附件）`;
    }
    const { title, reason: titleReason } = chooseTitle(parsed.subject, [...docTexts, mailText]);
    const { date, reason: dateReason } = documentDate(body === mailText ? [mailText, ...docTexts] : [...docTexts, mailText]);
    const decision = route(ref.rules, title, body);

    const flags: string[] = parsed.flags.filter((f) => f === "charset_repaired");
    if (!unit.confirmed) flags.push("unit_unconfirmed");
    if (decision.columnId == null) flags.push("no_column");
    if (parts.some((p) => p.extraction.status === "failed")) flags.push("attachment_failed");
    const sender = unit.unitId != null ? `unit:${unit.unitId}` : `addr:${parsed.fromAddress ?? ""}`;
    return {
      kind: "draft",
      parsed,
      parts,
      unit,
      route: decision,
      title,
      titleReason,
      body,
      bodyReason,
      date,
      dateReason,
      flags,
      fingerprint: fingerprint(sender, title, body),
    };
  }

  private storeBlobs(todo: Array<{ entry: LedgerEntry; prepared: Prepared }>): void {
    for (const { entry, prepared } of todo) {
      // Nothing of a quarantined message is written; failed ones keep their raw bytes so a
      // person can look and retry.
      if (prepared.kind === "quarantined") continue;
      this.deps.blobs.put(entry.msg.raw, entry.sha256);
      if (prepared.kind === "draft") for (const p of prepared.parts) this.deps.blobs.put(p.part.content, p.part.sha256);
    }
  }

  private async commitAll(tx: Tx, todo: Array<{ entry: LedgerEntry; prepared: Prepared }>, ref: Reference): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    const events: AuditInput[] = [];
    for (const item of todo) {
      const r = await this.commitOne(tx, item.entry, item.prepared, ref, events);
      results.push(r);
    }
    if (events.length) await audit(tx, ...events);
    return results;
  }

  private async commitOne(tx: Tx, entry: LedgerEntry, p: Prepared, ref: Reference, events: AuditInput[]): Promise<IngestResult> {
    const parsed = p.kind === "failed" ? p.parsed : p.parsed;
    const base = {
      messageId: parsed?.messageId ?? null,
      file: entry.msg.file,
      intakeId: entry.intakeId,
      unit: null as string | null,
      column: null as string | null,
      division: null as string | null,
      draftId: null as number | null,
      title: null as string | null,
    };
    const envelope = {
      messageId: parsed?.messageId ?? null,
      fromAddress: parsed?.fromAddress ?? null,
      sentAt: parsed?.date ?? null,
      processedAt: new Date(),
      attempts: entry.attempts + 1,
    };
    const actor = "system:pipeline";

    if (p.kind === "failed") {
      await tx.intakeMessage.update({
        where: { id: entry.intakeId },
        data: { ...envelope, status: "failed", outcome: "failed", errorCode: p.code, error: p.error },
      });
      events.push({ actor, action: "intake.failed", entityType: "intake", entityId: entry.intakeId, detail: { code: p.code, error: p.error } });
      return { ...base, outcome: "failed", reason: p.error };
    }
    if (p.kind === "quarantined") {
      const reason = `含密级标志「${p.mark.mark}」（${p.mark.where}），按第十条不得存储：已隔离，仅保留信封`;
      await tx.intakeMessage.update({
        where: { id: entry.intakeId },
        data: { ...envelope, status: "quarantined", outcome: "quarantined", rawPath: null, subject: null, quarantine: JSON.stringify(p.mark) },
      });
      await tx.alert.create({ data: { kind: "quarantine", message: `来自 ${envelope.fromAddress ?? "未知发件人"} 的邮件含密级标志（${p.mark.where}），已隔离。` } });
      events.push({ actor, action: "intake.quarantined", entityType: "intake", entityId: entry.intakeId, detail: { ...p.mark, from: envelope.fromAddress } });
      return { ...base, outcome: "quarantined", reason };
    }

    const subject = p.parsed.subject.slice(0, 500);
    if (this.deps.replyHandler) {
      const reply = await this.deps.replyHandler(tx, p.parsed, entry.intakeId);
      if (reply) {
        await tx.intakeMessage.update({ where: { id: entry.intakeId }, data: { ...envelope, subject, status: "done", outcome: "reply", rawPath: entry.sha256 } });
        events.push(...reply.audit);
        return { ...base, outcome: "reply", reason: reply.reason };
      }
    }
    if (p.kind === "ignored") {
      await tx.intakeMessage.update({ where: { id: entry.intakeId }, data: { ...envelope, subject, status: "done", outcome: "ignored", rawPath: entry.sha256, error: p.reason } });
      events.push({ actor, action: "intake.ignored", entityType: "intake", entityId: entry.intakeId, detail: { reason: p.reason } });
      return { ...base, outcome: "ignored", reason: p.reason };
    }

    const named = {
      unit: p.unit.unitName,
      column: p.route.columnName,
      division: p.route.divisionName,
      title: p.title,
    };
    // Exact re-send (same bytes) or the same submission again with a new Message-ID.
    const sameBytes = await tx.intakeMessage.findFirst({
      where: { sha256: entry.sha256, id: { not: entry.intakeId }, outcome: { in: ["draft", "duplicate"] }, draftId: { not: null } },
      select: { id: true, draftId: true },
    });
    const sameContent = sameBytes ? null : await tx.draft.findFirst({ where: { fingerprint: p.fingerprint }, select: { id: true } });
    const originalDraftId = sameBytes?.draftId ?? sameContent?.id ?? null;
    if (originalDraftId != null) {
      const original = await tx.intakeMessage.findFirst({ where: { draftId: originalDraftId, outcome: "draft" }, select: { id: true } });
      const reason = sameBytes ? `与已收邮件完全相同（稿件 #${originalDraftId}）` : `内容与稿件 #${originalDraftId} 相同（重复报送）`;
      await tx.intakeMessage.update({
        where: { id: entry.intakeId },
        data: { ...envelope, subject, status: "done", outcome: "duplicate", rawPath: entry.sha256, draftId: originalDraftId, duplicateOfId: original?.id ?? null },
      });
      events.push({ actor, action: "intake.duplicate", entityType: "draft", entityId: originalDraftId, detail: { intakeId: entry.intakeId, reason } });
      return { ...base, ...named, outcome: "duplicate", draftId: originalDraftId, reason };
    }

    const draft = await tx.draft.create({
      data: {
        status: "triage",
        channel: "email",
        title: p.title,
        body: p.body,
        originalTitle: p.title,
        originalBody: p.body,
        titleReason: p.titleReason,
        bodyReason: p.bodyReason,
        documentDate: p.date,
        dateReason: p.dateReason,
        receivedAt: new Date(),
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
        flags: JSON.stringify(p.flags),
        fingerprint: p.fingerprint,
      },
      select: { id: true },
    });
    await tx.intakeMessage.update({
      where: { id: entry.intakeId },
      data: { ...envelope, subject, status: "done", outcome: "draft", rawPath: entry.sha256, draftId: draft.id },
    });
    if (p.parts.length) {
      await tx.attachment.createMany({
        data: p.parts.map(({ part, extraction }) => ({
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
        })),
      });
    }
    const reason = [p.unit.reason, p.route.columnReason, p.route.divisionReason].join("；");
    events.push({
      actor,
      action: "intake.draft",
      entityType: "draft",
      entityId: draft.id,
      detail: { intakeId: entry.intakeId, unit: named.unit, column: named.column, division: named.division, unitReason: p.unit.reason, columnReason: p.route.columnReason, divisionReason: p.route.divisionReason },
    });
    void ref;
    return { ...base, ...named, outcome: "draft", draftId: draft.id, reason };
  }
}
