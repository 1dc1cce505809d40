// The IMAP intake of one mailbox (an account and folder of IMAP_URL), as the rest of the gateway
// sees it: made from its URL, named for its Mailbox row, with its lease, one complete pass for
// the CLI (cli-pass.ts) and a poller for serve (poller.ts). The pass itself is pass.ts; the
// protocol is connection.ts.
import type { IngestResult } from "../../pipeline/contracts.js";
import type { IntakeSource, PassReport } from "../contract.js";
import { MailboxLease } from "../lease.js";
import { asLogger } from "../../util/log.js";
import { mailboxName, parseImapUrl, type ImapAccount } from "./account.js";
import { runCliPass } from "./cli-pass.js";
import { ImapSource } from "./connection.js";
import type { ImapContext, ImapIntakeOptions, MailboxStatus } from "./context.js";
import { ImapPass } from "./pass.js";
import { ImapPoller } from "./poller.js";

export type { ImapIntakeHooks, ImapIntakeOptions } from "./context.js";
export type RunOnceResult = PassReport;

export class ImapIntake implements IntakeSource {
  readonly account: ImapAccount;
  private mailboxId: number | null = null;
  private readonly lease: MailboxLease;
  private readonly ctx: ImapContext;
  private readonly imapPass: ImapPass;
  private readonly poller: ImapPoller;

  private constructor(
    private readonly opts: ImapIntakeOptions,
    account: ImapAccount,
  ) {
    this.account = account;
    const name = mailboxName(account);
    const log = asLogger(opts.log).child({ mailbox: name });
    this.lease = new MailboxLease(opts.db, () => this.mailbox(), opts.config.imap.leaseSeconds, opts.owner, (l) => log.warn(`imap ${name}: ${l}`));
    this.ctx = {
      opts,
      account,
      name,
      lease: this.lease,
      log,
      mailbox: () => this.mailbox(),
      status: (data) => this.status(data),
      newSource: () => this.newSource(),
      stopping: () => this.poller.stopping,
    };
    this.imapPass = new ImapPass(this.ctx);
    this.poller = new ImapPoller(this.ctx, this.imapPass);
    opts.pipeline.warm();
  }

  /** An intake for `opts.url`, or the reason the URL is unusable. */
  static create(opts: ImapIntakeOptions): { ok: true; intake: ImapIntake } | { ok: false; error: string } {
    const parsed = parseImapUrl(opts.url);
    if (!parsed.ok) return parsed;
    return { ok: true, intake: new ImapIntake(opts, parsed.account) };
  }

  get name(): string {
    return this.ctx.name;
  }

  get owner(): string {
    return this.lease.owner;
  }

  async mailbox(): Promise<number> {
    if (this.mailboxId != null) return this.mailboxId;
    const name = this.name;
    const row = await this.opts.db.mailbox.upsert({ where: { name }, create: { name, kind: "imap" }, update: {} });
    return (this.mailboxId = row.id);
  }

  /** Takes or renews the lease; on refusal says who holds it. */
  tryLease(): Promise<{ ok: true } | { ok: false; owner: string | null }> {
    return this.lease.take();
  }

  releaseLease(): Promise<void> {
    return this.lease.release();
  }

  private newSource(): ImapSource {
    const cfg = this.opts.config.imap;
    return new ImapSource(this.account, { folders: cfg.folders, log: (l) => this.ctx.log.warn(`${this.name}: ${l}`), maxIdleMs: cfg.idleMs, onFetchMessage: this.opts.hooks?.onFetchMessage });
  }

  private async status(data: MailboxStatus): Promise<void> {
    await this.opts.db.mailbox.update({ where: { id: await this.mailbox() }, data });
  }

  /** One complete pass (`gateway ingest --imap … --once`); see cli-pass.ts. */
  runOnce(onResult?: (r: IngestResult) => void, attempts = 4): Promise<RunOnceResult> {
    return runCliPass(this.ctx, this.imapPass, onResult, attempts);
  }

  pass(onResult?: (r: IngestResult) => void): Promise<PassReport> {
    return this.runOnce(onResult);
  }

  /** Starts polling in the background (serve); see poller.ts. */
  start(onResult?: (r: IngestResult) => void, afterPass?: (results: IngestResult[]) => Promise<void>): void {
    this.poller.start(onResult, afterPass);
  }

  pollNow(timeoutMs?: number): Promise<void> {
    return this.poller.pollNow(timeoutMs);
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }
}
