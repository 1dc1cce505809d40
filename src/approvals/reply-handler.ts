// Approve by replying to an e-mail, safely. The From header proves nothing, so a reply decides
// only when every check passes:
//   1. the subject carries a token we issued (128+ bits, stored hashed) — not expired, not used;
//   2. its review step is still pending (a replay after the decision decides nothing);
//   3. the reply is in the thread of the request that carried this very token (In-Reply-To /
//      References) — a token pasted into another thread decides nothing;
//   4. the sender is the registered address of the approver the token was issued to — a
//      colleague the request was forwarded to decides nothing;
//   5. where the policy requires it, DKIM passes with DMARC alignment (Authentication-Results
//      are trusted only from our own server's authserv-id; otherwise verified here);
//   6. the first non-empty line of the reply's own text (quotes stripped) is exactly a decision.
// Every refusal is audited and explained by mail to the registered approver — never to the
// sender or its Reply-To, which may be the forger.
import { authenticate } from "mailauth";
import type { Config } from "../config/index.js";
import type { Tx } from "../db/client.js";
import type { AuditInput } from "../audit/audit.js";
import { loadActorIn } from "../accounts/users.js";
import { GatewayError } from "../domain/errors.js";
import type { MessageSummary } from "../extract/mime.js";
import type { ReplyHandler } from "../pipeline/contracts.js";
import { APPROVAL_ID_PREFIX, messageIdDomain, queueMail } from "../notify/outbox.js";
import type { ReviewService } from "../review/service.js";
import { readDecision } from "./reply-text.js";
import { stageName } from "../domain/review-steps.js";
import { formatLongDateTime } from "../domain/time.js";
import { hashToken, tokenFromSubject } from "./tokens.js";

export type DnsResolver = (name: string, rr: string) => Promise<unknown>;

export class ApprovalReplies implements ReplyHandler {
  private readonly requestIdSuffix: string;

  constructor(
    private readonly config: Config,
    private readonly review: ReviewService,
    /** DNS for DKIM verification; tests pass a static one (no network here). */
    private readonly resolver?: DnsResolver,
  ) {
    this.requestIdSuffix = `@${messageIdDomain(config).toLowerCase()}>`;
  }

  matches(msg: MessageSummary): boolean {
    if (tokenFromSubject(msg.subject)) return true;
    return [msg.inReplyTo, ...msg.references].some((id) => !!id && id.startsWith(APPROVAL_ID_PREFIX) && id.toLowerCase().endsWith(this.requestIdSuffix));
  }

