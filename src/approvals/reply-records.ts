// What e-mailed replies leave behind, and where people see it: a tag on the draft in the queue,
// a mail to the division's info administrators, and the list on the draft page — read from the
// hash-chained audit trail itself, so what the page shows of who approved what, when and how
// is the tamper-evident record, not a copy of it.
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { queueMail } from "../notify/outbox.js";

/** Queue tags of the latest e-mailed reply on a draft (labels in domain/status.ts). */
export const MAIL_FLAGS = ["mail_approved", "mail_sent_back", "mail_comment", "mail_refused"] as const;
export type MailFlag = (typeof MAIL_FLAGS)[number];

export async function markDraft(tx: Tx, draftId: number, flag: MailFlag): Promise<void> {
  const d = await tx.draft.findUnique({ where: { id: draftId }, select: { flags: true } });
  if (!d) return;
  const flags = (JSON.parse(d.flags) as string[]).filter((f) => !(MAIL_FLAGS as readonly string[]).includes(f));
  flags.push(flag);
  await tx.draft.update({ where: { id: draftId }, data: { flags: JSON.stringify(flags) } });
}

/** The division's info administrators hear of every e-mailed approval, return and comment. */
export async function tellInfoAdmins(
  tx: Tx,
  config: Config,
  n: { draftId: number; title: string; approverName: string; stageLabel: string; outcomeLabel: string; ownText: string; why: string | null; receivedAt: string; headline?: string },
): Promise<void> {
  const d = await tx.draft.findUnique({ where: { id: n.draftId }, select: { divisionId: true } });
  if (d?.divisionId == null) return;
  const grants = await tx.roleGrant.findMany({ where: { role: "info_admin", divisionId: d.divisionId, user: { disabled: false } }, include: { user: { include: { person: true } } } });
  const seen = new Set<string>();
  for (const g of grants) {
    const email = g.user.person?.email;
    if (!email || seen.has(email)) continue;
    seen.add(email);
    await queueMail(tx, config, {
      kind: "approval_news",
      to: email,
      subject: `【邮件审批】${n.title}：${n.headline ?? `${n.approverName}${n.outcomeLabel.startsWith("同意") ? "同意" : n.outcomeLabel.startsWith("退回") ? "退回修改" : "回复了意见"}`}`,
      template: "approval_news",
      data: { ...n, adminName: g.user.person?.name ?? g.user.displayName },
      draftId: n.draftId,
    });
  }
}

export interface EmailReplyView {
  at: Date;
  from: string;
  approver: string | null;
  stage: string | null;
  /** 同意 · 退回修改 · 意见 · 未生效 */
  outcome: string;
  ownText: string | null;
  /** What the gateway made of it, in words. */
  made: string;
  sentAt: string | null;
}

const OUTCOME: Record<string, string> = { "approval.decided": "", "approval.comment": "意见", "approval.refused": "未生效", "approval.token_voided": "邀请作废", "notice.reply": "单位回复通知" };

/** Every e-mailed reply about a draft (approvers' and units' replies to notices), oldest first, from the audit trail. */
export async function emailReplies(db: Db, draftId: number): Promise<EmailReplyView[]> {
  const rows = await db.auditEvent.findMany({ where: { entityType: "draft", entityId: String(draftId), action: { in: Object.keys(OUTCOME) } }, orderBy: { id: "asc" } });
  return rows.map((r) => {
    const d = JSON.parse(r.detail) as Record<string, string | null | undefined>;
    const outcome = r.action === "approval.decided" ? (d.decision ?? "决定") : OUTCOME[r.action]!;
    const made =
      r.action === "approval.decided"
        ? `按审批用语识别为“${d.decision}”，已记入审批表${d.authenticity ? `；${d.authenticity}` : ""}`
        : r.action === "approval.comment"
          ? `作为意见记录，未作决定：${d.why ?? ""}`
          : r.action === "approval.token_voided"
            ? `审批邀请已作废，不能再凭它审批：${d.why ?? ""}`
            : r.action === "notice.reply"
            ? `对${d.notice ?? "网关通知"}的回复：不作为报送，也不作为审批；如是修改稿，请单位重新报送`
            : `未据此作出任何决定：${d.reason ?? ""}`;
    return { at: r.at, from: r.actor.replace(/^email:/, ""), approver: d.approver ?? null, stage: d.stage ?? null, outcome, ownText: d.ownText ?? null, made, sentAt: d.sentAt ?? null };
  });
}

/** Replies to the gateway's own notices, newest first (运行状态). */
export async function noticeReplies(db: Db, take = 50) {
  const rows = await db.auditEvent.findMany({ where: { action: "notice.reply" }, orderBy: { id: "desc" }, take });
  return rows.map((r) => {
    const d = JSON.parse(r.detail) as { intakeId: number; notice: string; draftId: number | null; subject: string; how: string; ownText?: string };
    return { at: r.at, from: r.actor.replace(/^email:/, ""), intakeId: d.intakeId, notice: d.notice, draftId: d.draftId, subject: d.subject, how: d.how, ownText: d.ownText ?? null };
  });
}
