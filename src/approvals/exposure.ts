// A token that has been seen is void. The token is the secret of an e-mailed approval (with
// APPROVAL_DKIM=off, whoever has read it can forge a 同意), and it comes back in mail the gateway
// did not ask for: an approver's out-of-office quoting the request's subject, a bounce carrying
// the request's headers, a request forwarded into a submission. Such mail is kept (the raw in the
// blob store, the intake mailbox, backups) and listed (运行状态), where more people read it than
// the approver — so redacting what we store and show (domain/token-shape.ts) is not enough: the
// token itself is voided, audited on the draft, and the people who can act are told. The approver
// gets one fresh request per step (an out-of-office answers it at most once more; a bounce gets
// none — the address does not work), and the division's info administrators hear why.
// Also used when an approver's registered address changes: requests sent to the old one are void.
import libmime from "libmime";
import type { AuditInput } from "../audit/audit.js";
import type { Config } from "../config/index.js";
import type { Tx } from "../db/client.js";
import { stageName } from "../domain/review-steps.js";
import { formatLongDateTime } from "../domain/time.js";
import { tokensIn } from "../domain/token-shape.js";
import type { MessageSummary } from "../extract/mime.js";
import { tellInfoAdmins } from "./reply-records.js";
import { queueApprovalRequest } from "./requests.js";
import { hashToken } from "./tokens.js";

/** Where a token may hide in a message: subject, text, header values, and the raw with its encoded words decoded (a bounce's attached headers). */
export function tokensInMessage(msg: MessageSummary, raw: Buffer, partTexts: Buffer[] = []): string[] {
  const decoded = (b: Buffer) => {
    const s = b.toString("latin1").replace(/\r?\n[ \t]+/g, " ");
    let words: string;
    try {
      words = libmime.decodeWords(s);
    } catch {
      words = ""; // a broken encoded word hides nothing that the other readings do not show
    }
    return [s, words, b.toString("utf8")];
  };
  return tokensIn([msg.subject, msg.text, ...msg.headers.map(([, v]) => v), ...decoded(raw), ...partTexts.flatMap(decoded)]);
}

export type ExposureKind = "auto_reply" | "bounce" | "mail" | "address_changed";

const WHY: Record<ExposureKind, string> = {
  auto_reply: "审批人的自动回复（如外出、休假）中带回了审批编号，该编号已出现在网关保存和列出的邮件中",
  bounce: "审批邮件被退信，退信中带回了审批编号；审批人的邮箱可能有误或暂时无法收信",
  mail: "审批编号出现在另一封来信中（如转发的审批邮件），已不再只在审批人手中",
  address_changed: "审批人登记的邮箱已变更，发往原邮箱的审批邀请作废",
};

export interface VoidOutcome {
  audit: AuditInput[];
  voided: number;
  /** Steps still pending whose token was voided (an address change sends them to the new address). */
  pendingSteps: Array<{ stepId: number; personId: number }>;
}

/**
 * Voids the live tokens among `tokens` (hashed and looked up; unknown strings are ignored) or, with
 * `where`, every live token of a person. Audited on each draft; the info administrators are told;
 * the approver gets a fresh request once per step, except after a bounce or an address change
 * (the caller sends to the new address once it is confirmed).
 */
export async function voidTokens(
  tx: Tx,
  config: Config,
  o: { tokens?: string[]; personId?: number; kind: ExposureKind; actor: string; intakeId?: number; detail?: string },
): Promise<VoidOutcome> {
  const where = o.tokens ? { tokenHash: { in: o.tokens.map(hashToken) } } : { personId: o.personId ?? -1 };
  const rows = await tx.approvalToken.findMany({ where: { ...where, usedAt: null, voidedAt: null }, include: { reviewStep: true } });
  const events: AuditInput[] = [];
  const pendingSteps: VoidOutcome["pendingSteps"] = [];
  const why = o.detail ? `${WHY[o.kind]}（${o.detail}）` : WHY[o.kind];
  const now = new Date();
  for (const row of rows) {
    const step = row.reviewStep;
    const claimed = await tx.approvalToken.updateMany({ where: { id: row.id, voidedAt: null }, data: { voidedAt: now, voidReason: `${o.kind}: ${why}`.slice(0, 500) } });
    if (!claimed.count) continue;
    const person = await tx.person.findUnique({ where: { id: row.personId } });
    events.push({ actor: o.actor, action: "approval.token_voided", entityType: "draft", entityId: step.draftId, detail: { tokenId: row.id, stepId: step.id, stage: stageName(step.stage), approver: person?.name, kind: o.kind, why, intakeId: o.intakeId } });
    if (step.status !== "pending") continue;
    if (!pendingSteps.some((p) => p.stepId === step.id && p.personId === row.personId)) pendingSteps.push({ stepId: step.id, personId: row.personId });
    if (o.kind === "address_changed") continue; // the caller sends to the new address
    let resent = false;
    if ((o.kind === "auto_reply" || o.kind === "mail") && person?.email) {
      const earlier = await tx.approvalToken.count({ where: { reviewStepId: step.id, personId: person.id, id: { not: row.id }, OR: [{ voidReason: { startsWith: "auto_reply" } }, { voidReason: { startsWith: "mail" } }] } });
      if (!earlier) {
        await queueApprovalRequest(tx, config, { stepId: step.id, personId: person.id, subjectMark: "【重新发送】", intro: `此前发给您的审批邀请已作废：${why}。` });
        resent = true;
      }
    }
    await tellInfoAdmins(tx, config, {
      draftId: step.draftId,
      title: step.formTitle,
      approverName: person?.name ?? "审批人",
      stageLabel: stageName(step.stage),
      outcomeLabel: resent ? "审批邀请已作废，已向审批人重新发送一次" : "审批邀请已作废，未重新发送：请审批人登录网页审核，或核对其邮箱后重新送审",
      ownText: "（无）",
      why,
      receivedAt: formatLongDateTime(now),
      headline: o.kind === "bounce" ? "审批邮件被退信" : o.kind === "auto_reply" ? `${person?.name ?? "审批人"}自动回复（可能不在岗）` : "审批邀请作废",
    });
  }
  return { audit: events, voided: events.length, pendingSteps };
}
