// Info-centre management (Art. 3: the info centre runs the site and the gateway): sending units,
// routing rules, info officers, failed intake. (Accounts, roles and people: accounts/administration.ts.) Every change is audited in its transaction.
import type { Db } from "../db/client.js";
import { audit } from "../audit/audit.js";
import { GatewayError } from "../domain/errors.js";
import { hasRole, Role, type Actor } from "../domain/roles.js";
import { normaliseAddress } from "../extract/mime.js";
import { normaliseFax } from "../identify/unit.js";
import { retry } from "../ledger/prisma-ledger.js";
import { checkRule, type RuleInput } from "./rules.js";

const label = (a: Actor) => `user:${a.username}`;

function requireInfoCentre(actor: Actor): void {
  if (!hasRole(actor, Role.infoCentre)) throw new GatewayError("FORBIDDEN", "仅信息中心管理员可执行此操作");
}

const splitList = (s: string) => s.split(/[;；,，\s]+/).map((x) => x.trim()).filter(Boolean);

export class AdminService {
  /** Called after units, rules, users or roles change, so cached copies are dropped. */
  constructor(
    private readonly db: Db,
    private readonly onReferenceChanged: () => void,
  ) {}

  async saveUnit(actor: Actor, input: { id?: number; name: string; regionCode: string; parentId: number | null; emails: string; faxNumbers: string; active: boolean }, ip?: string) {
    requireInfoCentre(actor);
    const name = input.name.trim();
    if (!name) throw new GatewayError("VALIDATION", "单位名称不能为空");
    const emails = splitList(input.emails).map((e) => {
      const n = normaliseAddress(e);
      if (!n) throw new GatewayError("VALIDATION", `邮箱「${e}」无效`);
      return n;
    });
    // Fax numbers keep their inner spaces and dashes ("0311-8802 1745"), so split on separators only.
    const faxRows = input.faxNumbers.split(/[;；,，\n]+/).map((f) => f.trim()).filter(Boolean).map((f) => {
      const n = normaliseFax(f);
      if (!n) throw new GatewayError("VALIDATION", `传真号码「${f}」无效`);
      return { number: n, display: f };
    });
    const result = await this.db.$transaction(async (tx) => {
      for (const email of emails) {
        const owner = await tx.unitAddress.findUnique({ where: { email }, include: { unit: true } });
        if (owner && owner.unitId !== input.id) throw new GatewayError("VALIDATION", `邮箱 ${email} 已登记在「${owner.unit.name}」名下`);
      }
      for (const f of faxRows) {
        const owner = await tx.unitFax.findUnique({ where: { number: f.number }, include: { unit: true } });
        if (owner && owner.unitId !== input.id) throw new GatewayError("VALIDATION", `传真 ${f.display} 已登记在「${owner.unit.name}」名下`);
      }
      const before = input.id ? await tx.sendingUnit.findUnique({ where: { id: input.id }, include: { addresses: true, faxNumbers: true } }) : null;
      const data = { name, regionCode: input.regionCode.trim() || null, parentId: input.parentId, active: input.active };
      const unit = before ? await tx.sendingUnit.update({ where: { id: before.id }, data }) : await tx.sendingUnit.create({ data });
      await tx.unitAddress.deleteMany({ where: { unitId: unit.id, email: { notIn: emails } } });
      for (const email of emails) await tx.unitAddress.upsert({ where: { email }, create: { unitId: unit.id, email, source: "manual" }, update: {} });
      await tx.unitFax.deleteMany({ where: { unitId: unit.id, number: { notIn: faxRows.map((f) => f.number) } } });
      for (const f of faxRows) await tx.unitFax.upsert({ where: { number: f.number }, create: { unitId: unit.id, ...f }, update: { display: f.display } });
      await audit(tx, {
        actor: label(actor),
        action: before ? "unit.update" : "unit.create",
        entityType: "unit",
        entityId: unit.id,
        ip,
        detail: { name, before: before ? { name: before.name, emails: before.addresses.map((a) => a.email), faxes: before.faxNumbers.map((f) => f.display), active: before.active } : null, after: { emails, faxes: faxRows.map((f) => f.display), active: input.active } },
      });
      return unit;
    });
    this.onReferenceChanged();
    return result;
  }

