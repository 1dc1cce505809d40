// Approve by replying to an e-mail, safely. A reply decides only when every check passes:
//   1. the subject carries a token we issued (130 bits, stored hashed) — not expired, not used;
//   2. its review step is still pending (a replay after the decision decides nothing);
//   3. the reply is in the thread of the request that carried this very token (In-Reply-To /
//      References) — a token pasted into another thread decides nothing;
//   4. the header block reads one way only (extract/header-block.ts): one From with one
//      mailbox, a Sender that is the same, no identity field twice, no line that another reader
//      would fold or split differently — and that one From is the approver's registered address;
//   5. where the policy requires it, DKIM signed by the approver's own domain (authenticity.ts);
//   6. the own text, read as written (reply-body.ts), is exactly a phrase of the closed grammar
//      (decision.ts), and what it quotes is the request.
// Every refusal is audited and explained by mail to the registered approver — never to the
// sender or its Reply-To, which may be the forger. A comment is recorded, shown on the draft and
// answered with a new request that says how to approve in one line. Replies to our notices are
// kept and decide nothing (notice-replies.ts).
import type { Config } from "../config/index.js";
import type { Tx } from "../db/client.js";
import type { AuditInput } from "../audit/audit.js";
import { loadActorIn } from "../accounts/users.js";
import { errorMessage, GatewayError } from "../domain/errors.js";
import type { MessageSummary } from "../extract/mime.js";
import type { ReplyHandler } from "../pipeline/contracts.js";
import { identityOf, readHeaderBlock } from "../extract/header-block.js";
import { APPROVAL_ID_PREFIX, messageIdDomain, queueMail } from "../notify/outbox.js";
import type { ReviewService } from "../review/service.js";
import { verifyApproverMail, type DnsResolver } from "./authenticity.js";
import { tokensInMessage, voidTokens } from "./exposure.js";
import { noticeMark, noticeThread, recordNoticeReply } from "./notice-replies.js";
import { readReply, type ReplyReading } from "./reply-body.js";
import { markDraft, tellInfoAdmins } from "./reply-records.js";
import { queueApprovalRequest } from "./requests.js";
import { stageName } from "../domain/review-steps.js";
import { formatLongDateTime } from "../domain/time.js";
import { hashToken, redactTokens, tokenFromSubject } from "./tokens.js";

export type { DnsResolver } from "./authenticity.js";

const OWN_TEXT_KEPT = 2000;

interface Ctx {
  tokenId?: number;
  approver?: { id: number; name: string; email: string | null };
  draftId?: number;
  stepId?: number;
  stage?: string;
  title?: string;
  reading?: ReplyReading;
}

export class ApprovalReplies implements ReplyHandler {
  private readonly idSuffix: string;

  constructor(
    private readonly config: Config,
    private readonly review: ReviewService,
    /** DNS for DKIM verification; tests pass a static one (no network here). */
    private readonly resolver?: DnsResolver,
  ) {
    this.idSuffix = `@${messageIdDomain(config).toLowerCase()}>`;
  }

  private thread(msg: MessageSummary): string[] {
    return [msg.inReplyTo, ...msg.references].filter((x): x is string => !!x);
  }

  private approvalThread(ids: string[]): string[] {
    return ids.filter((id) => id.startsWith(APPROVAL_ID_PREFIX) && id.toLowerCase().endsWith(this.idSuffix));
  }

  matches(msg: MessageSummary): boolean {
    if (tokenFromSubject(msg.subject)) return true;
    const ids = this.thread(msg);
    return this.approvalThread(ids).length > 0 || noticeThread(ids, this.idSuffix).length > 0 || noticeMark(msg.subject) !== null;
  }

  exposedTokens(msg: MessageSummary, raw: Buffer, partContents: Buffer[]): string[] {
    return tokensInMessage(msg, raw, partContents);
  }

  async voidExposed(tx: Tx, tokens: string[], o: { intakeId: number; from: string | null; automatic: string | null }) {
    const kind = o.automatic?.startsWith("退信") ? "bounce" : o.automatic ? "auto_reply" : "mail";
    return voidTokens(tx, this.config, { tokens, kind, actor: `email:${o.from ?? "（无）"}`, intakeId: o.intakeId, detail: o.automatic ?? undefined });
  }

