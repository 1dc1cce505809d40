// Changing and resetting passwords. Either ends the user's other sessions in the same transaction
// (Art. 8: a password that may have leaked stops working everywhere at once): a change keeps only
// the session it was made in, a reset by the system administrator ends them all.
import argon2 from "argon2";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import { audit } from "../audit/audit.js";
import { GatewayError } from "../domain/errors.js";
import { passwordProblem } from "./passwords.js";
import { reserveAttempt } from "./throttle.js";
import { hashPassword } from "./users.js";

export async function changePassword(db: Db, config: Config, userId: number, current: string, next: string, ip: string, keepSessionId: string | null): Promise<void> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  // A stolen session must not become a way to guess the password: the account's hourly limit applies.
  const r = await reserveAttempt(db, `account:${user.id}`, config.throttle.accountPerHour);
  // An unreadable hash counts as a wrong password: refused, audited below.
  if (r.over || !(await argon2.verify(user.passwordHash, current).catch(() => false))) {
    await db.$transaction((tx) => audit(tx, { actor: `user:${user.username}`, action: "auth.password_change_failed", entityType: "user", entityId: userId, ip, detail: { reason: r.over ? "hourly_limit" : "bad_password" } }));
    throw new GatewayError("BAD_CREDENTIALS", r.over ? "尝试次数过多，请稍后再试" : "当前密码不正确");
  }
  const problem = passwordProblem(next, user.username, config.passwordPolicy);
  if (problem) throw new GatewayError("VALIDATION", `新密码：${problem}`);
  if (await argon2.verify(user.passwordHash, next).catch(() => false /* unreadable hash: not the same password */)) throw new GatewayError("VALIDATION", "新密码不能与当前密码相同");
  const passwordHash = await hashPassword(next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordChangedAt: new Date(), mustChangePassword: false } });
    const ended = await tx.session.deleteMany({ where: { userId, ...(keepSessionId ? { sid: { not: keepSessionId } } : {}) } });
    await audit(tx, { actor: `user:${user.username}`, action: "auth.password_changed", entityType: "user", entityId: userId, ip, detail: { otherSessionsEnded: ended.count } });
  });
}

/** Ends every session of exactly this user (by the session's userId column, never by its data). */
export async function endSessionsOf(tx: Pick<Db, "session">, userId: number): Promise<number> {
  return (await tx.session.deleteMany({ where: { userId } })).count;
}
