// `gateway serve`'s poller for one IMAP mailbox: holds the lease (standing by while another
// process holds it), keeps one connection, runs a pass on IDLE news and at every reconcile
// interval, backs off after a failure, and stops within a grace period.
import type { IngestResult } from "../../pipeline/contracts.js";
import { LeaseLost } from "../lease.js";
import { logged } from "../../util/log.js";
import { backoffMs } from "./backoff.js";
import type { ImapSource } from "./connection.js";
import type { ImapContext } from "./context.js";
import { describeError } from "./errors.js";
import type { ImapPass } from "./pass.js";

/** How long `stop()` lets the batch in hand finish its commit and MOVE before cutting the connection. */
const STOP_GRACE_MS = 15_000;

export class ImapPoller {
  private loop: Promise<void> | null = null;
  /** Read by the pass between batches (ImapContext.stopping). */
  stopping = false;
  private wake: (() => void) | null = null;
  private pending = false;
  private source: ImapSource | null = null;
  private passDone: Array<() => void> = [];

  constructor(
    private readonly ctx: ImapContext,
    private readonly pass: ImapPass,
  ) {}

  /** Starts polling in the background: IDLE for speed, a full pass every reconcile interval. */
  start(onResult?: (r: IngestResult) => void, afterPass?: (results: IngestResult[]) => Promise<void>): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.pollLoop(onResult, afterPass).catch((err) => this.ctx.log.error({ err }, `imap ${this.ctx.name}: poller stopped: ${describeError(err)}`));
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
    if (!ended) await this.source?.close().catch(logged(this.ctx.log, "IMAP connection did not close cleanly at stop", "debug"));
    await this.loop;
    this.loop = null;
    for (const r of this.passDone.splice(0)) r();
  }

  private async pollLoop(onResult?: (r: IngestResult) => void, afterPass?: (results: IngestResult[]) => Promise<void>): Promise<void> {
    const { ctx } = this;
    const cfg = ctx.opts.config.imap;
    let failures = 0;
    while (!this.stopping) {
      const lease = await ctx.lease.take().catch((err) => ({ ok: false as const, owner: `（${describeError(err)}）` }));
      if (!lease.ok) {
        // Another gateway process polls this mailbox: stand by, and take over if it stops.
        await this.waitFor(Math.max(1000, (cfg.leaseSeconds * 1000) / 2));
        this.pending = false;
        continue;
      }
      const src = (this.source = ctx.newSource());
      src.onNewMail = () => this.trigger();
      src.onClose = () => this.wake?.();
      try {
        await src.connect();
        const reconcileMs = src.supportsIdle ? cfg.reconcileMs : Math.min(cfg.reconcileMs, ctx.opts.config.pollIntervalMs);
        let lastPass = 0;
        this.pending = true; // a full pass right after connecting
        while (!this.stopping) {
          if (this.pending || Date.now() - lastPass >= reconcileMs) {
            this.pending = false;
            const waiting = this.passDone.splice(0);
            let r: { results: IngestResult[]; moved: number };
            try {
              r = await this.pass.run(src, onResult);
            } finally {
              for (const w of waiting) w();
            }
            lastPass = Date.now();
            failures = 0;
            if (afterPass) await afterPass(r.results).catch((err) => ctx.log.warn({ err }, `imap ${ctx.name}: after pass: ${describeError(err)}`));
          }
          // Wake for new mail, the next reconciliation, or the lease renewal, whichever is first.
          await this.waitFor(Math.min(reconcileMs - (Date.now() - lastPass), (cfg.leaseSeconds * 1000) / 3));
          if (this.stopping) break;
          if (!src.usable) throw new Error("IMAP 连接已断开");
          await ctx.lease.renew();
        }
      } catch (err) {
        if (this.stopping) break;
        const message = describeError(err);
        ctx.log.warn({ failures: failures + 1 }, `imap ${ctx.name}: ${message}`);
        await ctx.status({ connected: false, lastError: message }).catch(logged(ctx.log, "mailbox status not recorded"));
        if (!(err instanceof LeaseLost)) {
          const until = Date.now() + backoffMs(cfg, failures++, err);
          await src.close().catch(logged(ctx.log, "IMAP connection did not close cleanly", "debug"));
          // New-mail triggers do not cut the back-off short (the server needs the rest); stop does.
          while (!this.stopping && Date.now() < until) {
            this.pending = false;
            await this.waitFor(until - Date.now());
          }
        }
      } finally {
        await src.close().catch(logged(ctx.log, "IMAP connection did not close cleanly", "debug"));
        this.source = null;
      }
    }
    await ctx.status({ connected: false }).catch(logged(ctx.log, "mailbox status not recorded"));
    await ctx.lease.release().catch(logged(ctx.log, "lease not released (it expires by itself)"));
  }
}
