// IMAP source (imapflow): one connection to one account, watching one folder. It knows the
// protocol, not the ledger: connect (TLS, password or XOAUTH2, IMAP ID after login), make the
// gateway's folders, list the folder by UID, read sizes and sources in UID batches, move by UID.
// sources/imap/intake.ts decides what to read and when a message may be moved.
//
// Rules kept here, because breaking them loses or doubles mail:
// - no IMAP command inside a FETCH iteration: every fetch is collected into an array first
//   (imapflow deadlocks otherwise, and a half-read batch must never reach the pipeline);
// - a failed SEARCH is an error, never an empty folder;
// - a MOVE is refused unless the folder still has the UIDVALIDITY the UIDs were read under.
import { ImapFlow, type FetchMessageObject, type ImapFlowError, type Logger } from "imapflow";
import { errorMessage } from "../../domain/errors.js";
import { logged, processLog } from "../../util/log.js";
import { readToken, type ImapAccount } from "./account.js";
import { describeError, ImapAuthFailed, isAuthFailure, UidValidityChanged } from "./errors.js";

/** Folder names from configuration; "/" separates levels and becomes the server's delimiter. */
export interface ImapFolderNames {
  processed: string;
  failed: string;
  quarantine: string;
}

export type FolderRole = keyof ImapFolderNames;

export interface SelectedFolder {
  uidValidity: bigint;
  uidNext: number;
  exists: number;
}

/** Where moved messages landed (COPYUID, when the server has UIDPLUS). */
export interface MoveResult {
  uidValidity: bigint | null;
  uidMap: Map<number, number>;
}

export interface MessageMeta {
  uid: number;
  size: number;
}

export interface SourceOptions {
  folders: ImapFolderNames;
  /** Warnings and errors of the connection, one line each (passwords never included). */
  log?: (line: string) => void;
  /** IDLE is broken and re-issued this often; RFC 9051 lets servers drop an IDLE after 30 min. */
  maxIdleMs?: number;
  /** Quiet time after our last command before IDLE starts. Short: IDLE is how new mail arrives. */
  autoIdleDelayMs?: number;
  /** Test seam: awaited for each message as its source arrives inside a FETCH (never an IMAP command). */
  onFetchMessage?: (uid: number, index: number) => Promise<void> | void;
}

