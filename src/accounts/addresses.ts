// A person's registered address is what approve-by-reply trusts (and where one-time passwords of
// approver accounts go), so one administrator alone must not be able to move it (security
// review M3: the security administrator re-registered a 处长's address to their own and approved
// by e-mail). A change for a person with an account takes effect only when the person, signed in
// with their own account, enters the code mailed to the NEW address; the OLD address is told at
// once and again when it is done. Then every live token of requests to the old address is void
// and pending requests go to the new one. Every step is audited.
import { createHash } from "node:crypto";
import type { AuditInput } from "../audit/audit.js";
import { audit } from "../audit/audit.js";
import { voidTokens } from "../approvals/exposure.js";
import { queueApprovalRequest } from "../approvals/requests.js";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { GatewayError } from "../domain/errors.js";
import { formatLongDateTime } from "../domain/time.js";
import { newMessageId, queueMail } from "../notify/outbox.js";
import { CODE_PLACEHOLDER, confirmationCodeFor } from "./one-time-password.js";

const CODE_HOURS = 72;
const codeHash = (code: string) => createHash("sha256").update(`gw-address-code\0${code.trim().toUpperCase()}`).digest("hex");

type Person = NonNullable<Awaited<ReturnType<Tx["person"]["findUnique"]>>>;

/**
 * The security administrator asked for a new address. With an account, the person must confirm:
 * the address is kept pending and the codes go out. Without one (no approvals are possible
 * without an account), it is applied at once. Returns whether it waits for confirmation.
 */
export async function requestAddressChange(tx: Tx, config: Config, o: { person: Person; email: string | null; byLabel: string; actor: string; ip?: string }): Promise<"applied" | "pending" | "unchanged"> {
  const { person } = o;
  if ((person.email ?? null) === o.email) return "unchanged";
  const account = await tx.user.findUnique({ where: { personId: person.id } });
  const at = formatLongDateTime(new Date());
  if (!account || o.email === null) {
    // Removing an address only takes a power away (no more approvals by mail): at once.
    await applyAddress(tx, config, { person, email: o.email, actor: o.actor, ip: o.ip, how: account ? "removed" : "no_account" });
    return "applied";
  }
  const messageId = newMessageId(config, "address_confirmation");
  const code = confirmationCodeFor(config, messageId);
  const expiresAt = new Date(Date.now() + CODE_HOURS * 3_600_000);
  await tx.person.update({ where: { id: person.id }, data: { pendingEmail: o.email, pendingEmailCodeHash: codeHash(code), pendingEmailExpiresAt: expiresAt, pendingEmailBy: o.byLabel } });
  const common = { name: person.name, byLabel: o.byLabel, at, oldEmail: person.email, newEmail: o.email };
  // The code is in the mail as sent only (derived at send time): the stored copy holds a placeholder.
  await queueMail(tx, config, { kind: "address_confirmation", to: o.email, subject: "【请确认】变更网关登记邮箱", template: "address_confirmation", data: { ...common, code: CODE_PLACEHOLDER, expiresAt: formatLongDateTime(expiresAt) }, messageId });
  if (person.email) await queueMail(tx, config, { kind: "address_notice", to: person.email, subject: "【提醒】有人申请变更您的网关登记邮箱", template: "address_notice", data: { ...common, confirmed: false } });
  await audit(tx, { actor: o.actor, action: "person.email_change_requested", entityType: "person", entityId: person.id, ip: o.ip, detail: { name: person.name, before: person.email, requested: o.email, expiresAt: expiresAt.toISOString(), oldAddressTold: !!person.email } });
  return "pending";
}

/** The person, signed in as themselves, confirms with the code mailed to the new address. */
export async function confirmAddressChange(db: Db, config: Config, o: { userId: number; code: string; ip?: string }): Promise<string> {
  try {
    return await confirmIn(db, config, o);
  } catch (err) {
    // A wrong code is recorded outside the refused transaction, so the record keeps it.
    if (err instanceof WrongCode) {
      await db.$transaction((tx) => audit(tx, { actor: err.actor, action: "person.email_confirm_failed", entityType: "person", entityId: err.personId, ip: o.ip, detail: { name: err.personName } }));
      throw new GatewayError("VALIDATION", "确认码不正确");
    }
    throw err;
  }
}

class WrongCode extends Error {
  constructor(
    readonly actor: string,
    readonly personId: number,
    readonly personName: string,
  ) {
    super("wrong code");
  }
}

function confirmIn(db: Db, config: Config, o: { userId: number; code: string; ip?: string }): Promise<string> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: o.userId }, include: { person: true } });
    const person = user?.person;
    if (!user || !person?.pendingEmail || !person.pendingEmailCodeHash) throw new GatewayError("VALIDATION", "没有待确认的邮箱变更");
    const actor = `user:${user.username}`;
    if (!person.pendingEmailExpiresAt || person.pendingEmailExpiresAt < new Date()) throw new GatewayError("VALIDATION", "确认码已过期，请安全管理员重新办理");
    if (codeHash(o.code) !== person.pendingEmailCodeHash) throw new WrongCode(actor, person.id, person.name);
    const other = await tx.person.findUnique({ where: { email: person.pendingEmail } });
    if (other && other.id !== person.id) throw new GatewayError("VALIDATION", `邮箱 ${person.pendingEmail} 已登记为 ${other.name} 的邮箱`);
    const email = person.pendingEmail;
    await applyAddress(tx, config, { person, email, actor, ip: o.ip, how: "confirmed_by_person" });
    return email;
  });
}

async function applyAddress(tx: Tx, config: Config, o: { person: Person; email: string | null; actor: string; ip?: string; how: string }): Promise<void> {
  const { person } = o;
  await tx.person.update({ where: { id: person.id }, data: { email: o.email, pendingEmail: null, pendingEmailCodeHash: null, pendingEmailExpiresAt: null, pendingEmailBy: null } });
  const events: AuditInput[] = [{ actor: o.actor, action: "person.email_changed", entityType: "person", entityId: person.id, ip: o.ip, detail: { name: person.name, before: person.email, after: o.email, how: o.how } }];
  const voided = await voidTokens(tx, config, { personId: person.id, kind: "address_changed", actor: o.actor, detail: `${person.email ?? "无"} → ${o.email ?? "无"}` });
  events.push(...voided.audit);
  if (o.email) for (const s of voided.pendingSteps) await queueApprovalRequest(tx, config, { stepId: s.stepId, personId: s.personId, subjectMark: "【重新发送】", intro: "您的登记邮箱已变更，发往原邮箱的审批邀请已作废。" });
  if (person.email && o.how === "confirmed_by_person")
    await queueMail(tx, config, { kind: "address_notice", to: person.email, subject: "【提醒】您的网关登记邮箱已变更", template: "address_notice", data: { name: person.name, at: formatLongDateTime(new Date()), oldEmail: person.email, newEmail: o.email, confirmed: true } });
  await audit(tx, ...events);
}

/** What the person's own account page shows of a pending change. */
export async function pendingAddressOf(db: Db, userId: number): Promise<{ email: string; by: string | null; expiresAt: Date | null } | null> {
  const u = await db.user.findUnique({ where: { id: userId }, include: { person: true } });
  const p = u?.person;
  return p?.pendingEmail ? { email: p.pendingEmail, by: p.pendingEmailBy, expiresAt: p.pendingEmailExpiresAt } : null;
}
