// `gateway ingest --imap … --once`: one complete pass, reconnecting with back-off when the
// connection fails, up to `attempts` times. Refuses when another process holds the lease.
import type { IngestResult } from "../../pipeline/contracts.js";
import type { PassReport } from "../contract.js";
import { LeaseLost } from "../lease.js";
import { logged } from "../../util/log.js";
import type { ImapContext } from "./context.js";
import { backoffMs, sleep } from "./backoff.js";
import { describeError, isAuthFailure } from "./errors.js";
import type { ImapPass } from "./pass.js";

export async function runCliPass(ctx: ImapContext, pass: ImapPass, onResult?: (r: IngestResult) => void, attempts = 4): Promise<PassReport> {
  const results: IngestResult[] = [];
  const lease = await ctx.lease.take();
  if (!lease.ok) return { ok: false, reason: "busy", owner: lease.owner, results };
  let moved = 0;
  let lastError = "";
  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const src = ctx.newSource();
      try {
        await src.connect();
        const r = await pass.run(src, (x) => {
          results.push(x);
          onResult?.(x);
        });
        moved += r.moved;
        await src.close();
        await ctx.status({ connected: false });
        return { ok: true, results, moved };
      } catch (err) {
        await src.close().catch(logged(ctx.log, "IMAP connection did not close cleanly after the failure", "debug"));
        lastError = describeError(err);
        await ctx.status({ connected: false, lastError }).catch(logged(ctx.log, "mailbox status not recorded"));
        if (err instanceof LeaseLost) break;
        ctx.log.warn({ attempt: attempt + 1, of: attempts }, `imap ${ctx.name}: ${lastError}`);
        if (isAuthFailure(err)) break;
        if (attempt + 1 < attempts) await sleep(backoffMs(ctx.opts.config.imap, attempt, err));
      }
    }
    return { ok: false, reason: "error", error: lastError, results };
  } finally {
    await ctx.lease.release().catch(logged(ctx.log, "lease not released (it expires by itself)"));
  }
}