/** A UID set in IMAP syntax with runs collapsed: [1,2,3,7] → "1:3,7". */
export function uidSet(uids: number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

function quietLogger(log?: (line: string) => void): Logger {
  const line = (level: string) => (obj: unknown) => {
    if (!log) return;
    const o = obj as { msg?: string; err?: unknown } | undefined;
    log(`imap ${level}: ${o?.msg ?? ""}${o?.err ? ` (${errorMessage(o.err)})` : ""}`.trim());
  };
  // imapflow's default logger prints JSON to stdout, which would mix with `ingest --json`.
  return { debug: () => undefined, info: () => undefined, warn: line("warn"), error: line("error") };
}

export class ImapSource {
  private client: ImapFlow | null = null;
  private readonly paths = new Map<FolderRole, string>();
  private closed = false;
  private selectedPath: string | null = null;
  /** Called when the server reports more messages in the watched folder (IDLE or any response). */
  onNewMail: () => void = () => undefined;
  /** Called once when the connection ends, for whatever reason (after `error`, if there was one). */
  onClose: (err: Error | null) => void = () => undefined;

  constructor(
    readonly account: ImapAccount,
    private readonly opts: SourceOptions,
  ) {}

  get usable(): boolean {
    return !!this.client && this.client.usable && !this.closed;
  }

  get supportsIdle(): boolean {
    return !!this.client?.capabilities.has("IDLE");
  }

  folderPath(role: FolderRole): string {
    const p = this.paths.get(role);
    if (!p) throw new Error(`folder ${role} not prepared`);
    return p;
  }

  /** A fresh client: connect, log in, IMAP ID, make the gateway's folders. Throws on failure. */
  async connect(): Promise<void> {
    const a = this.account;
    let lastError: Error | null = null;
    const client = new ImapFlow({
      host: a.host,
      port: a.port,
      secure: a.secure,
      doSTARTTLS: a.secure ? undefined : a.starttls,
      tls: a.insecureTls ? { rejectUnauthorized: false } : undefined,
      auth: a.tokenFile || a.accessToken ? { user: a.user, accessToken: readToken(a) } : { user: a.user, pass: a.pass ?? "" },
      clientInfo: { name: "bianban-intake-gateway", vendor: "Hebei bianban information centre", version: "0.1.0" },
      logger: quietLogger(this.opts.log),
      maxIdleTime: this.opts.maxIdleMs ?? 25 * 60_000,
      autoIdleDelay: this.opts.autoIdleDelayMs ?? 300,
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
      socketTimeout: 5 * 60_000,
    });
    // Every client gets its error handler before anything can fail: an unhandled `error`
    // event would take the whole gateway down with it.
    client.on("error", (err: Error) => {
      lastError = err;
      this.opts.log?.(`imap error: ${describeError(err)}`);
    });
    client.on("close", () => {
      this.closed = true;
      this.onClose(lastError);
    });
    client.on("exists", (e) => {
      if (e.count > e.prevCount) this.onNewMail();
    });
    this.client = client;
    this.closed = false;
    try {
      await client.connect();
    } catch (err) {
      if (!isAuthFailure(err)) throw err;
      const e = err as ImapFlowError & { oauthError?: { status?: unknown } };
      // The server said NO (or BAD) to the credentials; anything else keeps imapflow's own words.
      const refused = e.responseStatus === "NO" || e.responseStatus === "BAD";
      const oauthStatus = typeof e.oauthError?.status === "string" ? `，${e.oauthError.status}` : "";
      const what = a.tokenFile || a.accessToken ? `XOAUTH2 访问令牌无效或已过期${oauthStatus}` : "用户名或密码不正确";
      throw new ImapAuthFailed(
        refused ? `IMAP 登录被拒绝：${what}（${a.user}）${e.responseText ? `，服务器：${e.responseText}` : ""}` : `IMAP 登录失败（${a.user}）：${describeError(err)}`,
        err,
      );
    }
    await this.sendIdAfterLogin(client);
    await this.prepareFolders(client);
  }

  /**
   * Coremail (NetEase 163/126, many provincial government mail systems) refuses SELECT from a
   * client that did not identify itself after LOGIN ("Unsafe Login"). imapflow sends ID before
   * LOGIN and repeats it only when the first answer was thin, so it is sent once more here.
   */
  private async sendIdAfterLogin(client: ImapFlow): Promise<void> {
    if (!client.capabilities.has("ID")) return;
    // `run` is imapflow's command dispatcher; ID has no public wrapper.
    const runner = client as unknown as { run?: (cmd: string, ...args: unknown[]) => Promise<unknown> };
    if (typeof runner.run === "function") await runner.run("ID", client.clientInfo);
  }

  /** Resolves the configured names against the server's namespace and creates what is missing. */
  private async prepareFolders(client: ImapFlow): Promise<void> {
    const ns = client.namespace;
    const delimiter = ns?.delimiter || "/";
    const prefix = ns?.prefix ?? "";
    const existing = new Set((await client.list()).map((l) => l.path));
    for (const role of ["processed", "failed", "quarantine"] as const) {
      const parts = this.opts.folders[role].split("/").filter(Boolean);
      // A name already written under the personal namespace ("INBOX.Gateway…") keeps it as is.
      const addPrefix = !!prefix && !parts.join(delimiter).startsWith(prefix);
      const level = (n: number) => (addPrefix ? prefix : "") + parts.slice(0, n).join(delimiter);
      // Parents first: some servers do not create intermediate levels themselves.
      for (let n = 1; n <= parts.length; n++) {
        const path = level(n);
        if (path.toUpperCase() === "INBOX" || (prefix && (path + delimiter).length <= prefix.length) || existing.has(path)) continue;
        await client.mailboxCreate(path);
        existing.add(path);
      }
      this.paths.set(role, level(parts.length));
    }
  }

  private get c(): ImapFlow {
    if (!this.client || !this.usable) throw Object.assign(new Error("IMAP 连接已断开"), { code: "NoConnection" });
    return this.client;
  }

  /**
   * Runs `fn` with a folder — the watched one unless `path` says otherwise — selected and held
   * (no other command of ours can switch folders meanwhile; imapflow does not IDLE while the
   * lock is held).
   */
  async withFolder<T>(fn: (folder: SelectedFolder) => Promise<T>, path: string = this.account.folder): Promise<T> {
    const c = this.c;
    let lock: Awaited<ReturnType<ImapFlow["getMailboxLock"]>>;
    try {
      lock = await c.getMailboxLock(path);
    } catch (err) {
      if ((err as ImapFlowError).mailboxMissing) throw new Error(`文件夹「${path}」不存在`, { cause: err });
      throw err;
    }
    this.selectedPath = lock.path;
    try {
      const mb = c.mailbox;
      if (!mb) throw new Error(`文件夹「${path}」未能打开`);
      return await fn({ uidValidity: mb.uidValidity, uidNext: mb.uidNext, exists: mb.exists });
    } finally {
      lock.release();
    }
  }

  /** The UIDVALIDITY the held folder has now (null when it is no longer the selected one). */
  currentUidValidity(): bigint | null {
    const mb = this.client?.mailbox;
    return mb && mb.path === this.selectedPath ? mb.uidValidity : null;
  }

  /** Every UID in the held folder, ascending. A refused or failed SEARCH throws. */
  async allUids(): Promise<number[]> {
    const r = await this.c.search({ all: true }, { uid: true });
    if (!Array.isArray(r)) throw new Error(`文件夹「${this.selectedPath}」的 UID SEARCH 被服务器拒绝`);
    return [...r].sort((a, b) => a - b);
  }

  /** UIDs in the held folder of messages larger than `bytes` (SEARCH LARGER: the sizes come from the server's index). */
  async uidsLarger(bytes: number): Promise<number[]> {
    const r = await this.c.search({ larger: bytes }, { uid: true });
    if (!Array.isArray(r)) throw new Error(`文件夹「${this.selectedPath}」的 UID SEARCH LARGER 被服务器拒绝`);
    return r;
  }

  /** UIDs in the held folder with this Message-ID (locating a message when COPYUID was not given). */
  async uidsByMessageId(messageId: string): Promise<number[]> {
    const r = await this.c.search({ header: { "message-id": messageId } }, { uid: true });
    if (!Array.isArray(r)) throw new Error(`文件夹「${this.selectedPath}」的 UID SEARCH 被服务器拒绝`);
    return r;
  }

  /** RFC822.SIZE of each UID still present (an expunged one is simply absent). */
  async sizes(uids: number[]): Promise<MessageMeta[]> {
    if (!uids.length) return [];
    const out: MessageMeta[] = [];
    for await (const m of this.c.fetch(uidSet(uids), { uid: true, size: true }, { uid: true })) out.push({ uid: m.uid, size: m.size ?? 0 });
    return out;
  }

  /** The header block of each UID (for recording an oversized message without downloading it). */
  async headers(uids: number[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    if (!uids.length) return out;
    for await (const m of this.c.fetch(uidSet(uids), { uid: true, headers: true }, { uid: true })) if (m.headers) out.set(m.uid, m.headers);
    return out;
  }

  /**
   * Full sources (BODY.PEEK[]: \Seen is not set) of the UIDs still present, collected before
   * the caller does anything with them: a FETCH cut off half-way throws, and nothing of it
   * reaches the pipeline.
   */
  async sources(uids: number[]): Promise<Array<{ uid: number; source: Buffer }>> {
    if (!uids.length) return [];
    const out: Array<{ uid: number; source: Buffer }> = [];
    let i = 0;
    const it: AsyncGenerator<FetchMessageObject, false | void> = this.c.fetch(uidSet(uids), { uid: true, source: true }, { uid: true });
    for await (const m of it) {
      if (m.source) out.push({ uid: m.uid, source: m.source });
      if (this.opts.onFetchMessage) await this.opts.onFetchMessage(m.uid, i);
      i++;
    }
    return out;
  }

  /**
   * Moves UIDs to one of the gateway's folders (imapflow falls back to COPY + \Deleted +
   * EXPUNGE where MOVE is missing). Refuses when the folder's UIDVALIDITY is no longer the one
   * the UIDs belong to: they would name other messages.
   */
  async move(uids: number[], role: FolderRole, uidValidity: bigint): Promise<MoveResult> {
    if (!uids.length) return { uidValidity: null, uidMap: new Map() };
    const now = this.currentUidValidity();
    if (now !== uidValidity) throw new UidValidityChanged(uidValidity, now);
    const r = await this.c.messageMove(uidSet(uids), this.folderPath(role), { uid: true });
    if (!r) throw new Error(`移动到「${this.folderPath(role)}」失败（${uids.length} 封）`);
    return { uidValidity: r.uidValidity ?? null, uidMap: r.uidMap ?? new Map() };
  }

  /** LOGOUT if possible, then the socket is closed either way. */
  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (!c) return;
    if (c.usable) {
      const timeout = new Promise<void>((r) => setTimeout(r, 3000).unref());
      await Promise.race([c.logout().catch(logged(processLog(), "IMAP LOGOUT failed while closing", "debug")), timeout]);
    }
    c.close();
  }
}

