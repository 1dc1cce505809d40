// Drives the pipeline over an IMAP folder, as maildir-intake.ts does over a Maildir: which
// messages are due, in UID batches, and the acknowledgement of each — a MOVE to the gateway's
// Processed, Failed or Quarantine folder — only after its ledger row and draft are committed.
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
//
// One poller per mailbox across processes: a lease on the Mailbox row (leaseOwner/leaseUntil),
// taken by a conditional UPDATE, renewed while held, and taken over when it expired or when
// its owner is a dead process on this host (a gateway killed with -9 restarts at once).
import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import { sqliteDate } from "../db/sqlite-date.js";
import { audit } from "../audit/audit.js";
import { parseMessage } from "../extract/mime.js";
import { describeError, ImapSource, isAuthFailure, mailboxName, parseImapUrl, redactUrl, throttleDelayMs, type FolderRole, type ImapAccount, type MessageMeta } from "../sources/imap.js";
import type { Ack, IngestResult, SourceMessage } from "./contracts.js";
import type { Pipeline } from "./ingest.js";
import { invalidateForNewUidValidity, markLost, recordFailedLocation, recordHash, recordOversized } from "../ledger/prisma-ledger.js";
import { dueAction } from "../ledger/status.js";

/** Test seams; neither issues an IMAP command on the intake's connection. */
export interface ImapIntakeHooks {
  /** After the folder was listed, before anything of it is fetched. */
  afterSearch?: (uids: number[]) => Promise<void> | void;
  /** Inside a FETCH of sources, as each message arrives. */
  onFetchMessage?: (uid: number, index: number) => Promise<void> | void;
}

export interface ImapIntakeOptions {
  db: Db;
  pipeline: Pipeline;
  config: Config;
  url: string;
  log?: (line: string) => void;
  /** Lease owner id; by default host, pid and a random part. */
  owner?: string;
  hooks?: ImapIntakeHooks;
}

export type RunOnceResult =
  | { ok: true; results: IngestResult[]; moved: number }
  | { ok: false; reason: "busy"; owner: string | null; results: IngestResult[] }
  | { ok: false; reason: "error"; error: string; results: IngestResult[] };

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

class LeaseLost extends Error {
  constructor() {
    super("邮箱租约已被其他进程接管，本轮停止");
    this.name = "LeaseLost";
  }
}

export function sourceKeyOf(uidValidity: bigint, uid: number): string {
  return `${uidValidity}:${uid}`;
}

