// Sign-in throttling that holds under concurrency and across gateway processes: each attempt is
// counted by one atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING) *before* the password
// is checked, and released again when the password was right. Forty parallel attempts therefore
// see forty distinct counts, and only those under the limit go on to the password check.
//
// Windows of an hour, weighted like a sliding window (the previous hour counts for the part of it
// that still lies within the last 60 minutes), so that a burst across the hour boundary does not
// get twice the limit. ASVS 2.2.1: at most 100 failed attempts an hour on one account.
import type { Db } from "../db/client.js";

const HOUR_MS = 3_600_000;

export interface Reservation {
  key: string;
  window: number;
  /** Over the limit: the attempt must be refused without checking the password. */
  over: boolean;
  /** The first refused attempt of this episode (audited once, not for every attempt of a flood). */
  firstRefusal: boolean;
  /** When the next attempt will be under the limit again. */
  retryAt: Date;
}

export async function reserveAttempt(db: Db, key: string, limit: number, now = new Date()): Promise<Reservation> {
  const t = now.getTime();
  const window = Math.floor(t / HOUR_MS);
  const [cur] = await db.$queryRawUnsafe<Array<{ failures: number | bigint }>>(
    `INSERT INTO "SignInThrottle" ("key", "window", "failures") VALUES (?, ?, 1) ON CONFLICT ("key", "window") DO UPDATE SET "failures" = "failures" + 1 RETURNING "failures"`,
    key,
    window,
  );
  const [prevRow] = await db.$queryRawUnsafe<Array<{ failures: number | bigint }>>(`SELECT "failures" FROM "SignInThrottle" WHERE "key" = ? AND "window" = ?`, key, window - 1);
  const count = Number(cur!.failures);
  const prev = Number(prevRow?.failures ?? 0);
  const elapsed = (t - window * HOUR_MS) / HOUR_MS;
  const weighted = (n: number) => n + prev * (1 - elapsed);
  const over = weighted(count) > limit;
  // When `count` alone is within the limit, the previous hour's share must fade; otherwise this
  // hour's attempts must slide out during the next hour.
  const retryAt =
    count <= limit
      ? new Date(window * HOUR_MS + HOUR_MS * Math.min(1, 1 - (limit - count) / Math.max(prev, 1)))
      : new Date((window + 1) * HOUR_MS + HOUR_MS * (1 - limit / count));
  return { key, window, over, firstRefusal: over && weighted(count - 1) <= limit, retryAt };
}

/** A right password: the attempt was no failure. */
export async function releaseAttempt(db: Db, r: Reservation): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE "SignInThrottle" SET "failures" = "failures" - 1 WHERE "key" = ? AND "window" = ? AND "failures" > 0`, r.key, r.window);
}

/** Counters older than the sliding window are of no use; called from housekeeping. */
export async function pruneThrottle(db: Db, now = new Date()): Promise<number> {
  return db.$executeRawUnsafe(`DELETE FROM "SignInThrottle" WHERE "window" < ?`, Math.floor(now.getTime() / HOUR_MS) - 1);
}
