// One complete pass over the IMAP folder on a connected source: which messages are due, in UID
// batches, and the acknowledgement of each — a MOVE to the gateway's Processed, Failed or
// Quarantine folder — only after its ledger row and draft are committed.
//
// The folder itself is the queue: what is still in it has not been acknowledged. Every pass
// lists it completely (UID SEARCH ALL), so nothing depends on an IDLE notice having arrived or
// on a remembered "last UID": IDLE only makes a pass start sooner. The ledger key is
// `${uidValidity}:${uid}` on a Mailbox row per account and folder; a message whose row is
// already final (crash after commit, before the MOVE) is only moved. A new UIDVALIDITY makes
// every message new to the ledger: the pipeline's sha256 and content fingerprint turn the ones
// seen before into `duplicate`, so nothing is skipped and nothing becomes a second draft.
// A failed message waits in the Failed folder; when the web screen sets its row back to
// `received` (retry), the next pass reads it from there under its original ledger key.
import { createHash } from "node:crypto";
import { audit } from "../../audit/audit.js";
import { parseMessage } from "../../extract/mime.js";
import { invalidateForNewUidValidity, markLost, recordFailedLocation, recordHash, recordOversized } from "../../ledger/prisma-ledger.js";
import type { Ack, IngestResult, SourceMessage } from "../../pipeline/contracts.js";
import { batches, chunks, planWindow } from "../plan.js";
import { awaitedLater } from "../../util/log.js";
import type { FolderRole, ImapSource, MessageMeta } from "./connection.js";
import type { ImapContext } from "./context.js";

/** UIDs per SEARCH-result window: sizes and ledger rows are read for this many at a time. */
const WINDOW = 2000;

/**
 * Messages up to this size are not asked for their size one by one (a FETCH RFC822.SIZE per
 * message cost a tenth of the pass): a batch counts each as this many bytes, which still
 * bounds a batch's memory (200 × 64 KiB); larger ones are found by SEARCH LARGER.
 */
const LARGE_BYTES = 64 * 1024;

const ROLE: Record<Ack, FolderRole> = { processed: "processed", failed: "failed", remove: "quarantine" };

interface Fetched {
  batch: Item[];
  fetched: Array<{ uid: number; source: Buffer }>;
}

/** A message of the held folder, and the ledger key it is recorded under. */
interface Item extends MessageMeta {
  sourceKey: string;
  file: string;
  /** The UID and UIDVALIDITY of the ledger key (the watched folder's, also for a retry from Failed). */
  ledgerUid: number;
  ledgerUidValidity: bigint;
  /** The ledger row has no sha256 yet (recorded over the size cap, never read). */
  unhashed?: boolean;
}

