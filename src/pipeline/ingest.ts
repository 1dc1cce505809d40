// The one place that orders the stages:
//   open:    ledger row, before any work (main thread)
//   extract: parse (MIME, limits, charsets) → text of the parts, OCR (main thread)
//   settle:  screen (Art. 10) → identify unit → route column/division → compose title/body/date
//            → blobs → commit (commit thread)
//   then the caller acknowledges.
//
// Exactly-once: the ledger row (mailbox, sourceKey) is committed before any work; the draft and
// the ledger's final status are committed together; the source acknowledges the message only
// after that commit. A crash anywhere leaves either a `received` row (redone on the next run,
// in one transaction, so no half draft) or a committed one (acknowledged on the next run).
// Re-sends are caught by sha256 of the raw message and by a fingerprint of sender+title+body.
import { createHash } from "node:crypto";
import type { Db } from "../db/client.js";
import type { IngestWriter } from "../db/ingest-writer.js";
import { audit } from "../audit/audit.js";
import type { BlobStore } from "../util/blobs.js";
import type { MessageSummary } from "../extract/mime.js";
import { decideMessage } from "./decide.js";
import { storeBlobs } from "./commit.js";
import type { Committer } from "./committer.js";
import type { Ack, Extractor, IngestedBatch, IngestResult, Reference, ReplyHandler, SettleItem, SourceMessage } from "./contracts.js";
import { finaliseReply } from "../ledger/prisma-ledger.js";
import { ackFor, dueAction } from "../ledger/status.js";
import { awaitedLater, logged, type Logger } from "../util/log.js";

/** Reference data is reloaded at most this often, or at once after `invalidateReference()`. */
const REFERENCE_TTL_MS = 10_000;

export interface OpenedBatch {
  ledger: LedgerEntry[];
  /** The source's logger (a child per mailbox); each message logs through a child of it. */
  log: Logger;
}

export interface ExtractedBatch {
  log: Logger;
  acks: Array<{ msg: SourceMessage; ack: Ack }>;
  replies: IngestResult[];
  items: SettleItem[];
  messages: Map<number, SourceMessage>;
}

interface LedgerEntry {
  msg: SourceMessage;
  intakeId: number;
  sha256: string;
  /** What is due: read it, leave it (parked in the OCR lane), or only acknowledge it (decided by an earlier run). */
  due: ReturnType<typeof dueAction>;
  attempts: number;
}

export interface PipelineDeps {
  writer: IngestWriter;
  committer: Committer;
  /** Parse, documents and OCR of each message (pipeline/prepare.ts inline, or a worker). */
  extractor: Extractor;
  blobs: BlobStore;
  /** Units and routing rules (reference.ts `loadReference(db)`; a test gives its own). */
  reference: () => Promise<Reference>;
  /** Replies to our approval requests: the approvals stage, applied in a transaction of its own. */
  replies?: { handler: ReplyHandler; db: Db };
  log: Logger;
}

export class Pipeline {
  private ref: { value: Reference; at: number; version: number } | null = null;
  private refVersion = 0;
  constructor(private readonly deps: PipelineDeps) {}

  /** Units and routing rules, cached between batches; edits in the web screen invalidate it. */
  async reference(): Promise<Reference> {
    return (await this.versionedReference()).value;
  }

  private async versionedReference(): Promise<{ value: Reference; version: number }> {
    if (!this.ref || Date.now() - this.ref.at > REFERENCE_TTL_MS) this.ref = { value: await this.deps.reference(), at: Date.now(), version: ++this.refVersion };
    return this.ref;
  }

  /** Called when a source is set up: the commit thread starts loading while the source lists its messages. */
  warm(): void {
    this.deps.committer.warm();
  }

  invalidateReference(): void {
    this.ref = null;
  }

  /**
   * Ingests one batch from one mailbox. Returns a result for every message that was decided in
   * this call, and `acks` for every message whose acknowledgement is due (including messages
   * decided by an earlier, interrupted run). `run` overlaps the phases of successive batches.
   */
  async ingest(mailboxId: number, batch: SourceMessage[]): Promise<IngestedBatch> {
    return this.settle(await this.extract(this.open(mailboxId, batch)));
  }