  async handle(tx: Tx, msg: MessageSummary, intakeId: number, raw: Buffer) {
    const events: AuditInput[] = [];
    const from = msg.fromAddress ?? "（无）";
    const refuse = async (reason: string, ctx: { tokenId?: number; approver?: { name: string; email: string | null }; draftId?: number; title?: string } = {}) => {
      events.push({ actor: `email:${from}`, action: "approval.refused", entityType: ctx.draftId ? "draft" : "intake", entityId: ctx.draftId ?? intakeId, detail: { reason, intakeId, tokenId: ctx.tokenId, subject: msg.subject.slice(0, 200) } });
      if (ctx.approver?.email)
        await queueMail(tx, this.config, {
          kind: "refusal",
          to: ctx.approver.email,
          subject: `【未生效】关于《${ctx.title ?? "审批事项"}》的邮件回复`,
          template: "refusal",
          data: { approverName: ctx.approver.name, approverEmail: ctx.approver.email, title: ctx.title, from, receivedAt: formatLongDateTime(new Date()), reason, draftId: ctx.draftId },
          draftId: ctx.draftId ?? null,
        });
      return { reason: `审批回复未生效：${reason}`, draftId: ctx.draftId ?? null, audit: events };
    };

    const token = tokenFromSubject(msg.subject);
    const thread = [msg.inReplyTo, ...msg.references].filter((x): x is string => !!x);
    if (!token) {
      // A reply to one of our mails without a token: tell the approver of that request, if any.
      const request = thread.length ? await tx.outboundMail.findFirst({ where: { messageId: { in: thread }, kind: "approval_request" } }) : null;
      const tok = request ? await tx.approvalToken.findFirst({ where: { requestMessageId: request.messageId } }) : null;
      const person = tok ? await tx.person.findUnique({ where: { id: tok.personId } }) : null;
      const draft = request?.draftId ? await tx.draft.findUnique({ where: { id: request.draftId } }) : null;
      return refuse("邮件主题中没有审批编号（可能被删改），无法确认是哪一项审批", { approver: person ?? undefined, draftId: draft?.id, title: draft?.title });
    }
    const row = await tx.approvalToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { reviewStep: { include: { draft: true } } } });
    if (!row) return refuse("审批编号无效");
    const person = await tx.person.findUniqueOrThrow({ where: { id: row.personId } });
    const step = row.reviewStep;
    const ctx = { tokenId: row.id, approver: person, draftId: step.draftId, title: step.formTitle };

    if (row.usedAt) return refuse("该审批邀请已使用过，重复的回复不再生效", ctx);
    if (step.status !== "pending") return refuse("该审批环节已经结束（已有决定或已重新送审）", ctx);
    if (row.expiresAt < new Date()) return refuse("审批邀请已过期，请登录网页审核或请信息管理员重新送审", ctx);
    if (!row.requestMessageId || !thread.includes(row.requestMessageId))
      return refuse("回复不在原审批邮件的会话中（审批编号出现在另一封邮件里）", ctx);
    if (!person.email || msg.fromAddress !== person.email)
      return refuse(`发件地址 ${from} 不是审批人登记的邮箱（转发给他人的审批邀请不能代为审批）`, ctx);
    if (this.config.approvals.dkim === "required") {
      const problem = await this.dkimProblem(raw, person.email, msg);
      if (problem) return refuse(problem, ctx);
    }

    const decision = readDecision(msg.text);
    if (decision.kind === "empty") return refuse("回复中除引用的原邮件外没有内容", ctx);
    if (decision.kind === "comment") {
      events.push({ actor: `email:${from}`, action: "approval.comment", entityType: "draft", entityId: step.draftId, detail: { stepId: step.id, comment: decision.comment.slice(0, 2000) } });
      await queueMail(tx, this.config, {
        kind: "comment_recorded",
        to: person.email,
        subject: `【意见已记录】${step.formTitle}`,
        template: "comment_recorded",
        data: { approverName: person.name, title: step.formTitle, comment: decision.comment.slice(0, 500) },
        draftId: step.draftId,
      });
      return { reason: "审批回复作为意见记录，未作决定", draftId: step.draftId, audit: events };
    }

    const actor = await loadActorIn(tx, { personId: person.id });
    if (!actor) return refuse("审批人没有有效的后台账号", ctx);
    const action = decision.kind === "send_back" ? "send_back" : step.stage === "division_head" ? "division_approve" : "leader_approve";
    const comment = decision.kind === "send_back" ? decision.reason : decision.comment || "同意";
    try {
      await this.review.actIn(tx, actor, step.draftId, null, action, { comment }, { channel: "email" });
    } catch (err) {
      if (err instanceof GatewayError) return refuse(`审批未能执行：${err.message}`, ctx);
      throw err;
    }
    // Single use: this token and every other token of the step.
    await tx.approvalToken.updateMany({ where: { reviewStepId: step.id, usedAt: null }, data: { usedAt: new Date() } });
    const decisionLabel = decision.kind === "send_back" ? "退回修改" : "同意";
    events.push({ actor: `email:${from}`, action: "approval.decided", entityType: "draft", entityId: step.draftId, detail: { stepId: step.id, stage: stageName(step.stage), decision: decisionLabel, intakeId } });
    await queueMail(tx, this.config, {
      kind: "decision_recorded",
      to: person.email,
      subject: `【已记录】${step.formTitle}：${decisionLabel}`,
      template: "decision_recorded",
      data: { approverName: person.name, title: step.formTitle, decisionLabel, comment: decision.kind === "send_back" ? decision.reason : decision.comment, decidedAt: formatLongDateTime(new Date()) },
      draftId: step.draftId,
    });
    return { reason: `${person.name}通过邮件${decisionLabel}（${stageName(step.stage)}）`, draftId: step.draftId, audit: events };
  }

  /** null when DKIM passes with DMARC alignment for the approver's domain. */
  private async dkimProblem(raw: Buffer, approverEmail: string, msg: MessageSummary): Promise<string | null> {
    const domain = approverEmail.split("@")[1]!;
    const trusted = this.config.approvals.trustedAuthservId;
    if (trusted) {
      const ar = msg.headers.filter(([k]) => k === "authentication-results").map(([, v]) => v);
      for (const v of ar) {
        if (v.split(";")[0]!.trim().toLowerCase() !== trusted.toLowerCase()) continue; // only our own server's verdict counts
        if (/\bdmarc=pass\b/i.test(v) && new RegExp(`header\\.from=${domain.replace(/\./g, "\\.")}\\b`, "i").test(v)) return null;
        return `本机邮件服务器的认证结果不是 DMARC 通过（${v.slice(0, 120)}）`;
      }
    }
    const res = await authenticate(raw, { resolver: this.resolver as never, disableArc: true, disableBimi: true, trustReceived: false, sender: approverEmail });
    const dmarc = res.dmarc as { status?: { result?: string }; domain?: string } | false;
    if (dmarc && dmarc.status?.result === "pass" && dmarc.domain?.toLowerCase() === domain) return null;
    const dkim = (res.dkim?.results ?? []) as Array<{ status?: { result?: string; aligned?: string | false }; signingDomain?: string }>;
    if (dkim.some((r) => r.status?.result === "pass" && (r.status.aligned || r.signingDomain?.toLowerCase() === domain))) return null;
    return "DKIM 签名未通过或与发件域不一致（策略要求 DKIM 与 DMARC 对齐）";
  }
}
