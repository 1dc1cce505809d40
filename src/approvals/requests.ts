// Who hears of what: approval requests to the approver of a new pending step (处长, 办领导),
// notices to the sending unit when its item is returned or published, and receipts (回执) for
// new submissions. Everything is queued in the outbox inside the transaction of the change.
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import type { TransitionEvent, TransitionListener } from "../review/service.js";
import { newMessageId, queueMail } from "../notify/outbox.js";
import { APPROVAL_PHRASES, SEND_BACK_WORDS } from "./decision.js";
import { hashToken, TOKEN_PLACEHOLDER, tokenForMessage, tokenKey } from "./tokens.js";

import { stageName } from "../domain/review-steps.js";
import { formatLongDateTime } from "../domain/time.js";

/** Where a unit hears back: the registered address it sent from, else its first registered address. */
async function unitAddress(tx: Tx, draft: { unitId: number | null; unitConfirmed: boolean; senderAddress: string | null }): Promise<string | null> {
  if (!draft.unitId || !draft.unitConfirmed) return null;
  const addresses = await tx.unitAddress.findMany({ where: { unitId: draft.unitId }, orderBy: { id: "asc" } });
  return addresses.find((a) => a.email === draft.senderAddress)?.email ?? addresses[0]?.email ?? null;
}

/** The grammar as the request mail states it (the same lists the reply is read with). */
export const grammarForMail = {
  approvalPhrases: APPROVAL_PHRASES.filter((p) => /\p{Script=Han}/u.test(p)),
  sendBackWords: SEND_BACK_WORDS.filter((p) => /\p{Script=Han}/u.test(p)),
};

/**
 * Queues a request to one approver of a pending step, with a fresh token: the first request of
 * the step, or the answer to a reply that was only a comment ("reply 同意 to this mail"). The
 * token is derived from the Message-ID at send time (tokens.ts); only its hash is stored.
 */
export async function queueApprovalRequest(
  tx: Tx,
  config: Config,
  o: { stepId: number; personId: number; subjectMark?: string; intro?: string | null; comment?: { text: string; why: string } | null },
): Promise<string | null> {
  const step = await tx.reviewStep.findUniqueOrThrow({ where: { id: o.stepId }, include: { draft: true } });
  const person = await tx.person.findUniqueOrThrow({ where: { id: o.personId } });
  if (!person.email) return null;
  const headOpinion = step.stage === "division_head" ? null : (await tx.reviewStep.findFirst({ where: { draftId: step.draftId, stage: "division_head", status: "approved" }, orderBy: { id: "desc" } }))?.opinion;
  const expiresAt = new Date(Date.now() + config.approvals.tokenHours * 3_600_000);
  const body = step.draft.body.length > 3000 ? `${step.draft.body.slice(0, 3000)}\n……（全文见网页）` : step.draft.body;
  const messageId = newMessageId(config, "approval_request");
  await queueMail(tx, config, {
    kind: "approval_request",
    to: person.email,
    subject: `${o.subjectMark ?? "【待审核】"}${step.formTitle} [审批编号 ${TOKEN_PLACEHOLDER}]`,
    template: "approval_request",
    data: { approverName: person.name, approverEmail: person.email, stageLabel: stageName(step.stage), form: step, body, headOpinion, draftId: step.draftId, expiresAt: formatLongDateTime(expiresAt), comment: o.comment ?? null, intro: o.intro ?? null, grammar: grammarForMail },
    draftId: step.draftId,
    reviewStepId: step.id,
    messageId,
  });
  const token = tokenForMessage(tokenKey(config.dataDir), messageId);
  await tx.approvalToken.create({ data: { reviewStepId: step.id, personId: person.id, tokenHash: hashToken(token), requestMessageId: messageId, expiresAt } });
  return messageId;
}

export class ApprovalRequests implements TransitionListener {
  constructor(private readonly config: Config) {}

  async afterTransition(tx: Tx, e: TransitionEvent): Promise<void> {
    if (e.pendingStepId) await this.requestApproval(tx, e.pendingStepId);
    if (e.action === "return_to_sender" || e.action === "publish") await this.noticeToUnit(tx, e);
  }