  async handle(tx: Tx, msg: MessageSummary, intakeId: number, raw: Buffer) {
    const events: AuditInput[] = [];
    const from = msg.fromAddress ?? "（无）";
    const subject = redactTokens(msg.subject);
    const receivedAt = formatLongDateTime(new Date());
    const refuse = async (reason: string, ctx: Ctx = {}) => {
      events.push({
        actor: `email:${from}`,
        action: "approval.refused",
        entityType: ctx.draftId ? "draft" : "intake",
        entityId: ctx.draftId ?? intakeId,
        detail: { reason, intakeId, tokenId: ctx.tokenId, stepId: ctx.stepId, stage: ctx.stage ? stageName(ctx.stage) : undefined, approver: ctx.approver?.name, subject: subject.slice(0, 200), ...readingDetail(ctx.reading), sentAt: msg.date?.toISOString() ?? null },
      });
      if (ctx.draftId) await markDraft(tx, ctx.draftId, "mail_refused");
      if (ctx.approver?.email)
        await queueMail(tx, this.config, {
          kind: "refusal",
          to: ctx.approver.email,
          subject: `【未生效】关于《${ctx.title ?? "审批事项"}》的邮件回复`,
          template: "refusal",
          data: { approverName: ctx.approver.name, approverEmail: ctx.approver.email, title: ctx.title, from, receivedAt, reason, draftId: ctx.draftId },
          draftId: ctx.draftId ?? null,
        });
      return { reason: `审批回复未生效：${reason}`, draftId: ctx.draftId ?? null, audit: events, subject };
    };

    const thread = this.thread(msg);
    const token = tokenFromSubject(msg.subject);
    if (!token) {
      const approvalIds = this.approvalThread(thread);
      if (!approvalIds.length) {
        const r = await recordNoticeReply(tx, { ...msg, subject }, intakeId, noticeThread(thread, this.idSuffix));
        return { reason: r.reason, draftId: null, audit: r.audit, subject };
      }
      // A reply to one of our requests without a token: tell the approver of that request.
      const tok = await tx.approvalToken.findFirst({ where: { requestMessageId: { in: approvalIds } }, include: { reviewStep: true } });
      const person = tok ? await tx.person.findUnique({ where: { id: tok.personId } }) : null;
      return refuse("邮件主题中没有审批编号（可能被删改），无法确认是哪一项审批", { approver: person ?? undefined, draftId: tok?.reviewStep.draftId, stepId: tok?.reviewStepId, title: tok?.reviewStep.formTitle });
    }
    const tokens = new Set([...msg.subject.matchAll(/GW-([A-Z2-7]{26})/gi)].map((m) => m[1]!.toUpperCase()));
    if (tokens.size > 1) return refuse(`邮件主题中有 ${tokens.size} 个不同的审批编号，无法确认是哪一项审批`);
    const row = await tx.approvalToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { reviewStep: { include: { draft: true } } } });
    if (!row) return refuse("审批编号无效");
    const person = await tx.person.findUniqueOrThrow({ where: { id: row.personId } });
    const step = row.reviewStep;
    const ctx: Ctx = { tokenId: row.id, approver: person, draftId: step.draftId, stepId: step.id, stage: step.stage, title: step.formTitle };

    if (row.usedAt) return refuse("该审批邀请已使用过，重复的回复不再生效", ctx);
    if (step.status !== "pending") return refuse("该审批环节已经结束（已有决定或已重新送审）", ctx);
    if (row.expiresAt < new Date()) return refuse("审批邀请已过期，请登录网页审核或请信息管理员重新送审", ctx);
    if (!row.requestMessageId || !thread.includes(row.requestMessageId)) return refuse("回复不在原审批邮件的会话中（审批编号出现在另一封邮件里）", ctx);

    // One reading of the header block for the sender and for DKIM: ambiguity decides nothing.
    const block = readHeaderBlock(raw);
    const identity = identityOf(block);
    if (identity.problems.length) return refuse(`邮件头有歧义，无法确定发件人：${identity.problems.join("；")}`, ctx);
    if (identity.from !== msg.fromAddress) return refuse(`邮件头有歧义：两种读法得到不同的发件人（${identity.from} / ${msg.fromAddress ?? "无"}）`, ctx);
    if (!person.email || identity.from !== person.email.toLowerCase()) {
      // Someone else holds the token now (a forwarded request, or a forger): it is void (exposure.ts).
      events.push(...(await voidTokens(tx, this.config, { tokens: [token], kind: "mail", actor: `email:${from}`, intakeId, detail: `由 ${from} 回复` })).audit);
      return refuse(`发件地址 ${from} 不是审批人登记的邮箱（转发给他人的审批邀请不能代为审批）；该审批邀请已作废`, ctx);
    }
    let authenticity: string | null = null;
    if (this.config.approvals.dkim === "required") {
      // A verifier that fails (DNS down, a signature it cannot parse) is doubt: it decides nothing, and this message alone.
      const verdict = await verifyApproverMail(raw, block, person.email, this.config.approvals, this.resolver).catch((err: unknown) => ({ ok: false, via: "none" as const, reason: `DKIM 校验未能完成（${errorMessage(err).slice(0, 200)}），稍后可重新回复或登录网页审核` }));
      if (!verdict.ok) return refuse(verdict.reason, ctx);
      authenticity = verdict.reason;
    }

    if (row.voidedAt) {
      // The approver, back (after an out-of-office) or answering an old mail: a fresh request, never this token.
      await queueApprovalRequest(tx, this.config, { stepId: step.id, personId: person.id, subjectMark: "【重新发送】", intro: "您回复的审批邀请已作废，本次回复未生效。" });
      return refuse(`该审批邀请已作废（${(row.voidReason ?? "").replace(/^\w+: /, "")}），本回复未生效；已重新发送审批邀请，请回复新邮件或登录网页审核`, ctx);
    }

    const request = await tx.outboundMail.findUnique({ where: { messageId: row.requestMessageId } });
    let reading: ReplyReading;
    try {
      reading = await readReply(raw, this.config.limits, { signerNames: [person.name], request: request && { subject: request.subject, text: request.text, html: request.html } });
    } catch (err) {
      return refuse(`回复正文无法读取（${errorMessage(err).slice(0, 200)}）`, ctx);
    }
    ctx.reading = reading;
    const decision = reading.decision;
    const base = { intakeId, stepId: step.id, stage: stageName(step.stage), approver: person.name, ...readingDetail(reading), authenticity, sentAt: msg.date?.toISOString() ?? null };
    const news = (outcomeLabel: string, why: string | null) =>
      tellInfoAdmins(tx, this.config, { draftId: step.draftId, title: step.formTitle, approverName: person.name, stageLabel: stageName(step.stage), outcomeLabel, ownText: reading.own.slice(0, 500) || "（空）", why, receivedAt });

    if (decision.kind === "empty") return refuse("回复中除引用的原邮件和签名外没有内容", ctx);
    if (decision.kind === "comment") {
      events.push({ actor: `email:${from}`, action: "approval.comment", entityType: "draft", entityId: step.draftId, detail: { ...base, why: decision.why } });
      await markDraft(tx, step.draftId, "mail_comment");
      await queueApprovalRequest(tx, this.config, { stepId: step.id, personId: person.id, subjectMark: "【意见已记录】", comment: { text: reading.own.slice(0, 500), why: decision.why } });
      await news("作为意见记录，未作审批决定", decision.why);
      return { reason: `审批回复作为意见记录，未作决定：${decision.why}`, draftId: step.draftId, audit: events, subject };
    }

    const actor = await loadActorIn(tx, { personId: person.id });
    if (!actor) return refuse("审批人没有有效的后台账号", ctx);
    const action = decision.kind === "send_back" ? "send_back" : step.stage === "division_head" ? "division_approve" : "leader_approve";
    const opinion = decision.kind === "send_back" ? decision.reason : decision.phrase;
    try {
      await this.review.actIn(tx, actor, step.draftId, null, action, { comment: opinion }, { channel: "email" });
    } catch (err) {
      if (err instanceof GatewayError) return refuse(`审批未能执行：${err.message}`, ctx);
      throw err;
    }
    // Single use: this token and every other token of the step.
    await tx.approvalToken.updateMany({ where: { reviewStepId: step.id, usedAt: null }, data: { usedAt: new Date() } });
    const decisionLabel = decision.kind === "send_back" ? "退回修改" : "同意";
    events.push({ actor: `email:${from}`, action: "approval.decided", entityType: "draft", entityId: step.draftId, detail: { ...base, decision: decisionLabel, opinion } });
    await markDraft(tx, step.draftId, decision.kind === "send_back" ? "mail_sent_back" : "mail_approved");
    await queueMail(tx, this.config, {
      kind: "decision_recorded",
      to: person.email,
      subject: `【已记录】${step.formTitle}：${decisionLabel}`,
      template: "decision_recorded",
      data: { approverName: person.name, title: step.formTitle, decisionLabel, comment: decision.kind === "send_back" ? decision.reason : null, decidedAt: formatLongDateTime(new Date()) },
      draftId: step.draftId,
    });
    await news(decision.kind === "send_back" ? `退回修改（理由：${decision.reason.slice(0, 200)}）` : "同意", null);
    return { reason: `${person.name}通过邮件${decisionLabel}（${stageName(step.stage)}）`, draftId: step.draftId, audit: events, subject };
  }
}

/** What the record keeps of a reading: the own text as written (tokens redacted), and what was made of it. */
function readingDetail(r: ReplyReading | undefined): Record<string, unknown> {
  if (!r) return {};
  return {
    ownText: redactTokens(r.own).slice(0, OWN_TEXT_KEPT),
    reading: r.decision.kind,
    source: r.source,
    foreignQuote: r.foreignQuote.length ? r.foreignQuote.slice(0, 5).map((l) => redactTokens(l).slice(0, 200)) : undefined,
  };
}
