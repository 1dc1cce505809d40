// The second sign-in factor (等保 2.0 level 3: two factors, one of them cryptographic): TOTP
// (RFC 6238, otplib) with one-time recovery codes. Required for the three administrators of
// 三员分立, optional for everyone else (approvers are encouraged to turn it on).
//
// Secrets are sealed with AES-256-GCM under a key derived from the audit key (outside the
// database), so a copy of the database alone yields no authenticator. A code is accepted once:
// the accepted 30-second step is recorded with a conditional update (RFC 6238 §5.2), so a code
// seen over a shoulder or in a proxy log cannot be replayed, not even by two requests at once.
// Recovery codes are stored as HMACs (50 random bits each: a slow hash would buy nothing and cost
// a second per attempt) and used at most once, also by a conditional update.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { generateSecret, generateURI, verifySync } from "otplib";
import QRCode from "qrcode";
import type { Db } from "../db/client.js";
import { audit } from "../audit/audit.js";
import { auditKeyFor } from "../audit/key.js";
import { GatewayError } from "../domain/errors.js";
import { ADMINISTRATOR_ROLES, type Grant } from "../domain/roles.js";

export const TOTP_ISSUER = "河北省编办信息报送网关";
const RECOVERY_CODES = 10;

/** A TOTP code against a secret, ±1 step for clock drift: the step it belongs to, or null. */
function totpStep(secret: string, token: string): number | null {
  const r = verifySync({ secret, token, epochTolerance: 30 });
  return r.valid ? (r as { timeStep: number }).timeStep : null;
}

/** Administrators must have a second factor; anyone else may. */
export const requiresSecondFactor = (grants: readonly Pick<Grant, "role">[]): boolean => grants.some((g) => ADMINISTRATOR_ROLES.includes(g.role));

/** Keys for sealing secrets and hashing recovery codes, derived from the database's audit key. */
export function secondFactorKeys(dbFile: string): { seal: Buffer; codes: Buffer } {
  const base = auditKeyFor(dbFile);
  return {
    seal: Buffer.from(hkdfSync("sha256", base, Buffer.alloc(0), "gateway second factor: seal TOTP secrets", 32)),
    codes: Buffer.from(hkdfSync("sha256", base, Buffer.alloc(0), "gateway second factor: recovery codes", 32)),
  };
}

function seal(key: Buffer, secret: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([c.update(secret, "utf8"), c.final()]);
  return `v1:${Buffer.concat([iv, c.getAuthTag(), body]).toString("base64")}`;
}

function unseal(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed.replace(/^v1:/, ""), "base64");
  const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
}

const codeHash = (key: Buffer, code: string) => createHmac("sha256", key).update(code.toLowerCase().replace(/[^a-z0-9]/g, "")).digest("hex");

function newRecoveryCodes(): string[] {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  return Array.from({ length: RECOVERY_CODES }, () => {
    const s = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join("");
    return `${s.slice(0, 5)}-${s.slice(5)}`;
  });
}

export interface Enrolment {
  secret: string;
  uri: string;
  qrDataUrl: string;
}

export class SecondFactor {
  private readonly keys: { seal: Buffer; codes: Buffer };
  constructor(
    private readonly db: Db,
    dbFile: string,
  ) {
    this.keys = secondFactorKeys(dbFile);
  }

  async status(userId: number) {
    const u = await this.db.user.findUniqueOrThrow({ where: { id: userId }, include: { grants: true, recoveryCodes: { where: { usedAt: null } } } });
    return { enabled: u.totpEnabledAt != null, enabledAt: u.totpEnabledAt, required: requiresSecondFactor(u.grants as Grant[]), recoveryCodesLeft: u.recoveryCodes.length };
  }

  /** A new secret, pending until a first code confirms it (an existing factor stays in force until then). */
  async begin(userId: number): Promise<Enrolment> {
    const u = await this.db.user.findUniqueOrThrow({ where: { id: userId } });
    const secret = generateSecret();
    const uri = generateURI({ issuer: TOTP_ISSUER, label: u.username, secret });
    await this.db.user.update({ where: { id: userId }, data: { totpPending: seal(this.keys.seal, secret) } });
    return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
  }

  /** The first code from the authenticator: the factor is in force, and the recovery codes are shown once. */
  async confirm(userId: number, code: string, ip?: string): Promise<string[]> {
    const u = await this.db.user.findUniqueOrThrow({ where: { id: userId } });
    if (!u.totpPending) throw new GatewayError("VALIDATION", "请先点击「开始设置」并扫描二维码");
    const secret = unseal(this.keys.seal, u.totpPending);
    const step = totpStep(secret, code.replace(/\s/g, ""));
    if (step == null) throw new GatewayError("VALIDATION", "「验证码」不正确：请输入验证器当前显示的 6 位数字（并检查手机时间是否准确）");
    const codes = newRecoveryCodes();
    await this.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { totpSecret: u.totpPending, totpPending: null, totpEnabledAt: new Date(), totpLastStep: step } });
      await tx.recoveryCode.deleteMany({ where: { userId } });
      await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: codeHash(this.keys.codes, c) })) });
      await audit(tx, { actor: `user:${u.username}`, action: u.totpEnabledAt ? "auth.second_factor_replaced" : "auth.second_factor_enabled", entityType: "user", entityId: userId, ip, detail: { recoveryCodes: codes.length } });
    });
    return codes;
  }

  /**
   * Checks a code at sign-in: a TOTP code not used before, or an unused recovery code. Returns how
   * the user proved it, or null.
   */
  async check(userId: number, code: string): Promise<"totp" | "recovery" | null> {
    const u = await this.db.user.findUnique({ where: { id: userId } });
    if (!u?.totpSecret) return null;
    const token = code.replace(/\s/g, "");
    if (/^\d{6}$/.test(token)) {
      const step = totpStep(unseal(this.keys.seal, u.totpSecret), token);
      if (step == null) return null;
      // Once only: the step must be later than the last one accepted.
      const n = await this.db.$executeRawUnsafe(`UPDATE "User" SET "totpLastStep" = ? WHERE "id" = ? AND ("totpLastStep" IS NULL OR "totpLastStep" < ?)`, step, userId, step);
      return n === 1 ? "totp" : null;
    }
    const used = await this.db.recoveryCode.updateMany({ where: { userId, codeHash: codeHash(this.keys.codes, token), usedAt: null }, data: { usedAt: new Date() } });
    return used.count === 1 ? "recovery" : null;
  }

  /** Turned off by the user with a current code — not for administrators, who must keep it. */
  async disable(userId: number, code: string, ip?: string): Promise<void> {
    const s = await this.status(userId);
    if (s.required) throw new GatewayError("FORBIDDEN", "管理员账号必须使用双因素登录，不能关闭");
    if (!(await this.check(userId, code))) throw new GatewayError("VALIDATION", "「验证码」不正确或已使用过");
    await this.clear(userId, { actor: "self", ip });
  }

  /** Removes the factor (lost phone): the user sets it up again; administrators must, at their next sign-in. */
  async clear(userId: number, by: { actor: string; ip?: string }): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const u = await tx.user.update({ where: { id: userId }, data: { totpSecret: null, totpPending: null, totpEnabledAt: null, totpLastStep: null } });
      await tx.recoveryCode.deleteMany({ where: { userId } });
      if (by.actor !== "self") await tx.session.deleteMany({ where: { userId } }); // whoever has the phone is signed out
      await audit(tx, { actor: by.actor === "self" ? `user:${u.username}` : by.actor, action: "auth.second_factor_removed", entityType: "user", entityId: userId, ip: by.ip, detail: { username: u.username } });
    });
  }
}