  /** One token and one request per approver of the step. */
  async requestApproval(tx: Tx, stepId: number): Promise<void> {
    const step = await tx.reviewStep.findUniqueOrThrow({ where: { id: stepId }, include: { draft: true } });
    const approvers =
      step.stage === "division_head"
        ? await tx.person.findMany({ where: { id: step.approverPersonId ?? -1 } })
        : await tx.person.findMany({ where: { leaderRank: { not: null } } });
    for (const person of approvers) if (person.email) await queueApprovalRequest(tx, this.config, { stepId, personId: person.id });
  }
  private async noticeToUnit(tx: Tx, e: TransitionEvent): Promise<void> {
    const d = await tx.draft.findUniqueOrThrow({ where: { id: e.draftId }, include: { unit: true, division: true, column: true } });
    const to = await unitAddress(tx, d);
    if (!to) return;
    const common = { unitName: d.unit?.name ?? "", title: d.title, draftId: d.id, divisionName: d.division?.fullName ?? "" };
    if (e.action === "return_to_sender")
      await queueMail(tx, this.config, { kind: "returned", to, subject: `【退回】${d.title}`, template: "returned", data: { ...common, reason: e.comment, actorName: e.actor.displayName }, draftId: d.id });
    else
      await queueMail(tx, this.config, {
        kind: "published",
        to,
        subject: `【已发布】${d.title}`,
        template: "published",
        data: { ...common, columnName: d.column?.name ?? "", publisherName: e.actor.displayName, publishedAt: formatLongDateTime(new Date()) },
        draftId: d.id,
      });
  }
}

/**
 * Art. 10: a sender whose mail was quarantined for a 密级 mark hears why, and how to send it
 * instead — only registered senders (never a reply to an unknown address), once per message.
 */
export async function queueQuarantineNotices(db: Db, config: Config): Promise<number> {
  const due = await db.$queryRawUnsafe<Array<{ id: number | bigint; fromAddress: string; messageId: string | null; quarantine: string | null; unitName: string }>>(
    `SELECT i.id, i.fromAddress, i.messageId, i.quarantine, u.name AS unitName FROM IntakeMessage i
       JOIN UnitAddress a ON a.email = i.fromAddress JOIN SendingUnit u ON u.id = a.unitId
      WHERE i.status = 'quarantined' AND NOT EXISTS (SELECT 1 FROM OutboundMail o WHERE o.intakeId = i.id AND o.kind = 'quarantine_notice') LIMIT 100`,
  );
  for (const q of due) {
    const mark = q.quarantine ? (JSON.parse(q.quarantine) as { mark: string; where: string }) : null;
    await db.$transaction(async (tx) => {
      // Checked again inside the transaction (transactions run one at a time): a sweep that
      // overlapped this one may have queued it meanwhile.
      if (await tx.outboundMail.findFirst({ where: { intakeId: Number(q.id), kind: "quarantine_notice" }, select: { id: true } })) return;
      await queueMail(tx, config, {
        kind: "quarantine_notice",
        to: q.fromAddress,
        subject: "【未予接收】来信含密级标志",
        template: "quarantine_notice",
        data: { unitName: q.unitName, mark: mark?.mark, where: mark?.where },
        intakeId: Number(q.id),
        inReplyTo: q.messageId,
      });
    });
  }
  return due.length;
}

/**
 * Receipts (回执) for new drafts from registered senders. A sweep rather than a step of the
 * ingest transaction: whether a receipt is due is simply "no receipt row yet", so a crash
 * between the two loses nothing and sends nothing twice.
 */
export async function queueReceipts(db: Db, config: Config): Promise<number> {
  const since = new Date(Date.now() - 2 * 86_400_000).toISOString().replace("Z", "+00:00");
  const due = await db.$queryRawUnsafe<Array<{ id: number | bigint }>>(
    `SELECT d.id FROM Draft d WHERE d.unitConfirmed = 1 AND d.senderAddress IS NOT NULL AND d.createdAt > ?
       AND NOT EXISTS (SELECT 1 FROM OutboundMail o WHERE o.draftId = d.id AND o.kind = 'receipt') ORDER BY d.id LIMIT 500`,
    since,
  );
  for (const { id } of due) {
    await db.$transaction(async (tx) => {
      if (await tx.outboundMail.findFirst({ where: { draftId: Number(id), kind: "receipt" }, select: { id: true } })) return; // queued by an overlapping sweep
      const d = await tx.draft.findUniqueOrThrow({ where: { id: Number(id) }, include: { unit: true, division: true } });
      const to = await unitAddress(tx, d);
      if (!to) return;
      await queueMail(tx, config, {
        kind: "receipt",
        to,
        subject: `【回执】已收到：${d.title}`,
        template: "receipt",
        data: { unitName: d.unit?.name ?? "", title: d.title, draftId: d.id, divisionName: d.division?.fullName, receivedAt: formatLongDateTime(d.receivedAt) },
        draftId: d.id,
      });
    });
  }
  return due.length;
}
