// Sign-in (Art. 8; 等保 2.0 身份鉴别: 登录失败处理). Every attempt is counted before its password is
// checked — by the client's address, by the gateway as a whole, and by the account, each in one
// atomic statement — so that attempts in parallel cannot slip past the limits. An unknown user, a
// wrong password and a locked account get the same message, the same status and the same argon2
// work, so that none of them tells which usernames exist. Every attempt is audited.
import argon2 from "argon2";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import { sqliteDate } from "../db/sqlite-date.js";
import { audit } from "../audit/audit.js";
import { GatewayError } from "../domain/errors.js";
import { formatClock, formatDateTime } from "../domain/time.js";
import { reserveAttempt, releaseAttempt, type Reservation } from "./throttle.js";
import { requiresSecondFactor, type SecondFactor } from "./second-factor.js";
import type { Grant } from "../domain/roles.js";

// Spent on unknown users and locked accounts too, so timing does not tell them apart.
const DUMMY_HASH = "$argon2id$v=19$m=65536,p=4,t=3$BHcGbOJQYfgUiAwiOKhjEQ$UkNrOtJ3y7LYCPw2BZDxUzsLrhhaCv/4ddvZFxPuPqQ";

/** The one message for every refused sign-in of an account, whatever the reason. */
export function badCredentialsMessage(config: Pick<Config, "lockoutThreshold" | "lockoutMinutes">): string {
  return `用户名或密码错误，或账号已被暂时锁定（连续输错 ${config.lockoutThreshold} 次锁定 ${config.lockoutMinutes} 分钟）。如需解锁，请联系系统管理员。`;
}

export interface SignInResult {
  userId: number;
  username: string;
  /** The password is one-time or older than PASSWORD_MAX_AGE_DAYS. */
  mustChangePassword: boolean;
  /** The password was right; a code from the authenticator must follow (completeSecondFactor). */
  secondFactor: boolean;
  /** An administrator without a second factor: must set one up before anything else. */
  mustEnrolSecondFactor: boolean;
}

const normaliseUsername = (u: string) => u.trim().toLowerCase().slice(0, 64);

/**
 * Counts this attempt on the account, unless it is locked: one conditional UPDATE, so that of many
 * attempts in parallel exactly LOCKOUT_THRESHOLD get through before the lock. Null: locked.
 */
async function countOnAccount(db: Db, userId: number, config: Config, now: Date): Promise<{ failed: number; lockedUntil: Date | null } | null> {
  const at = sqliteDate(now);
  const until = sqliteDate(new Date(now.getTime() + config.lockoutMinutes * 60_000));
  // A lock that has run out starts a new count (SET expressions all see the row as it was).
  const [row] = await db.$queryRawUnsafe<Array<{ failedLogins: number | bigint; lockedUntil: string | Date | null }>>(
    `UPDATE "User"
        SET "failedLogins" = CASE WHEN "lockedUntil" IS NOT NULL AND "lockedUntil" <= ? THEN 1 ELSE "failedLogins" + 1 END,
            "lockedUntil" = CASE WHEN (CASE WHEN "lockedUntil" IS NOT NULL AND "lockedUntil" <= ? THEN 1 ELSE "failedLogins" + 1 END) >= ? THEN ? ELSE NULL END
      WHERE "id" = ? AND ("lockedUntil" IS NULL OR "lockedUntil" <= ?)
      RETURNING "failedLogins", "lockedUntil"`,
    at,
    at,
    config.lockoutThreshold,
    until,
    userId,
    at,
  );
  if (!row) return null;
  return { failed: Number(row.failedLogins), lockedUntil: row.lockedUntil ? new Date(row.lockedUntil) : null };
}

