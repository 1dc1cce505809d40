// The commit side of a batch: decide each extracted message (screen, identify, route, compose),
// store what may be stored as blobs, then commit drafts, attachments and pages, the ledger's
// final state, the search index and the audit chain in one transaction on an IngestWriter.
// Plain data in, results out, so it runs the same on the main thread or in the commit thread
// (commit-thread.ts), which settles batch n while the main thread extracts batch n + 1.
import type { AuditInput } from "../audit/audit.js";
import type { IngestWriter } from "../db/ingest-writer.js";
import { errorMessage } from "../domain/errors.js";
import type { BlobStore } from "../util/blobs.js";
import type { CommitItem, IngestResult, Outcome, Prepared, Reference, SettleItem } from "./contracts.js";
import { isDecided } from "../ledger/status.js";
import { decideMessage } from "./decide.js";

/** Decides, stores and commits a batch; a message whose decision throws is recorded as failed, not lost. */
export function settle(w: IngestWriter, blobs: BlobStore, ref: Reference, items: SettleItem[]): IngestResult[] {
  const todo = items.map((item): CommitItem => {
    let prepared: Prepared;
    try {
      prepared = decideMessage(item.extracted, ref);
    } catch (err) {
      prepared = { kind: "failed", code: "INTERNAL", error: `内部错误：${errorMessage(err)}` };
    }
    return { entry: item.entry, prepared };
  });
  // Nothing of a quarantined message is written (Art. 10); failed ones keep their raw bytes so a
  // person can look and retry. Raw messages that came as bytes (IMAP) go into one pack file for
  // the batch, not a file each; Maildir files are linked.
  const kept = items.map((item, i) => ({ item, prepared: todo[i]!.prepared })).filter((x) => x.prepared.kind !== "quarantined");
  const bytes = kept.filter((x) => !x.item.rawPath).map(({ item }) => {
    if (!item.raw) throw new Error(`intake #${item.entry.intakeId}: no raw message to store`);
    return { sha256: item.entry.sha256, content: item.raw };
  });
  w.indexPack(blobs.putPack(bytes));
  for (const { item, prepared } of kept) {
    if (item.rawPath) blobs.putFile(item.rawPath, item.entry.sha256);
    storeParts(blobs, prepared);
  }
  return commitWithFallback(w, todo);
}

/** Blobs of a single message, before the commit that refers to them (the reply stage; see settle). */
export function storeBlobs(blobs: BlobStore, item: Pick<SettleItem, "entry" | "rawPath" | "raw">, prepared: Prepared): void {
  if (prepared.kind === "quarantined") return;
  if (item.rawPath) blobs.putFile(item.rawPath, item.entry.sha256);
  else if (item.raw) blobs.put(item.raw, item.entry.sha256);
  else throw new Error(`intake #${item.entry.intakeId}: no raw message to store`);
  storeParts(blobs, prepared);
}

/** Attachments and OCR page images of a draft. */
function storeParts(blobs: BlobStore, prepared: Prepared): void {
  if (prepared.kind !== "draft") return;
  for (const p of prepared.parts) {
    blobs.put(p.part.content, p.part.sha256);
    p.pageImageShas = (p.pageImages ?? []).map((img) => (img.length ? blobs.put(img) : null));
  }
}

/** The batch in one transaction; on a fault, one by one, and a message whose own commit fails is recorded as failed. */
export function commitWithFallback(w: IngestWriter, todo: CommitItem[]): IngestResult[] {
  try {
    return w.transaction(() => commitPrepared(w, todo));
  } catch (err) {
    const results: IngestResult[] = [];
    for (const item of todo) {
      try {
        results.push(...w.transaction(() => commitPrepared(w, [item])));
      } catch (inner) {
        const failed: Prepared = { kind: "failed", code: "INTERNAL", error: `内部错误：${errorMessage(inner)}（批量提交：${errorMessage(err)}）` };
        results.push(...w.transaction(() => commitPrepared(w, [{ entry: item.entry, prepared: failed }])));
      }
    }
    return results;
  }
}

/** Commits decided messages, synchronously, inside the caller's transaction on `w`. */
export function commitPrepared(w: IngestWriter, todo: CommitItem[]): IngestResult[] {
  const actor = "system:pipeline";
  const events: AuditInput[] = [];
  const now = new Date();
  const results: IngestResult[] = [];
  for (const { entry, prepared: p } of todo) {
    const envelope = { id: entry.intakeId, messageId: p.parsed?.messageId ?? null, fromAddress: p.parsed?.fromAddress ?? null, sentAt: p.parsed?.date ?? null, processedAt: now, attempts: entry.attempts + 1 };
    const base = { messageId: envelope.messageId, file: entry.file, intakeId: entry.intakeId, unit: null, column: null, division: null, draftId: null, title: null };
    // Decided meanwhile by another process reading the same source (two `ingest --once` on one
    // Maildir): its record stands, nothing is written twice, and the message is acknowledged as it says.
    const row = w.ledger.state(entry.intakeId);
    if (row && isDecided(row.status)) {
      results.push({ ...base, outcome: (row.outcome as Outcome | null) ?? "failed", draftId: row.draftId, reason: "已由另一次处理记录" });
      continue;
    }
    if (p.kind === "failed") {
      // The raw bytes are kept so a person can look and retry.
      w.ledger.finalise({ ...envelope, outcome: "failed", errorCode: p.code, error: p.error, rawPath: entry.sha256 });
      events.push({ actor, action: "intake.failed", entityType: "intake", entityId: entry.intakeId, detail: { code: p.code, error: p.error } });
      results.push({ ...base, outcome: "failed", reason: p.error });
      continue;
    }
    if (p.kind === "quarantined") {
      const reason = `含密级标志「${p.mark.mark}」（${p.mark.where}），按第十条不得存储：已隔离，仅保留信封`;
      w.ledger.finalise({ ...envelope, outcome: "quarantined", quarantine: JSON.stringify(p.mark) });
      w.insertAlert("quarantine", `来自 ${envelope.fromAddress ?? "未知发件人"} 的邮件含密级标志（${p.mark.where}），已隔离。`);
      events.push({ actor, action: "intake.quarantined", entityType: "intake", entityId: entry.intakeId, detail: { ...p.mark, from: envelope.fromAddress } });
      results.push({ ...base, outcome: "quarantined", reason });
      continue;
    }
    const subject = p.parsed.subject.slice(0, 500);
    if (p.kind === "ignored") {
      w.ledger.finalise({ ...envelope, subject, outcome: "ignored", rawPath: entry.sha256, error: p.reason });
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
      w.ledger.finalise({ ...envelope, subject, outcome: "duplicate", rawPath: entry.sha256, draftId: original, duplicateOfId: w.firstIntakeOf(original) });
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
        faxHeader: p.faxHeader,
        docNumber: p.docNumber,
        suggestions: p.suggestions,
      },
      now,
    );
    w.ledger.finalise({ ...envelope, subject, outcome: "draft", rawPath: entry.sha256, draftId });
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
      for (const pg of extraction.pages) w.insertPage(attachmentId, pg.pageNo, pg.method, pg.confidence, pg.text, pageImageShas?.[pg.pageNo - 1] ?? null, pg.lowWords);
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
