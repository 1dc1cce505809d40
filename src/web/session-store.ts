// express-session store in the gateway's own SQLite database, so sessions survive a restart
// and need no extra server.
import session from "express-session";
import type { Db } from "../db/client.js";

/** The idle timeout is kept to within this much; touching on every request would be a write per page view. */
const TOUCH_EVERY_MS = 60_000;

export class DbSessionStore extends session.Store {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly idleMs: number,
  ) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const exp = sess.cookie?.expires;
    return exp ? new Date(exp) : new Date(Date.now() + this.idleMs);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db.session
      .findUnique({ where: { sid } })
      .then((row) => {
        if (!row || row.expiresAt.getTime() < Date.now()) return cb(null, null);
        cb(null, JSON.parse(row.data) as session.SessionData);
      })
      .catch(cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const data = JSON.stringify(sess);
    const expiresAt = this.expiry(sess);
    this.db.session
      .upsert({ where: { sid }, create: { sid, data, expiresAt }, update: { data, expiresAt } })
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.touched.delete(sid);
    this.db.session
      .deleteMany({ where: { sid } })
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const now = Date.now();
    if (now - (this.touched.get(sid) ?? 0) < TOUCH_EVERY_MS) return void cb?.();
    this.touched.set(sid, now);
    if (this.touched.size > 10_000) this.touched.clear();
    this.db.session
      .updateMany({ where: { sid }, data: { expiresAt: this.expiry(sess) } })
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  /** Removes expired sessions; called from the housekeeping timer. */
  async prune(): Promise<number> {
    return (await this.db.session.deleteMany({ where: { expiresAt: { lt: new Date() } } })).count;
  }
}
