// Replies to the gateway's own notices — 回执, 退回, 已发布, 未予接收, and the mails to approvers
// (未生效, 已记录) — are neither submissions nor decisions: a unit answering 收到 to a 已发布
// notice must not become a new draft, counted in the annual ranking. They are recognised by their
// threading headers (In-Reply-To/References naming one of our notice Message-IDs) and, since
// many clients drop those, by the subject marks our notices carry (after 回复：/Re:/AW: …), and
// kept: the message is stored, the reply is listed under 运行状态, and nothing else happens.
import type { Tx } from "../db/client.js";
import type { AuditInput } from "../audit/audit.js";
import { splitReply } from "./reply-text.js";
import { redactTokens } from "./tokens.js";

/** Subject marks of our notices (never on an approval request, whose mark is 【待审核】 with a token). */
export const NOTICE_MARKS: Record<string, string> = {
  "【回执】": "回执",
  "【退回】": "退回通知",
  "【已发布】": "已发布通知",
  "【未予接收】": "未予接收通知",
  "【未生效】": "审批回复未生效通知",
  "【已记录】": "审批已记录通知",
  "【邮件审批】": "邮件审批通知",
};

/** Reply and forward prefixes of the clients in use (zh, en, de, fr, es, it, nl, pt, sv, ja). */
const PREFIX = /^\s*(回复|答复|回覆|转发|轉寄|Re|RE|Fwd?|FW|AW|WG|SV|VS|Antw|Doorst|R|RIF|Réf|TR|RV|Enc|返信|転送)\s*(\[\d+\])?\s*[:：]\s*/i;

export function stripReplyPrefixes(subject: string): string {
  let s = subject;
  for (let i = 0; i < 10 && PREFIX.test(s); i++) s = s.replace(PREFIX, "");
  return s.trim();
}

export function noticeMark(subject: string): string | null {
  const s = stripReplyPrefixes(subject);
  for (const [mark, label] of Object.entries(NOTICE_MARKS)) if (s.startsWith(mark)) return label;
  return null;
}

export const NOTICE_ID_PREFIX = "<gw-notice.";

/** Our notice Message-IDs this message answers (In-Reply-To/References). */
export function noticeThread(ids: string[], idSuffix: string): string[] {
  return ids.filter((id) => id.startsWith(NOTICE_ID_PREFIX) && id.toLowerCase().endsWith(idSuffix));
}

export interface NoticeReply {
  reason: string;
  audit: AuditInput[];
}

/** Records a reply to one of our notices: which notice, about which draft, from whom. */
export async function recordNoticeReply(tx: Tx, msg: { fromAddress: string | null; subject: string; date: Date | null; text: string }, intakeId: number, thread: string[]): Promise<NoticeReply> {
  const notice = thread.length ? await tx.outboundMail.findFirst({ where: { messageId: { in: thread } }, orderBy: { id: "desc" } }) : null;
  const label = (notice && (noticeMark(notice.subject) ?? kindLabel[notice.kind])) ?? noticeMark(msg.subject) ?? "网关通知";
  const how = notice ? "邮件头表明是对该通知的回复" : "主题带有网关通知的标记";
  // What the unit wrote above the quoted notice: shown on the draft page, so the division sees a
  // reply to its 退回 notice (perhaps a corrected version to be sent in again) without reading the raw mail.
  const ownText = redactTokens(splitReply(msg.text).own).slice(0, 2000);
  return {
    reason: `对网关${label}的回复（${how}）：不作为报送，也不作为审批，已保存备查`,
    audit: [
      {
        actor: `email:${msg.fromAddress ?? "（无）"}`,
        action: "notice.reply",
        // Filed under the draft the notice was about, when the thread names it (the draft page lists it).
        entityType: notice?.draftId ? "draft" : "intake",
        entityId: notice?.draftId ?? intakeId,
        detail: { intakeId, notice: label, noticeMessageId: notice?.messageId ?? null, noticeTo: notice?.toAddress ?? null, draftId: notice?.draftId ?? null, subject: msg.subject.slice(0, 200), ownText, sentAt: msg.date?.toISOString() ?? null, how },
      },
    ],
  };
}

const kindLabel: Record<string, string> = {
  receipt: "回执",
  returned: "退回通知",
  published: "已发布通知",
  quarantine_notice: "未予接收通知",
  refusal: "审批回复未生效通知",
  decision_recorded: "审批已记录通知",
  approval_news: "邮件审批通知",
  alert: "告警",
};