  async addRule(actor: Actor, input: RuleInput, ip?: string) {
    requireInfoCentre(actor);
    const checked = checkRule(input);
    const rule = await this.db.$transaction(async (tx) => {
      const r = await tx.routingRule.create({ data: checked });
      await audit(tx, { actor: label(actor), action: "rule.create", entityType: "rule", entityId: r.id, ip, detail: { ...checked } });
      return r;
    });
    this.onReferenceChanged();
    return rule;
  }

  /** 分拣规则 edited in place: the stored rule before and after go into the audit row. */
  async updateRule(actor: Actor, ruleId: number, input: RuleInput & { enabled: boolean }, ip?: string) {
    requireInfoCentre(actor);
    const checked = { ...checkRule(input), enabled: input.enabled };
    const rule = await this.db.$transaction(async (tx) => {
      const before = await tx.routingRule.findUnique({ where: { id: ruleId } });
      if (!before) throw new GatewayError("NOT_FOUND", "规则不存在");
      const r = await tx.routingRule.update({ where: { id: ruleId }, data: checked });
      const { kind, columnId, divisionId, pattern, isRegex, weight, enabled } = before;
      await audit(tx, { actor: label(actor), action: "rule.update", entityType: "rule", entityId: ruleId, ip, detail: { before: { kind, columnId, divisionId, pattern, isRegex, weight, enabled }, after: checked } });
      return r;
    });
    this.onReferenceChanged();
    return rule;
  }

  async setRuleEnabled(actor: Actor, ruleId: number, enabled: boolean, ip?: string) {
    requireInfoCentre(actor);
    await this.db.$transaction(async (tx) => {
      const r = await tx.routingRule.update({ where: { id: ruleId }, data: { enabled } });
      await audit(tx, { actor: label(actor), action: enabled ? "rule.enable" : "rule.disable", entityType: "rule", entityId: ruleId, ip, detail: { pattern: r.pattern } });
    });
    this.onReferenceChanged();
  }

  /**
   * 「登记此地址为本单位」: the info centre registers the address (or fax number) an unconfirmed
   * draft came from as the unit's, which confirms the unit of that draft and of every other
   * draft from the same sender still waiting in triage. The registry row and each confirmation
   * are audited; an address another unit holds is refused, never moved silently.
   */
  async registerSender(actor: Actor, draftId: number, unitId: number | null, ip?: string) {
    requireInfoCentre(actor);
    if (unitId == null) throw new GatewayError("VALIDATION", "请选择报送单位", { fields: { unitId: "请选择报送单位" } });
    const result = await this.db.$transaction(async (tx) => {
      const d = await tx.draft.findUnique({ where: { id: draftId } });
      if (!d) throw new GatewayError("NOT_FOUND");
      const unit = await tx.sendingUnit.findUnique({ where: { id: unitId } });
      if (!unit || !unit.active) throw new GatewayError("VALIDATION", "报送单位不存在或已停用", { fields: { unitId: "报送单位不存在或已停用" } });
      const fax = d.channel === "fax" ? (d.faxNumber ? normaliseFax(d.faxNumber) : null) : null;
      const email = d.channel === "fax" ? null : d.senderAddress;
      if (!fax && !email) throw new GatewayError("VALIDATION", "此稿件没有可登记的发件地址或传真号码");
      if (email) {
        const owner = await tx.unitAddress.findUnique({ where: { email }, include: { unit: true } });
        if (owner && owner.unitId !== unitId) throw new GatewayError("VALIDATION", `邮箱 ${email} 已登记在「${owner.unit.name}」名下`, { fields: { unitId: `邮箱 ${email} 已登记在「${owner.unit.name}」名下` } });
        if (!owner) await tx.unitAddress.create({ data: { unitId, email, source: "manual" } });
      } else {
        const owner = await tx.unitFax.findUnique({ where: { number: fax! }, include: { unit: true } });
        if (owner && owner.unitId !== unitId) throw new GatewayError("VALIDATION", `传真 ${d.faxNumber} 已登记在「${owner.unit.name}」名下`, { fields: { unitId: `传真 ${d.faxNumber} 已登记在「${owner.unit.name}」名下` } });
        if (!owner) await tx.unitFax.create({ data: { unitId, number: fax!, display: d.faxNumber! } });
      }
      const what = email ? `发件地址 ${email}` : `传真号码 ${d.faxNumber}`;
      const waiting = await tx.draft.findMany({ where: { status: "triage", unitConfirmed: false, ...(email ? { senderAddress: email, channel: { not: "fax" } } : { faxNumber: d.faxNumber, channel: "fax" }) } });
      const ids = [...new Set([d.id, ...waiting.map((w) => w.id)])];
      for (const w of [d, ...waiting.filter((w) => w.id !== d.id)]) {
        if (w.unitConfirmed && w.unitId === unitId) continue;
        const flags = (JSON.parse(w.flags) as string[]).filter((f) => f !== "unit_unconfirmed");
        await tx.draft.update({ where: { id: w.id }, data: { unitId, unitConfirmed: true, unitReason: `${what}由${actor.displayName}（信息中心）登记为「${unit.name}」的报送地址`, flags: JSON.stringify(flags), version: { increment: 1 } } });
        await audit(tx, { actor: label(actor), action: "draft.unit_confirmed", entityType: "draft", entityId: w.id, ip, detail: { unit: unit.name, unitId, by: "register_sender", [email ? "email" : "fax"]: email ?? d.faxNumber } });
      }
      await audit(tx, { actor: label(actor), action: "unit.register_sender", entityType: "unit", entityId: unitId, ip, detail: { unit: unit.name, [email ? "email" : "fax"]: email ?? d.faxNumber, fromDraft: d.id, confirmedDrafts: ids } });
      return { unit, what, confirmed: ids.length };
    });
    this.onReferenceChanged();
    return result;
  }

