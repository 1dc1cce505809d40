// Accounts, roles and people, administered under 三员分立 (等保 2.0 安全管理中心):
// - the system administrator (系统管理员) creates, disables, unlocks accounts and resets passwords,
//   and grants nothing;
// - the security administrator (安全管理员) grants and withdraws roles — never their own — and keeps
//   the people of Attachments 1 and 2 with their divisions and registered addresses (the address
//   is what approve-by-reply trusts, so changing it is a security decision);
// - the audit administrator (审计管理员) reads and verifies the audit trail (audit/), nothing else.
// Each verb checks its role here, whatever the screen offered, and writes its audit row, with what
// was before and after, in the transaction of the change.
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { formatLongDateTime } from "../domain/time.js";
import { newMessageId, queueMail } from "../notify/outbox.js";
import { requestAddressChange } from "./addresses.js";
import { isApproverAccount, oneTimePasswordFor, PASSWORD_PLACEHOLDER } from "./one-time-password.js";
import { audit } from "../audit/audit.js";
import { GatewayError } from "../domain/errors.js";
import { ADMINISTRATOR_ROLES, grantsProblem, hasRole, isRole, Role, roleLabel, type Actor, type Grant, type Role as RoleName } from "../domain/roles.js";
import { normaliseAddress } from "../extract/mime.js";
import { endSessionsOf } from "./credentials.js";
import { hashPassword, randomPassword } from "./users.js";

const label = (a: Actor) => `user:${a.username}`;

function requireRole(actor: Actor, role: RoleName): void {
  if (!hasRole(actor, role)) throw new GatewayError("FORBIDDEN", `仅${roleLabel[role]}可执行此操作`);
}

/** A registered address must be a plain, complete mailbox: approvals by reply are matched on it. */
const REGISTERED_ADDRESS = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const LEADER_RANKS = { deputy_director: "副主任", director: "主任" } as const;

export interface PersonInput {
  id: number | null;
  name: string;
  title: string;
  email: string;
  divisionId: number | null;
  leaderRank: string;
}

export class AccountAdministration {
  /** `onChanged`: cached actors and reference data are dropped after a change. */
  constructor(
    private readonly db: Db,
    private readonly onChanged: () => void = () => undefined,
    /** For mail to the person (one-time passwords of approvers, address confirmations). */
    private readonly config?: Config,
  ) {}