export async function signIn(db: Db, config: Config, username: string, password: string, ip: string): Promise<SignInResult> {
  const now = new Date();
  const name = normaliseUsername(username);
  const refused = () => new GatewayError("BAD_CREDENTIALS", badCredentialsMessage(config));
  const log = (action: string, detail: Record<string, unknown>, user?: { id: number; username: string }) =>
    db.$transaction((tx) => audit(tx, { actor: user ? `user:${user.username}` : `anonymous:${name.slice(0, 40)}`, action, entityType: user ? "user" : undefined, entityId: user?.id, ip, detail }));

  // The client's address first, so that one address's flood does not use up the gateway's limit.
  const held: Reservation[] = [];
  for (const [scope, key, limit] of [
    ["address", `address:${ip || "unknown"}`, config.throttle.addressPerHour],
    ["all", "all", config.throttle.globalPerHour],
  ] as const) {
    const r = await reserveAttempt(db, key, limit, now);
    if (r.over) {
      if (r.firstRefusal) await log("auth.throttled", { scope, limitPerHour: limit, until: r.retryAt.toISOString() });
      throw new GatewayError("THROTTLED", `登录尝试过于频繁，请于 ${formatClock(r.retryAt)}（北京时间）后再试`);
    }
    held.push(r);
  }

  const user = await db.user.findUnique({ where: { username: name } });
  if (!user || user.disabled) {
    await argon2.verify(DUMMY_HASH, password).catch(() => false); // only spends the time a real check takes
    await log("auth.login_failed", { reason: user ? "disabled" : "unknown_user" });
    throw refused();
  }

  const counted = await countOnAccount(db, user.id, config, now);
  const hourly = counted ? await reserveAttempt(db, `account:${user.id}`, config.throttle.accountPerHour, now) : null;
  if (!counted || !hourly || hourly.over) {
    await argon2.verify(DUMMY_HASH, password).catch(() => false); // only spends the time a real check takes
    const until = counted ? hourly?.retryAt : (await db.user.findUnique({ where: { id: user.id }, select: { lockedUntil: true } }))?.lockedUntil;
    await log("auth.login_locked", { reason: counted ? "account_hourly_limit" : "locked", until: until ? formatDateTime(until) : null }, user);
    throw refused();
  }
  held.push(hourly);

  // A hash argon2 cannot read refuses the sign-in, counted and audited below like a wrong password.
  const ok = await argon2.verify(user.passwordHash, password).catch(() => false);
  if (!ok) {
    const lockedNow = counted.lockedUntil != null;
    await log(lockedNow ? "auth.locked" : "auth.login_failed", { reason: "bad_password", failed: counted.failed, ...(lockedNow ? { until: formatDateTime(counted.lockedUntil!) } : {}) }, user);
    throw refused();
  }

  // The right password: this attempt was no failure after all.
  for (const r of held) await releaseAttempt(db, r);
  const expired = user.mustChangePassword || now.getTime() - user.passwordChangedAt.getTime() > config.passwordMaxAgeDays * 86_400_000;
  const grants = await db.roleGrant.findMany({ where: { userId: user.id } });
  const base = { userId: user.id, username: user.username, mustChangePassword: expired, mustEnrolSecondFactor: requiresSecondFactor(grants as Grant[]) && !user.totpEnabledAt };
  if (user.totpEnabledAt) {
    // Half way: the account's count of failures stays until the code is right too, so that
    // someone who has the password gets no more guesses at the code than at the password.
    await log("auth.password_ok", { secondFactor: "pending" }, user);
    return { ...base, secondFactor: true };
  }
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now } });
    await audit(tx, { actor: `user:${user.username}`, action: "auth.login", entityType: "user", entityId: user.id, ip });
  });
  return { ...base, secondFactor: false };
}

/**
 * The second step of a sign-in whose password was right: a TOTP code or a recovery code, counted
 * and limited like a password (the address, the account's lockout and hourly limit).
 */
export async function completeSecondFactor(db: Db, config: Config, factor: SecondFactor, userId: number, code: string, ip: string): Promise<SignInResult> {
  const now = new Date();
  const address = await reserveAttempt(db, `address:${ip || "unknown"}`, config.throttle.addressPerHour, now);
  if (address.over) throw new GatewayError("THROTTLED", `登录尝试过于频繁，请于 ${formatClock(address.retryAt)}（北京时间）后再试`);
  const user = await db.user.findUnique({ where: { id: userId }, include: { grants: true } });
  if (!user || user.disabled || !user.totpEnabledAt) throw new GatewayError("BAD_CREDENTIALS", badCredentialsMessage(config));
  const log = (action: string, detail: Record<string, unknown>) => db.$transaction((tx) => audit(tx, { actor: `user:${user.username}`, action, entityType: "user", entityId: user.id, ip, detail }));
  const counted = await countOnAccount(db, user.id, config, now);
  const hourly = counted ? await reserveAttempt(db, `account:${user.id}`, config.throttle.accountPerHour, now) : null;
  if (!counted || !hourly || hourly.over) {
    await log("auth.login_locked", { reason: counted ? "account_hourly_limit" : "locked", step: "second_factor" });
    throw new GatewayError("BAD_CREDENTIALS", badCredentialsMessage(config));
  }
  const how = await factor.check(user.id, code);
  if (!how) {
    await log(counted.lockedUntil ? "auth.locked" : "auth.second_factor_failed", { failed: counted.failed });
    throw new GatewayError("BAD_CREDENTIALS", "验证码不正确或已使用过：请输入验证器当前显示的 6 位数字，或一个未用过的恢复码");
  }
  for (const r of [address, hourly]) await releaseAttempt(db, r);
  const left = how === "recovery" ? await db.recoveryCode.count({ where: { userId: user.id, usedAt: null } }) : undefined;
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now } });
    await audit(tx, { actor: `user:${user.username}`, action: "auth.login", entityType: "user", entityId: user.id, ip, detail: { secondFactor: how, ...(left != null ? { recoveryCodesLeft: left } : {}) } });
  });
  const expired = user.mustChangePassword || now.getTime() - user.passwordChangedAt.getTime() > config.passwordMaxAgeDays * 86_400_000;
  return { userId: user.id, username: user.username, mustChangePassword: expired, secondFactor: false, mustEnrolSecondFactor: false };
}