  /** A failed message goes round again on the next poll (its raw bytes are still in the mailbox). */
  async retryIntake(actor: Actor, intakeId: number, ip?: string) {
    requireInfoCentre(actor);
    await this.db.$transaction(async (tx) => {
      const row = await retry(tx, intakeId);
      await audit(tx, { actor: label(actor), action: "intake.retry", entityType: "intake", entityId: intakeId, ip, detail: { error: row.error } });
    });
  }

  /**
   * Attachment 4: the info centre confirms a recommended officer; the officer's e-mail becomes a
   * registered sender of the unit (or, if another unit already holds it, nothing is changed).
   */
  async decideOfficer(actor: Actor, officerId: number, confirm: boolean, ip?: string) {
    requireInfoCentre(actor);
    await this.db.$transaction(async (tx) => {
      const o = await tx.infoOfficer.findUnique({ where: { id: officerId }, include: { unit: true } });
      if (!o || o.status !== "pending") throw new GatewayError("INVALID_TRANSITION", "只有待确认的推荐可以处理");
      let registered: string | null = null;
      if (confirm && o.email) {
        const owner = await tx.unitAddress.findUnique({ where: { email: o.email }, include: { unit: true } });
        if (owner && owner.unitId !== o.unitId) throw new GatewayError("VALIDATION", `邮箱 ${o.email} 已登记在「${owner.unit.name}」名下`);
        if (!owner) await tx.unitAddress.create({ data: { unitId: o.unitId, email: o.email, source: "officer" } });
        registered = o.email;
      }
      await tx.infoOfficer.update({ where: { id: officerId }, data: { status: confirm ? "confirmed" : "rejected", confirmedById: actor.userId, confirmedAt: new Date() } });
      await audit(tx, { actor: label(actor), action: confirm ? "officer.confirm" : "officer.reject", entityType: "officer", entityId: officerId, ip, detail: { unit: o.unit.name, name: o.name, registered } });
    });
    this.onReferenceChanged();
  }

  async resolveAlert(actor: Actor, alertId: number, ip?: string) {
    requireInfoCentre(actor);
    await this.db.$transaction(async (tx) => {
      await tx.alert.update({ where: { id: alertId }, data: { resolvedAt: new Date() } });
      await audit(tx, { actor: label(actor), action: "alert.resolve", entityType: "alert", entityId: alertId, ip });
    });
  }
}