/** The owner id of this process: `gw:<host>:<pid>:<random>`. */
function defaultOwner(): string {
  return `gw:${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** A lease owned by a process of this host that no longer runs can be taken at once. */
function ownerIsDeadLocalProcess(owner: string): boolean {
  const parts = owner.split(":");
  if (parts.length < 4 || parts[0] !== "gw") return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(1, -2).join(":");
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Batches of at most `count` messages and `bytes` bytes (at least one message each). */
function* batches<T extends MessageMeta>(items: T[], count: number, bytes: number): Generator<T[]> {
  let cur: T[] = [];
  let size = 0;
  for (const m of items) {
    if (cur.length && (cur.length >= count || size + m.size > bytes)) {
      yield cur;
      cur = [];
      size = 0;
    }
    cur.push(m);
    size += m.size;
  }
  if (cur.length) yield cur;
}

/** How long `stop()` lets the batch in hand finish its commit and MOVE before cutting the connection. */
const STOP_GRACE_MS = 15_000;

// Not unref'd: in the CLI nothing else keeps the process alive during a back-off.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ImapIntake {
  readonly account: ImapAccount;
  readonly owner: string;
  private mailboxId: number | null = null;
  private readonly log: (line: string) => void;
  // Poller state (serve).
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private pending = false;
  private source: ImapSource | null = null;
  private passDone: Array<() => void> = [];
  private leaseLost = false;
  private leaseRenewedAt = 0;
  /** When the per-batch progress (last UID, backlog) was last written for the web screen. */
  private progressAt = 0;

  private constructor(
    private readonly opts: ImapIntakeOptions,
    account: ImapAccount,
  ) {
    this.account = account;
    this.owner = opts.owner ?? defaultOwner();
    this.log = opts.log ?? (() => undefined);
    opts.pipeline.warm();
  }

  /** An intake for `opts.url`, or the reason the URL is unusable. */
  static create(opts: ImapIntakeOptions): { ok: true; intake: ImapIntake } | { ok: false; error: string } {
    const parsed = parseImapUrl(opts.url);
    if (!parsed.ok) return parsed;
    return { ok: true, intake: new ImapIntake(opts, parsed.account) };
  }

  get name(): string {
    return mailboxName(this.account);
  }

  private get cfg() {
    return this.opts.config.imap;
  }

  async mailbox(): Promise<number> {
    if (this.mailboxId != null) return this.mailboxId;
    const name = this.name;
    const row = await this.opts.db.mailbox.upsert({ where: { name }, create: { name, kind: "imap" }, update: {} });
    return (this.mailboxId = row.id);
  }

  // ───────────── lease ─────────────

  /** Takes or renews the lease; on refusal says who holds it. */
  async tryLease(): Promise<{ ok: true } | { ok: false; owner: string | null }> {
    const db = this.opts.db;
    const id = await this.mailbox();
    const now = new Date();
    const until = sqliteDate(new Date(now.getTime() + this.cfg.leaseSeconds * 1000));
    const taken = await db.$executeRawUnsafe(
      `UPDATE "Mailbox" SET "leaseOwner" = ?, "leaseUntil" = ? WHERE "id" = ? AND ("leaseOwner" IS NULL OR "leaseOwner" = ? OR "leaseUntil" IS NULL OR "leaseUntil" < ?)`,
      this.owner,
      until,
      id,
      this.owner,
      sqliteDate(now),
    );
    if (taken === 1) {
      this.leaseRenewedAt = now.getTime();
      return { ok: true };
    }
    const row = await db.mailbox.findUnique({ where: { id }, select: { leaseOwner: true } });
    const holder = row?.leaseOwner ?? null;
    if (holder && ownerIsDeadLocalProcess(holder)) {
      const stolen = await db.$executeRawUnsafe(`UPDATE "Mailbox" SET "leaseOwner" = ?, "leaseUntil" = ? WHERE "id" = ? AND "leaseOwner" = ?`, this.owner, until, id, holder);
      if (stolen === 1) {
        this.leaseRenewedAt = now.getTime();
        this.log(`imap ${this.name}: lease of ${holder} (process gone) taken over`);
        return { ok: true };
      }
    }
    return { ok: false, owner: holder };
  }

  private async renewLease(): Promise<void> {
    if (this.leaseLost) throw new LeaseLost();
    const id = await this.mailbox();
    const now = Date.now();
    const until = sqliteDate(new Date(now + this.cfg.leaseSeconds * 1000));
    const n = await this.opts.db.$executeRawUnsafe(`UPDATE "Mailbox" SET "leaseUntil" = ? WHERE "id" = ? AND "leaseOwner" = ?`, until, id, this.owner);
    if (n !== 1) throw new LeaseLost();
    this.leaseRenewedAt = now;
  }

  /**
   * Between batches: a lost lease stops the pass; the lease itself is renewed once a sixth of it
   * has passed (the pass's timer renews it as well), not for every batch.
   */
  private async keepLease(): Promise<void> {
    if (this.leaseLost) throw new LeaseLost();
    if (Date.now() - this.leaseRenewedAt > (this.cfg.leaseSeconds * 1000) / 6) await this.renewLease();
  }

  async releaseLease(): Promise<void> {
    const id = await this.mailbox();
    await this.opts.db.$executeRawUnsafe(`UPDATE "Mailbox" SET "leaseOwner" = NULL, "leaseUntil" = NULL WHERE "id" = ? AND "leaseOwner" = ?`, id, this.owner);
  }

  // ───────────── one pass ─────────────

  private newSource(): ImapSource {
    return new ImapSource(this.account, {
      folders: this.cfg.folders,
      log: (l) => this.log(`${this.name}: ${l}`),
      maxIdleMs: this.cfg.idleMs,
      onFetchMessage: this.opts.hooks?.onFetchMessage,
    });
  }

  private async status(data: { connected?: boolean; lastPollAt?: Date; backlog?: number; lastError?: string | null; lastUid?: number }): Promise<void> {
    await this.opts.db.mailbox.update({ where: { id: await this.mailbox() }, data });
  }

  /**
   * A new UIDVALIDITY: every UID of the folder names another message now. Records it, raises
   * the alert, and closes ledger rows left half-done under the old numbering (their messages,
   * if still there, are read again under the new one).
   */
  private async checkUidValidity(uidValidity: bigint, failedPath: string): Promise<void> {
    const db = this.opts.db;
    const id = await this.mailbox();
    const row = await db.mailbox.findUniqueOrThrow({ where: { id }, select: { uidValidity: true } });
    if (row.uidValidity === uidValidity) return;
    if (row.uidValidity == null) {
      await db.mailbox.update({ where: { id }, data: { uidValidity } });
      return;
    }
    const old = row.uidValidity;
    const message = `邮箱 ${this.name} 的 UIDVALIDITY 由 ${old} 变为 ${uidValidity}（文件夹被删除重建、恢复或服务器迁移）：已全部重新扫描；收过的邮件按内容去重，不会重复生成稿件。`;
    await db.$transaction(async (tx) => {
      await tx.mailbox.update({ where: { id }, data: { uidValidity, lastUid: null } });
      await tx.alert.create({ data: { kind: "uidvalidity_changed", message } });
      // Not the rows of retries: their messages lie in the Failed folder, whose numbering stands.
      const stale = await invalidateForNewUidValidity(tx, id, uidValidity, `${failedPath};`);
      await audit(tx, { actor: "system:imap", action: "intake.uidvalidity_changed", entityType: "mailbox", entityId: id, detail: { mailbox: this.name, from: String(old), to: String(uidValidity), staleRows: stale } });
    });
    this.log(`imap ${this.name}: UIDVALIDITY ${old} → ${uidValidity}, full rescan`);
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
    const db = this.opts.db;
    const id = await this.mailbox();
    const cap = this.opts.config.limits.messageBytes;
    const headers = await src.headers(items.map((m) => m.uid));
    const results: IngestResult[] = [];
    for (const m of items) {
      let env: { messageId: string | null; fromAddress: string | null; subject: string | null; sentAt: Date | null } = { messageId: null, fromAddress: null, subject: null, sentAt: null };
      const head = headers.get(m.uid);
      if (head) {
        try {
          const p = await parseMessage(Buffer.concat([head, Buffer.from("\r\n")]), this.opts.config.limits);
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
      const id = await this.mailbox();
      for (const m of items) {
        const to = r.uidMap.get(m.uid);
        if (to != null) await recordFailedLocation(this.opts.db, id, m.sourceKey, this.fileOf(src.folderPath("failed"), r.uidValidity, to));
      }
    }
    return n;
  }

  /** Starts the FETCH of a batch's sources; awaited later, so a failure is not unhandled meanwhile. */
  private fetchBatch(src: ImapSource, batch: Item[]): Promise<Fetched> {
    const p = src.sources(batch.map((m) => m.uid)).then((fetched) => ({ batch, fetched }));
    p.catch(() => undefined);
    return p;
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
    const mailboxId = await this.mailbox();
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
      if (!fetching || this.stopping) return null;
      await this.keepLease();
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
      for (const m of msgs) if (m.item.unhashed) await recordHash(this.opts.db, mailboxId, m.sourceKey, createHash("sha256").update(m.raw).digest("hex"), m.raw.length);
      return msgs;
    };
    await this.opts.pipeline.run(mailboxId, next, async ({ results, acks }) => {
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
        await this.status({ lastUid: Math.max(...items.map((m) => m.item.uid)), backlog: Math.max(0, backlog.n) });
      }
      const move = this.moveAll(src, byRole, uidValidity);
      move.catch(() => undefined);
      moves.push(move);
    });
    return { results: all, moves };
  }

  /**
   * One complete pass over the folder on a connected source. Throws on connection failure;
   * whatever was committed before stays committed and is only moved by the next pass.
   */
  private async pass(src: ImapSource, onResult?: (r: IngestResult) => void): Promise<{ results: IngestResult[]; moved: number }> {
    // A batch can take minutes (OCR of faxed scans): the lease is renewed on a timer as well, so
    // it cannot run out while this process is still busy with the folder.
    const keeper = setInterval(() => void this.renewLease().catch(() => (this.leaseLost = true)), (this.cfg.leaseSeconds * 1000) / 3);
    this.leaseLost = false;
    try {
      return await this.passLeased(src, onResult);
    } finally {
      clearInterval(keeper);
    }
  }

  private async passLeased(src: ImapSource, onResult: ((r: IngestResult) => void) | undefined): Promise<{ results: IngestResult[]; moved: number }> {
    const all: IngestResult[] = [];
    let moved = 0;
    await src.withFolder(async (sel) => {
      const uidValidity = sel.uidValidity;
      await this.checkUidValidity(uidValidity, src.folderPath("failed"));
      const uids = await src.allUids();
      await this.opts.hooks?.afterSearch?.(uids);
      const backlog = { n: uids.length };
      await this.status({ connected: true, backlog: backlog.n });
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
    await this.status({ connected: true, lastPollAt: new Date(), backlog: 0, lastError: null });
    return { results: all, moved };
  }

  /**
   * The batches of a pass, window by window as they are pulled: the ledger of the next window
   * is read and its already-decided messages moved while the batches before it still settle.
   */
  private async *due(src: ImapSource, uidValidity: bigint, uids: number[], large: Set<number>, pass: { backlog: { n: number }; moved: number; results: IngestResult[]; onResult?: (r: IngestResult) => void }): AsyncGenerator<Item[]> {
    const { config } = this.opts;
    const folder = this.account.folder;
    const { backlog } = pass;
    for (const window of chunks(uids, WINDOW)) {
      await this.keepLease();
      const sizes = new Map((await src.sizes(window.filter((u) => large.has(u)))).map((m) => [m.uid, m.size]));
      const items: Item[] = window
        .filter((uid) => !large.has(uid) || sizes.has(uid)) // a large UID without a size was expunged meanwhile
        .map((uid) => ({ uid, size: sizes.get(uid) ?? LARGE_BYTES, sourceKey: sourceKeyOf(uidValidity, uid), file: this.fileOf(folder, uidValidity, uid), ledgerUid: uid, ledgerUidValidity: uidValidity }));
      backlog.n -= window.length - items.length;
      const ledger = this.opts.pipeline.ledgerStatus(await this.mailbox(), items.map((m) => m.sourceKey));
      const decided = new Map<FolderRole, Item[]>();
      const oversized: Item[] = [];
      const todo: Item[] = [];
      for (const m of items) {
        const due = dueAction(ledger.get(m.sourceKey));
        // Committed by an earlier run that stopped before the MOVE: only the move is left.
        if (due.kind === "ack") addTo(decided, ROLE[due.ack], m);
        // Parked in the OCR lane: stays where it is, unacknowledged, until its commit.
        else if (due.kind === "wait") backlog.n -= 1;
        else if (m.size > config.limits.messageBytes) oversized.push(m);
        else todo.push(m);
      }
      const n = await this.moveAll(src, decided, uidValidity);
      pass.moved += n;
      backlog.n -= n;
      if (oversized.length) {
        const results = await this.recordOversized(src, oversized);
        for (const r of results) pass.onResult?.(r);
        pass.results.push(...results);
        pass.moved += await this.moveAll(src, new Map([["failed", oversized]]), uidValidity);
        backlog.n -= oversized.length;
      }
      yield* batches(todo, config.ingestBatch, this.cfg.batchBytes);
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
    const db = this.opts.db;
    const id = await this.mailbox();
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
      const oversized = present.filter((m) => m.size > this.opts.config.limits.messageBytes);
      if (oversized.length) {
        const results = await this.recordOversized(src, oversized);
        for (const r of results) onResult?.(r);
        all.push(...results);
      }
      const todo = present.filter((m) => m.size <= this.opts.config.limits.messageBytes);
      const r = await this.ingestBatches(src, sel.uidValidity, [...batches(todo, this.opts.config.ingestBatch, this.cfg.batchBytes)], onResult, true, { n: 0 });
      all.push(...r.results);
      for (const n of await Promise.all(r.moves)) moved += n;
    }, failedPath);
    return { results: all, moved };
  }

  private backoff(attempt: number, err: unknown): number {
    // A refused sign-in waits the longest back-off: retrying soon fails again and counts towards
    // the account's lockout (a token refreshed in its file is picked up at the next attempt).
    const base = isAuthFailure(err) ? this.cfg.backoffMaxMs : Math.min(this.cfg.backoffMaxMs, this.cfg.backoffMs * 2 ** attempt);
    const jittered = base * (0.8 + Math.random() * 0.4);
    // Exchange: "Request is throttled. Suggested Backoff Time: N milliseconds" — honoured, but a
    // hint of hours is capped: the mailbox must not go silent for the whole day.
    const hint = throttleDelayMs(err);
    return Math.round(hint != null ? Math.max(jittered, Math.min(hint, 15 * 60_000)) : jittered);
  }

  // ───────────── CLI: one complete pass ─────────────

  /**
   * One complete pass (`gateway ingest --imap … --once`), reconnecting with back-off when the
   * connection fails, up to `attempts` times. Refuses when another process holds the lease.
   */
  async runOnce(onResult?: (r: IngestResult) => void, attempts = 4): Promise<RunOnceResult> {
    const results: IngestResult[] = [];
    const lease = await this.tryLease();
    if (!lease.ok) return { ok: false, reason: "busy", owner: lease.owner, results };
    let moved = 0;
    let lastError = "";
    try {
      for (let attempt = 0; attempt < attempts; attempt++) {
        const src = this.newSource();
        try {
          await src.connect();
          const r = await this.pass(src, (x) => {
            results.push(x);
            onResult?.(x);
          });
          moved += r.moved;
          await src.close();
          await this.status({ connected: false });
          return { ok: true, results, moved };
        } catch (err) {
          await src.close().catch(() => undefined);
          lastError = describeError(err);
          await this.status({ connected: false, lastError }).catch(() => undefined);
          if (err instanceof LeaseLost) break;
          this.log(`imap ${this.name}: ${lastError}`);
          if (isAuthFailure(err)) break;
          if (attempt + 1 < attempts) await sleep(this.backoff(attempt, err));
        }
      }
      return { ok: false, reason: "error", error: lastError, results };
    } finally {
      await this.releaseLease().catch(() => undefined);
    }
  }

  // ───────────── serve: the poller ─────────────

  /** Starts polling in the background: IDLE for speed, a full pass every reconcile interval. */
  start(onResult?: (r: IngestResult) => void, afterPass?: (results: IngestResult[]) => Promise<void>): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.pollLoop(onResult, afterPass).catch((err) => this.log(`imap ${this.name}: poller stopped: ${describeError(err)}`));
  }

  /**
   * Asks for a pass now; resolves when a pass finished after the call, or after `timeoutMs`
   * (disconnected, or standing by for another process's lease).
   */
  pollNow(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.passDone.push(() => (clearTimeout(timer), resolve()));
      this.trigger();
    });
  }

  private trigger(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Waits for a trigger or `ms`. */
  private async waitFor(ms: number): Promise<void> {
    if (this.pending || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = null;
  }

  /**
   * Stops the poller. A pass under way begins no new batch; the batch in hand is committed and
   * moved if that takes less than STOP_GRACE_MS, else the connection is cut (what was committed
   * is moved by the next start).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([this.loop?.then(() => true) ?? true, new Promise<false>((r) => (timer = setTimeout(() => r(false), STOP_GRACE_MS)))]);
    clearTimeout(timer);
    if (!ended) await this.source?.close().catch(() => undefined);
    await this.loop;
    this.loop = null;
    for (const r of this.passDone.splice(0)) r();
  }

  private async pollLoop(onResult?: (r: IngestResult) => void, afterPass?: (results: IngestResult[]) => Promise<void>): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const lease = await this.tryLease().catch((err) => ({ ok: false as const, owner: `（${describeError(err)}）` }));
      if (!lease.ok) {
        // Another gateway process polls this mailbox: stand by, and take over if it stops.
        await this.waitFor(Math.max(1000, (this.cfg.leaseSeconds * 1000) / 2));
        this.pending = false;
        continue;
      }
      const src = (this.source = this.newSource());
      src.onNewMail = () => this.trigger();
      src.onClose = () => this.wake?.();
      try {
        await src.connect();
        const reconcileMs = src.supportsIdle ? this.cfg.reconcileMs : Math.min(this.cfg.reconcileMs, this.opts.config.pollIntervalMs);
        let lastPass = 0;
        this.pending = true; // a full pass right after connecting
        while (!this.stopping) {
          if (this.pending || Date.now() - lastPass >= reconcileMs) {
            this.pending = false;
            const waiting = this.passDone.splice(0);
            let r: { results: IngestResult[]; moved: number };
            try {
              r = await this.pass(src, onResult);
            } finally {
              for (const w of waiting) w();
            }
            lastPass = Date.now();
            failures = 0;
            if (afterPass) await afterPass(r.results).catch((err) => this.log(`imap ${this.name}: after pass: ${describeError(err)}`));
          }
          // Wake for new mail, the next reconciliation, or the lease renewal, whichever is first.
          await this.waitFor(Math.min(reconcileMs - (Date.now() - lastPass), (this.cfg.leaseSeconds * 1000) / 3));
          if (this.stopping) break;
          if (!src.usable) throw new Error("IMAP 连接已断开");
          await this.renewLease();
        }
      } catch (err) {
        if (this.stopping) break;
        const message = describeError(err);
        this.log(`imap ${this.name}: ${message}`);
        await this.status({ connected: false, lastError: message }).catch(() => undefined);
        if (!(err instanceof LeaseLost)) {
          const until = Date.now() + this.backoff(failures++, err);
          await src.close().catch(() => undefined);
          // New-mail triggers do not cut the back-off short (the server needs the rest); stop does.
          while (!this.stopping && Date.now() < until) {
            this.pending = false;
            await this.waitFor(until - Date.now());
          }
        }
      } finally {
        await src.close().catch(() => undefined);
        this.source = null;
      }
    }
    await this.status({ connected: false }).catch(() => undefined);
    await this.releaseLease().catch(() => undefined);
  }
}

export { redactUrl };
