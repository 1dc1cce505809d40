// Sign-in with lockout (Art. 8, 等保 level 2). Every attempt is audited; the failure message is
// the same for an unknown user and a wrong password.
import argon2 from "argon2";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import { audit } from "../audit/audit.js";
import { GatewayError } from "../domain/errors.js";
import { hashPassword, passwordProblem } from "./users.js";

// Spent on unknown users too, so timing does not tell which usernames exist.
const DUMMY_HASH = "$argon2id$v=19$m=65536,p=4,t=3$BHcGbOJQYfgUiAwiOKhjEQ$UkNrOtJ3y7LYCPw2BZDxUzsLrhhaCv/4ddvZFxPuPqQ";

export async function signIn(db: Db, config: Config, username: string, password: string, ip: string) {
  const user = await db.user.findUnique({ where: { username: username.trim() } });
  const now = new Date();
  if (!user || user.disabled) {
    await argon2.verify(DUMMY_HASH, password).catch(() => false);
    await db.$transaction((tx) => audit(tx, { actor: `anonymous:${username.slice(0, 40)}`, action: "auth.login_failed", ip, detail: { reason: "unknown_user" } }));
    throw new GatewayError("BAD_CREDENTIALS");
  }
  if (user.lockedUntil && user.lockedUntil > now) {
    await db.$transaction((tx) => audit(tx, { actor: `user:${user.username}`, action: "auth.login_locked", entityType: "user", entityId: user.id, ip }));
    throw new GatewayError("LOCKED", `账号因多次密码错误已锁定，请于 ${user.lockedUntil.toLocaleTimeString("zh-CN", { hour12: false })} 后再试或联系信息中心`);
  }
  const ok = await argon2.verify(user.passwordHash, password).catch(() => false);
  if (!ok) {
    const failed = user.failedLogins + 1;
    const lock = failed >= config.lockoutThreshold;
    await db.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: user.id },
        data: { failedLogins: lock ? 0 : failed, lockedUntil: lock ? new Date(now.getTime() + config.lockoutMinutes * 60_000) : user.lockedUntil },
      });
      await audit(tx, { actor: `user:${user.username}`, action: lock ? "auth.locked" : "auth.login_failed", entityType: "user", entityId: user.id, ip, detail: { failed } });
    });
    if (lock) throw new GatewayError("LOCKED", `密码连续错误 ${failed} 次，账号已锁定 ${config.lockoutMinutes} 分钟`);
    throw new GatewayError("BAD_CREDENTIALS");
  }
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now } });
    await audit(tx, { actor: `user:${user.username}`, action: "auth.login", entityType: "user", entityId: user.id, ip });
  });
  const expired = user.mustChangePassword || now.getTime() - user.passwordChangedAt.getTime() > config.passwordMaxAgeDays * 86_400_000;
  return { userId: user.id, mustChangePassword: expired };
}

export async function changePassword(db: Db, userId: number, current: string, next: string, ip: string) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  if (!(await argon2.verify(user.passwordHash, current).catch(() => false))) throw new GatewayError("BAD_CREDENTIALS", "当前密码不正确");
  const problem = passwordProblem(next);
  if (problem) throw new GatewayError("VALIDATION", problem);
  if (await argon2.verify(user.passwordHash, next).catch(() => false)) throw new GatewayError("VALIDATION", "新密码不能与当前密码相同");
  const passwordHash = await hashPassword(next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordChangedAt: new Date(), mustChangePassword: false } });
    await audit(tx, { actor: `user:${user.username}`, action: "auth.password_changed", entityType: "user", entityId: userId, ip });
  });
}