  /**
   * Runs a source's batches through the three phases with the commit side one batch behind:
   * while batch n settles in the commit thread, batch n + 1 is opened and extracted here.
   * `next` gives the next batch (null: no more); `done` receives every settled batch, in
   * order, before the next batch goes to the commit thread. The next batch's ledger rows are
   * written before that, too, so the two connections never wait for each other's write lock.
   */
  async run(mailboxId: number, next: () => Promise<SourceMessage[] | null>, done: (b: IngestedBatch) => Promise<void> | void, log: Logger = this.deps.log): Promise<void> {
    let batch = await next();
    let opened = batch ? this.open(mailboxId, batch, log) : null;
    let settling: Promise<IngestedBatch> | null = null;
    /** Hands the settled batch to `done`, once: a `done` that throws is not called again for it. */
    const finish = async () => {
      const s = settling;
      settling = null;
      if (s) await done(await s);
    };
    try {
      while (opened) {
        const extracted = await this.extract(opened);
        batch = await next();
        await finish();
        opened = batch ? this.open(mailboxId, batch, log) : null;
        // Awaited by the next finish().
        settling = awaitedLater(this.settle(extracted));
      }
      await finish();
    } catch (err) {
      // What was committed is acknowledged before the error goes up; the rest stays `received`.
      await finish().catch(logged(log, "a settled batch could not be acknowledged after the pass failed"));
      log.error({ err }, "pass stopped; undecided messages stay received and are read again");
      throw err;
    }
  }

  /** What the ledger says of these source keys (a source decides from it what is due). */
  ledgerStatus(mailboxId: number, keys: string[]): Map<string, { status: string; outcome: string | null }> {
    return this.deps.writer.ledger.status(mailboxId, keys);
  }

  /** Phase 1: the ledger row of every message, before any work on it. */
  open(mailboxId: number, batch: SourceMessage[], log: Logger = this.deps.log): OpenedBatch {
    const hashes = batch.map((m) => createHash("sha256").update(m.raw).digest("hex"));
    const rows = this.deps.writer.ledger.open(
      mailboxId,
      batch.map((m, i) => ({ sourceKey: m.sourceKey, file: m.file, uidValidity: m.uidValidity ?? null, uid: m.uid ?? null, sha256: hashes[i]!, size: m.raw.length })),
    );
    return {
      ledger: batch.map((msg, i) => {
        const row = rows.get(msg.sourceKey)!;
        return { msg, intakeId: row.id, sha256: hashes[i]!, due: dueAction(row), attempts: row.attempts };
      }),
      log,
    };
  }

  /** Phase 2: parse and extract every message; replies to our approval requests are applied here, in their own transaction. */
  async extract(opened: OpenedBatch): Promise<ExtractedBatch> {
    const acks: Array<{ msg: SourceMessage; ack: Ack }> = [];
    const replies: IngestResult[] = [];
    const items: SettleItem[] = [];
    const messages = new Map<number, SourceMessage>();
    const handler = this.deps.replies?.handler;
    for (const entry of opened.ledger) {
      if (entry.due.kind === "ack") acks.push({ msg: entry.msg, ack: entry.due.ack });
      if (entry.due.kind !== "read") continue;
      messages.set(entry.intakeId, entry.msg);
      const log = opened.log.child({ intakeId: entry.intakeId, file: entry.msg.file });
      const started = Date.now();
      const extracted = await this.deps.extractor.extract(entry.msg.raw, log);
      if (extracted.kind === "failed") log.debug({ code: extracted.code, bytes: entry.msg.raw.length, ms: Date.now() - started }, "not readable");
      else log.debug({ bytes: entry.msg.raw.length, parts: extracted.parts.length, methods: extracted.parts.map((p) => `${p.extraction.method}:${p.extraction.status}`), ms: Date.now() - started }, "extracted");
      const item: SettleItem = { entry: { intakeId: entry.intakeId, sha256: entry.sha256, attempts: entry.attempts, file: entry.msg.file }, extracted, rawPath: entry.msg.path, raw: entry.msg.raw };
      if (handler && extracted.kind === "extracted" && handler.matches(extracted.parsed)) {
        // Screened like any message first; auto-replies ("ignored") are neither submissions nor decisions.
        const prepared = decideMessage(extracted, await this.reference());
        if (prepared.kind === "draft") {
          storeBlobs(this.deps.blobs, item, prepared);
          replies.push(await this.commitReply(entry, prepared.parsed, this.deps.replies!));
          continue;
        }
      }
      if (extracted.kind === "extracted") await this.voidExposedTokens(entry, extracted.parsed, extracted.parts.map((p) => Buffer.from(p.part.content)));
      items.push(item);
    }
    return { acks, replies, items, messages, log: opened.log };
  }