  /**
   * A new one-time password for the account, delivered so that the administrator never sees an
   * approver's (security review M3): mailed to the person's registered address. Other accounts'
   * passwords are shown once to the administrator, who hands them over.
   */
  private async oneTimePassword(tx: Tx, actor: Actor, userId: number, passwordHash: (pw: string) => Promise<string>) {
    if (!(await isApproverAccount(tx, userId))) return null;
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, include: { person: true } });
    const email = user.person?.email;
    if (!email || !this.config)
      throw new GatewayError("FORBIDDEN", `${user.displayName} 是审批人，一次性密码只发送到本人登记的邮箱；该人员尚无登记邮箱，请在服务器上用 gateway account reset-password ${user.username} 办理`);
    const messageId = newMessageId(this.config, "one_time_password");
    await tx.user.update({ where: { id: userId }, data: { passwordHash: await passwordHash(oneTimePasswordFor(this.config, messageId)) } });
    await queueMail(tx, this.config, {
      kind: "one_time_password",
      to: email,
      subject: "【账号】网关账号的一次性密码",
      template: "one_time_password",
      data: { name: user.person?.name ?? user.displayName, username: user.username, password: PASSWORD_PLACEHOLDER, byLabel: `系统管理员 ${actor.displayName}`, at: formatLongDateTime(new Date()) },
      messageId,
    });
    return email;
  }

  // ───────────── system administrator ─────────────

  /** A new account without roles; its one-time password is returned once and must be changed at first sign-in. */
  async createUser(actor: Actor, input: { username: string; displayName: string; personId: number | null }, ip?: string) {
    requireRole(actor, Role.systemAdmin);
    const username = input.username.trim().toLowerCase();
    if (!/^[a-z][a-z0-9._-]{2,31}$/.test(username)) throw new GatewayError("VALIDATION", "「用户名」须为 3–32 位小写字母、数字或 . _ -，以字母开头");
    const displayName = input.displayName.trim();
    if (!displayName) throw new GatewayError("VALIDATION", "「姓名」不能为空");
    if (await this.db.user.findUnique({ where: { username } })) throw new GatewayError("VALIDATION", `用户名 ${username} 已存在`);
    if (input.personId != null) {
      const person = await this.db.person.findUnique({ where: { id: input.personId }, include: { user: true } });
      if (!person) throw new GatewayError("VALIDATION", "「对应人员」不存在");
      if (person.user) throw new GatewayError("VALIDATION", `${person.name} 已有账号 ${person.user.username}`);
    }
    const password = randomPassword();
    const passwordHash = await hashPassword(password);
    const user = await this.db.$transaction(async (tx) => {
      const u = await tx.user.create({ data: { username, displayName, personId: input.personId, passwordHash, mustChangePassword: true } });
      const mailedTo = await this.oneTimePassword(tx, actor, u.id, hashPassword);
      await audit(tx, { actor: label(actor), action: "user.create", entityType: "user", entityId: u.id, ip, detail: { username, displayName, personId: input.personId, oneTimePassword: mailedTo ? `mailed to ${mailedTo}` : "shown to the administrator" } });
      return { u, mailedTo };
    });
    return { user: user.u, password: user.mailedTo ? null : password, mailedTo: user.mailedTo };
  }

  /** A new one-time password (shown once, or for an approver mailed to them: `mailedTo`); every session of the user ends. */
  async resetPassword(actor: Actor, userId: number, ip?: string): Promise<{ password: string | null; mailedTo: string | null }> {
    requireRole(actor, Role.systemAdmin);
    const password = randomPassword();
    const passwordHash = await hashPassword(password);
    const mailedTo = await this.db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) throw new GatewayError("NOT_FOUND", "账号不存在");
      await tx.user.update({ where: { id: userId }, data: { passwordHash, mustChangePassword: true, failedLogins: 0, lockedUntil: null } });
      const to = await this.oneTimePassword(tx, actor, userId, hashPassword);
      const ended = await endSessionsOf(tx, userId);
      await audit(tx, { actor: label(actor), action: "user.password_reset", entityType: "user", entityId: userId, ip, detail: { username: user.username, sessionsEnded: ended, oneTimePassword: to ? `mailed to ${to}` : "shown to the administrator" } });
      return to;
    });
    this.onChanged();
    return { password: mailedTo ? null : password, mailedTo };
  }

  /** Disabling ends every session of exactly this user. */
  async setDisabled(actor: Actor, userId: number, disabled: boolean, ip?: string): Promise<void> {
    requireRole(actor, Role.systemAdmin);
    if (userId === actor.userId && disabled) throw new GatewayError("VALIDATION", "不能停用自己的账号");
    await this.db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId }, include: { grants: true } });
      if (!user) throw new GatewayError("NOT_FOUND", "账号不存在");
      // 三员分立 needs all three duties filled: the last enabled holder of one cannot be disabled.
      if (disabled && !user.disabled)
        for (const r of ADMINISTRATOR_ROLES) {
          if (!user.grants.some((g) => g.role === r)) continue;
          const others = await tx.roleGrant.count({ where: { role: r, userId: { not: userId }, user: { disabled: false } } });
          if (others === 0) throw new GatewayError("VALIDATION", `${user.displayName} 是唯一启用的${roleLabel[r]}，停用后无人能履行此职责；请先由安全管理员授予另一人此角色`);
        }
      await tx.user.update({ where: { id: userId }, data: { disabled, lockedUntil: null, failedLogins: 0 } });
      const ended = await endSessionsOf(tx, userId);
      await audit(tx, { actor: label(actor), action: disabled ? "user.disable" : "user.enable", entityType: "user", entityId: userId, ip, detail: { username: user.username, sessionsEnded: ended } });
    });
    this.onChanged();
  }

  /** Lifts a lockout before it runs out (the user asked the system administrator in person). */
  async unlock(actor: Actor, userId: number, ip?: string): Promise<void> {
    requireRole(actor, Role.systemAdmin);
    await this.db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) throw new GatewayError("NOT_FOUND", "账号不存在");
      await tx.user.update({ where: { id: userId }, data: { lockedUntil: null, failedLogins: 0 } });
      await audit(tx, { actor: label(actor), action: "user.unlock", entityType: "user", entityId: userId, ip, detail: { username: user.username, lockedUntil: user.lockedUntil?.toISOString() ?? null } });
    });
  }

  // ───────────── security administrator ─────────────

  /** The roles of an account, replaced as a whole. Nobody changes their own; 三员 stay apart. */
  async setGrants(actor: Actor, userId: number, grants: Grant[], ip?: string): Promise<void> {
    requireRole(actor, Role.securityAdmin);
    if (userId === actor.userId) throw new GatewayError("FORBIDDEN", "不能修改自己的角色（须由另一位安全管理员办理）");
    for (const g of grants) if (!isRole(g.role)) throw new GatewayError("VALIDATION", "「角色」不是可选的值");
    const problem = grantsProblem(grants);
    if (problem) throw new GatewayError("VALIDATION", problem);
    const unique = [...new Map(grants.map((g) => [`${g.role}:${g.divisionId ?? ""}`, g])).values()];
    await this.db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) throw new GatewayError("NOT_FOUND", "账号不存在");
      if (unique.length && user.disabled) throw new GatewayError("VALIDATION", "已停用的账号不能授予角色");
      if (unique.some((g) => g.divisionId != null)) {
        const ids = [...new Set(unique.flatMap((g) => (g.divisionId != null ? [g.divisionId] : [])))];
        if ((await tx.division.count({ where: { id: { in: ids } } })) !== ids.length) throw new GatewayError("VALIDATION", "「处室」不存在");
      }
      const before = await tx.roleGrant.findMany({ where: { userId } });
      // The last holder of an administrator role cannot lose it: nobody could then grant it again.
      for (const r of ADMINISTRATOR_ROLES) {
        if (before.some((g) => g.role === r) && !unique.some((g) => g.role === r)) {
          const others = await tx.roleGrant.count({ where: { role: r, userId: { not: userId }, user: { disabled: false } } });
          if (others === 0) throw new GatewayError("VALIDATION", `${user.displayName} 是唯一的${roleLabel[r]}，请先授予另一人此角色`);
        }
      }
      await tx.roleGrant.deleteMany({ where: { userId } });
      if (unique.length) await tx.roleGrant.createMany({ data: unique.map((g) => ({ userId, role: g.role, divisionId: g.divisionId })) });
      await audit(tx, {
        actor: label(actor),
        action: "user.grants",
        entityType: "user",
        entityId: userId,
        ip,
        detail: { username: user.username, before: before.map((g) => ({ role: g.role, divisionId: g.divisionId })), after: unique },
      });
    });
    this.onChanged();
  }

  /**
   * A person of Attachments 1/2 (or a new one): name, post, division, 办领导 rank and the
   * registered address — the only address from which their approvals by reply are accepted.
   */
  async savePerson(actor: Actor, input: PersonInput, ip?: string) {
    requireRole(actor, Role.securityAdmin);
    const name = input.name.trim();
    if (!name) throw new GatewayError("VALIDATION", "「姓名」不能为空");
    let email: string | null = null;
    if (input.email.trim()) {
      email = normaliseAddress(input.email) ?? null;
      if (email && !REGISTERED_ADDRESS.test(email)) email = null;
      if (!email) throw new GatewayError("VALIDATION", `「登记邮箱」${input.email.trim()} 不是有效的邮箱地址`);
    }
    const leaderRank = input.leaderRank.trim() || null;
    if (leaderRank && !(leaderRank in LEADER_RANKS)) throw new GatewayError("VALIDATION", "「办领导职级」不是可选的值");
    const result = await this.db.$transaction(async (tx) => {
      if (email) {
        const other = await tx.person.findUnique({ where: { email } });
        if (other && other.id !== input.id) throw new GatewayError("VALIDATION", `邮箱 ${email} 已登记为 ${other.name} 的邮箱`);
        const unit = await tx.unitAddress.findUnique({ where: { email }, include: { unit: true } });
        if (unit) throw new GatewayError("VALIDATION", `邮箱 ${email} 是报送单位「${unit.unit.name}」的报送邮箱，不能作为审核人邮箱`);
      }
      if (input.divisionId != null && !(await tx.division.findUnique({ where: { id: input.divisionId } }))) throw new GatewayError("VALIDATION", "「处室」不存在");
      const before = input.id != null ? await tx.person.findUnique({ where: { id: input.id } }) : null;
      if (input.id != null && !before) throw new GatewayError("NOT_FOUND", "人员不存在");
      // The address of an existing person changes only through addresses.ts (the person confirms it).
      const data = { name, title: input.title.trim() || null, divisionId: input.divisionId, leaderRank };
      const person = before ? await tx.person.update({ where: { id: before.id }, data }) : await tx.person.create({ data: { ...data, email } });
      const pick = (p: typeof person | null) => (p ? { name: p.name, title: p.title, email: p.email, divisionId: p.divisionId, leaderRank: p.leaderRank } : null);
      await audit(tx, { actor: label(actor), action: before ? "person.update" : "person.create", entityType: "person", entityId: person.id, ip, detail: { before: pick(before), after: pick(person) } });
      const address = before && this.config ? await requestAddressChange(tx, this.config, { person, email, byLabel: actor.displayName, actor: label(actor), ip }) : "unchanged";
      if (before && !this.config && (before.email ?? null) !== email) throw new GatewayError("VALIDATION", "登记邮箱的变更须通知本人，当前无法发送邮件");
      return { ...person, address };
    });
    this.onChanged();
    return result;
  }
}

/** Reads a grant from a form value `role:divisionId` (`leader:`, `info_admin:3`). */
export function grantFromValue(value: string): Grant {
  const [role = "", division = ""] = value.split(":");
  if (!isRole(role)) throw new GatewayError("VALIDATION", "「角色」不是可选的值");
  if (division && !/^\d{1,9}$/.test(division)) throw new GatewayError("VALIDATION", "「处室」不是有效的编号");
  return { role, divisionId: division ? Number(division) : null };
}
