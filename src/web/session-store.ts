// express-session store in the gateway's own SQLite database, so sessions survive a restart
// and need no extra server. Only signed-in sessions are stored, each with its user's id in a
// column of its own: ending a user's sessions deletes by that column (never by searching the
// JSON, where user 1 would match users 10–19 and 100). A session that was ended is not brought
// back by a request of it that was still under way: only a session signed in moments ago may be
// created, any other is only updated.
import session from "express-session";
import type { Db } from "../db/client.js";

/** The idle timeout is kept to within this much; touching on every request would be a write per page view. */
const TOUCH_EVERY_MS = 60_000;
/** A session is created at the end of its sign-in request; one signed in longer ago than this was ended. */
const NEW_SESSION_MS = 60_000;

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
    const userId = sess.userId;
    if (userId == null) return void cb?.(); // nobody signed in: nothing to keep
    const data = JSON.stringify(sess);
    const expiresAt = this.expiry(sess);
    const fresh = Date.now() - (sess.signedInAt ?? 0) < NEW_SESSION_MS;
    this.db.session
      .updateMany({ where: { sid, userId }, data: { data, expiresAt } })
      .then(async (r) => {
        if (r.count === 0 && fresh) await this.db.session.create({ data: { sid, userId, data, expiresAt } });
      })
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