export function sourceKeyOf(uidValidity: bigint, uid: number): string {
  return `${uidValidity}:${uid}`;
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class ImapPass {
  /** When the per-batch progress (last UID, backlog) was last written for the web screen. */
  private progressAt = 0;

  constructor(private readonly ctx: ImapContext) {}

  /**
   * One complete pass over the folder, then the retries from the Failed folder. Throws on
   * connection failure; whatever was committed before stays committed and is only moved by the
   * next pass. The lease is renewed on a timer meanwhile.
   */
  run(src: ImapSource, onResult?: (r: IngestResult) => void): Promise<{ results: IngestResult[]; moved: number }> {
    return this.ctx.lease.held(() => this.leased(src, onResult));
  }

  private async leased(src: ImapSource, onResult: ((r: IngestResult) => void) | undefined): Promise<{ results: IngestResult[]; moved: number }> {
    const all: IngestResult[] = [];
    let moved = 0;
    await src.withFolder(async (sel) => {
      const uidValidity = sel.uidValidity;
      await this.checkUidValidity(uidValidity, src.folderPath("failed"));
      const uids = await src.allUids();
      await this.ctx.opts.hooks?.afterSearch?.(uids);
      const backlog = { n: uids.length };
      await this.ctx.status({ connected: true, backlog: backlog.n });
      // Messages over LARGE_BYTES, found by one SEARCH: only their sizes are fetched (for the
      // cap and the bytes of a batch); any other message counts as LARGE_BYTES in a batch.
      const large = new Set(await src.uidsLarger(LARGE_BYTES));
      const pass = { backlog, moved: 0, results: all, onResult };
      const r = await this.ingestBatches(src, uidValidity, this.due(src, uidValidity, uids, large, pass), onResult, false, backlog);
      moved += pass.moved;
      all.push(...r.results);
      for (const n of await Promise.all(r.moves)) moved += n;
    });
    const retried = await this.retryFailed(src, onResult);
    all.push(...retried.results);
    moved += retried.moved;
    await this.ctx.status({ connected: true, lastPollAt: new Date(), backlog: 0, lastError: null });
    if (all.length || moved) this.ctx.log.info({ decided: all.length, moved, retried: retried.results.length }, "pass done");
    return { results: all, moved };
  }

  /**
   * A new UIDVALIDITY: every UID of the folder names another message now. Records it, raises
   * the alert, and closes ledger rows left half-done under the old numbering (their messages,
   * if still there, are read again under the new one).
   */
  private async checkUidValidity(uidValidity: bigint, failedPath: string): Promise<void> {
    const db = this.ctx.opts.db;
    const id = await this.ctx.mailbox();
    const row = await db.mailbox.findUniqueOrThrow({ where: { id }, select: { uidValidity: true } });
    if (row.uidValidity === uidValidity) return;
    if (row.uidValidity == null) {
      await db.mailbox.update({ where: { id }, data: { uidValidity } });
      return;
    }
    const old = row.uidValidity;
    const message = `邮箱 ${this.ctx.name} 的 UIDVALIDITY 由 ${old} 变为 ${uidValidity}（文件夹被删除重建、恢复或服务器迁移）：已全部重新扫描；收过的邮件按内容去重，不会重复生成稿件。`;
    await db.$transaction(async (tx) => {
      await tx.mailbox.update({ where: { id }, data: { uidValidity, lastUid: null } });
      await tx.alert.create({ data: { kind: "uidvalidity_changed", message } });
      // Not the rows of retries: their messages lie in the Failed folder, whose numbering stands.
      const stale = await invalidateForNewUidValidity(tx, id, uidValidity, `${failedPath};`);
      await audit(tx, { actor: "system:imap", action: "intake.uidvalidity_changed", entityType: "mailbox", entityId: id, detail: { mailbox: this.ctx.name, from: String(old), to: String(uidValidity), staleRows: stale } });
    });
    this.ctx.log.warn({ from: String(old), to: String(uidValidity) }, `imap ${this.ctx.name}: UIDVALIDITY ${old} → ${uidValidity}, full rescan`);
  }

  private fileOf(folder: string, uidValidity: bigint, uid: number): string {
    return `${folder};UIDVALIDITY=${uidValidity}/;UID=${uid}`;
  }

  /**
   * Over the size cap: not downloaded. A failed ledger row (envelope only, from the header
   * block) makes it visible in the gateway; the message itself goes to the Failed folder, where
   * it stays, whole, for a person (and for a retry once the cap is raised).
   */
  private async recordOversized(src: ImapSource, items: Item[]): Promise<IngestResult[]> {
    const { db, config } = this.ctx.opts;
    const id = await this.ctx.mailbox();
    const cap = config.limits.messageBytes;
    const headers = await src.headers(items.map((m) => m.uid));
    const results: IngestResult[] = [];
    for (const m of items) {
      let env: { messageId: string | null; fromAddress: string | null; subject: string | null; sentAt: Date | null } = { messageId: null, fromAddress: null, subject: null, sentAt: null };
      const head = headers.get(m.uid);
      if (head) {
        try {
          const p = await parseMessage(Buffer.concat([head, Buffer.from("\r\n")]), config.limits);
          env = { messageId: p.messageId, fromAddress: p.fromAddress, subject: p.subject.slice(0, 500), sentAt: p.date };
        } catch {
          // The envelope is a courtesy; the row is written without it.
        }
      }
      const error = `邮件 ${(m.size / 1048576).toFixed(1)} MB，超过上限 ${(cap / 1048576).toFixed(1)} MB：未下载，原件完整保留在服务器「${src.folderPath("failed")}」文件夹`;
      const row = await db.$transaction(async (tx) => {
        const r = await recordOversized(tx, { mailboxId: id, sourceKey: m.sourceKey, file: m.file, uidValidity: m.ledgerUidValidity, uid: m.ledgerUid, size: m.size, error, envelope: env });
        await audit(tx, { actor: "system:pipeline", action: "intake.failed", entityType: "intake", entityId: r.id, detail: { code: "MESSAGE_TOO_LARGE", error, size: m.size } });
        return r;
      });
      this.ctx.log.warn({ intakeId: row.id, file: m.file, bytes: m.size, cap }, "over the size cap: not downloaded; it goes whole to the Failed folder");
      results.push({ messageId: env.messageId, file: m.file, outcome: "failed", unit: null, column: null, division: null, draftId: null, title: null, reason: error, intakeId: row.id });
    }
    return results;
  }

  /**
   * Moves, and remembers where failed messages landed (the ledger row's `file` then names their
   * place in the Failed folder): a retry from the web screen reads them from there.
   */
  private async moveAll(src: ImapSource, moves: Map<FolderRole, Item[]>, uidValidity: bigint): Promise<number> {
    let n = 0;
    for (const [role, items] of moves) {
      if (!items.length) continue;
      const r = await src.move(items.map((m) => m.uid), role, uidValidity);
      n += items.length;
      if (role !== "failed" || r.uidValidity == null) continue;
      const id = await this.ctx.mailbox();
      for (const m of items) {
        const to = r.uidMap.get(m.uid);
        if (to != null) await recordFailedLocation(this.ctx.opts.db, id, m.sourceKey, this.fileOf(src.folderPath("failed"), r.uidValidity, to));
      }
    }
    return n;
  }

  /** Starts the FETCH of a batch's sources; awaited later, so a failure is not unhandled meanwhile. */
  private fetchBatch(src: ImapSource, batch: Item[]): Promise<Fetched> {
    return awaitedLater(src.sources(batch.map((m) => m.uid)).then((fetched) => ({ batch, fetched })));
  }

  /**
   * Ingests batches of the held folder, overlapped: batch k + 1 streams in from the server and
   * batch k is parsed here while batch k − 1 settles in the commit thread, and each batch is
   * moved (the MOVEs started, not awaited: Dovecot moves while later batches are parsed) as soon
   * as it is committed. imapflow runs the commands in order, and no command is issued from
   * inside a FETCH iteration (each FETCH is collected on its own). `inFailed`: retried from the
   * Failed folder, where a message that fails again simply stays.
   */
  private async ingestBatches(src: ImapSource, uidValidity: bigint, source: AsyncIterable<Item[]> | Iterable<Item[]>, onResult: ((r: IngestResult) => void) | undefined, inFailed: boolean, backlog: { n: number }): Promise<{ results: IngestResult[]; moves: Array<Promise<number>> }> {
    const mailboxId = await this.ctx.mailbox();
    const all: IngestResult[] = [];
    const moves: Array<Promise<number>> = [];
    const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as AsyncIterator<Item[]> | Iterator<Item[]>;
    // The FETCH is wrapped: an async function returning a bare promise would resolve only when
    // that FETCH had completed, and the pull would wait for the data it is meant to prefetch.
    const pull = async (): Promise<{ fetch: Promise<Fetched> } | null> => {
      const r = await it.next();
      return r.done ? null : { fetch: this.fetchBatch(src, r.value) };
    };
    let fetching = (await pull())?.fetch ?? null;
    const next = async (): Promise<Array<SourceMessage & { item: Item }> | null> => {
      // Stopping: the batches in hand are committed and moved, no new one is begun.
      if (!fetching || this.ctx.stopping()) return null;
      await this.ctx.lease.keep();
      const { batch, fetched } = await fetching;
      fetching = (await pull())?.fetch ?? null;
      backlog.n -= batch.length;
      // A UID missing from the FETCH was expunged by someone meanwhile: nothing to do.
      const byUid = new Map(batch.map((m) => [m.uid, m]));
      const msgs = fetched.map((f) => {
        const item = byUid.get(f.uid)!;
        return { sourceKey: item.sourceKey, file: item.file, uidValidity: item.ledgerUidValidity, uid: item.ledgerUid, raw: f.source, item };
      });
      // A row recorded without its bytes (oversized, retried once the cap was raised) gets its sha256.
      for (const m of msgs) if (m.item.unhashed) await recordHash(this.ctx.opts.db, mailboxId, m.sourceKey, createHash("sha256").update(m.raw).digest("hex"), m.raw.length);
      return msgs;
    };
    await this.ctx.opts.pipeline.run(mailboxId, next, async ({ results, acks }) => {
      // Committed: reported before the MOVE, as the Maildir intake does.
      for (const r of results) onResult?.(r);
      all.push(...results);
      const byRole = new Map<FolderRole, Item[]>();
      const items = acks.map(({ msg, ack }) => ({ item: (msg as SourceMessage & { item: Item }).item, ack }));
      for (const { item, ack } of items) {
        if (inFailed && ack === "failed") continue;
        addTo(byRole, ROLE[ack], item);
      }
      // Progress for the web screen, at most once a second (the pass writes its final state).
      if (!inFailed && items.length && Date.now() - this.progressAt > 1000) {
        this.progressAt = Date.now();
        await this.ctx.status({ lastUid: Math.max(...items.map((m) => m.item.uid)), backlog: Math.max(0, backlog.n) });
      }
      // Awaited with the pass's other moves (Promise.all below).
      moves.push(awaitedLater(this.moveAll(src, byRole, uidValidity)));
    }, this.ctx.log);
    return { results: all, moves };
  }

  /**
   * The batches of a pass, window by window as they are pulled: the ledger of the next window
   * is read and its already-decided messages moved while the batches before it still settle.
   */
  private async *due(src: ImapSource, uidValidity: bigint, uids: number[], large: Set<number>, pass: { backlog: { n: number }; moved: number; results: IngestResult[]; onResult?: (r: IngestResult) => void }): AsyncGenerator<Item[]> {
    const { config, pipeline } = this.ctx.opts;
    const folder = this.ctx.account.folder;
    const { backlog } = pass;
    for (const window of chunks(uids, WINDOW)) {
      await this.ctx.lease.keep();
      const sizes = new Map((await src.sizes(window.filter((u) => large.has(u)))).map((m) => [m.uid, m.size]));
      const items: Item[] = window
        .filter((uid) => !large.has(uid) || sizes.has(uid)) // a large UID without a size was expunged meanwhile
        .map((uid) => ({ uid, size: sizes.get(uid) ?? LARGE_BYTES, sourceKey: sourceKeyOf(uidValidity, uid), file: this.fileOf(folder, uidValidity, uid), ledgerUid: uid, ledgerUidValidity: uidValidity }));
      backlog.n -= window.length - items.length;
      const plan = planWindow(items, pipeline.ledgerStatus(await this.ctx.mailbox(), items.map((m) => m.sourceKey)), config.limits.messageBytes);
      // Committed by an earlier run that stopped before the MOVE: only the move is left.
      const decided = new Map([...plan.acknowledge].map(([ack, list]) => [ROLE[ack], list] as const));
      const n = await this.moveAll(src, decided, uidValidity);
      pass.moved += n;
      // Parked in the OCR lane: stays where it is, unacknowledged, until its commit.
      backlog.n -= n + plan.waiting.length;
      if (plan.oversized.length) {
        const results = await this.recordOversized(src, plan.oversized);
        for (const r of results) pass.onResult?.(r);
        pass.results.push(...results);
        pass.moved += await this.moveAll(src, new Map([["failed", plan.oversized]]), uidValidity);
        backlog.n -= plan.oversized.length;
      }
      yield* batches(plan.read, config.ingestBatch, config.imap.batchBytes);
    }
  }

  /**
   * Retries asked for in the web screen: the ledger row of a failed message is set back to
   * `received` there, and the message lies in the Failed folder, where `file` says (or, without
   * COPYUID, where its Message-ID is found). It goes through the pipeline again under its
   * original ledger key; if it succeeds now it moves on to Processed (or Quarantine), if not it
   * stays where it is, failed again, with the new reason.
   */
  private async retryFailed(src: ImapSource, onResult?: (r: IngestResult) => void): Promise<{ results: IngestResult[]; moved: number }> {
    const { db, config } = this.ctx.opts;
    const id = await this.ctx.mailbox();
    const failedPath = src.folderPath("failed");
    const rows = await db.intakeMessage.findMany({
      where: { mailboxId: id, status: "received", file: { startsWith: `${failedPath};` } },
      select: { id: true, sourceKey: true, file: true, messageId: true, uidValidity: true, uid: true, sha256: true },
      orderBy: { id: "asc" },
      take: WINDOW,
    });
    if (!rows.length) return { results: [], moved: 0 };
    const all: IngestResult[] = [];
    let moved = 0;
    await src.withFolder(async (sel) => {
      const items: Item[] = [];
      const lost: number[] = [];
      for (const r of rows) {
        const at = /;UIDVALIDITY=(\d+)\/;UID=(\d+)$/.exec(r.file ?? "");
        let uid = at && BigInt(at[1]!) === sel.uidValidity ? Number(at[2]) : null;
        if (uid == null && r.messageId) uid = (await src.uidsByMessageId(r.messageId))[0] ?? null;
        if (uid == null) lost.push(r.id);
        else items.push({ uid, size: 0, sourceKey: r.sourceKey, file: r.file ?? "", ledgerUid: r.uid ?? uid, ledgerUidValidity: r.uidValidity ?? sel.uidValidity, unhashed: !r.sha256 });
      }
      const sizes = new Map((await src.sizes(items.map((m) => m.uid))).map((m) => [m.uid, m.size]));
      for (const m of items) {
        if (sizes.has(m.uid)) m.size = sizes.get(m.uid)!;
        else lost.push(rows.find((r) => r.sourceKey === m.sourceKey)!.id);
      }
      await markLost(db, lost, `原件已不在「${failedPath}」文件夹，无法重试`);
      const present = items.filter((m) => sizes.has(m.uid));
      const oversized = present.filter((m) => m.size > config.limits.messageBytes);
      if (oversized.length) {
        const results = await this.recordOversized(src, oversized);
        for (const r of results) onResult?.(r);
        all.push(...results);
      }
      const todo = present.filter((m) => m.size <= config.limits.messageBytes);
      const r = await this.ingestBatches(src, sel.uidValidity, [...batches(todo, config.ingestBatch, config.imap.batchBytes)], onResult, true, { n: 0 });
      all.push(...r.results);
      for (const n of await Promise.all(r.moves)) moved += n;
    }, failedPath);
    return { results: all, moved };
  }
}