  /** Phase 3: decide, store and commit (in the commit thread where there is one); acknowledgements are due only after it. */
  async settle(b: ExtractedBatch): Promise<IngestedBatch> {
    const started = Date.now();
    const results = [...b.replies, ...(b.items.length ? await this.deps.committer.settle(b.items, await this.versionedReference()) : [])];
    for (const r of results) logDecided(b.log, r);
    if (b.items.length) b.log.debug({ messages: b.items.length, ms: Date.now() - started }, "batch committed");
    const acks = [...b.acks];
    for (const r of results) acks.push({ msg: b.messages.get(r.intakeId)!, ack: ackFor(r.outcome) });
    return { results, acks };
  }

  /**
   * A message kept but not decided with (an out-of-office quoting a request, a bounce, a submission
   * with a forwarded request) may carry an approval token: it is voided before the message is
   * stored (approvals/exposure.ts). Its own transaction, committed first: a crash before the
   * message settles reads it again, and voiding twice changes nothing.
   */
  private async voidExposedTokens(entry: LedgerEntry, parsed: MessageSummary, parts: Buffer[]): Promise<void> {
    const handler = this.deps.replies?.handler;
    if (!handler?.exposedTokens || !handler.voidExposed) return;
    const tokens = handler.exposedTokens(parsed, entry.msg.raw, parts);
    if (!tokens.length) return;
    await this.deps.replies!.db.$transaction(async (tx) => {
      const r = await handler.voidExposed!(tx, tokens, { intakeId: entry.intakeId, from: parsed.fromAddress, automatic: parsed.automatic });
      await audit(tx, ...r.audit);
    });
  }

  private async commitReply(entry: LedgerEntry, parsed: MessageSummary, { handler, db }: { handler: ReplyHandler; db: Db }): Promise<IngestResult> {
    const base = { messageId: parsed.messageId, file: entry.msg.file, intakeId: entry.intakeId, unit: null, column: null, division: null, title: null };
    return db.$transaction(async (tx) => {
      const r = await handler.handle(tx, parsed, entry.intakeId, entry.msg.raw);
      await finaliseReply(tx, entry.intakeId, parsed, { subject: r.subject ?? parsed.subject, attempts: entry.attempts + 1, rawPath: entry.sha256, reason: r.reason });
      await audit(tx, ...r.audit);
      return { ...base, outcome: "reply" as const, draftId: r.draftId ?? null, reason: r.reason };
    });
  }
}

/**
 * One line per decided message, under its intake id: the outcome and the gateway's own reason —
 * for a quarantined message not even that (the reason names where the mark was found: a file
 * name can be what Art. 10 keeps out), only that it was quarantined.
 */
function logDecided(log: Logger, r: IngestResult): void {
  const fields = { intakeId: r.intakeId, file: r.file, outcome: r.outcome, draftId: r.draftId ?? undefined };
  if (r.outcome === "quarantined") log.warn(fields, "intake quarantined: a classification mark was found (Art. 10); only the envelope is kept");
  else if (r.outcome === "failed") log.warn(fields, `intake failed: ${r.reason}`);
  else log.info(fields, `intake ${r.outcome}: ${r.reason}`);
}
