// The ledger's transitions that run through Prisma, inside the transaction of the change they
// belong to (an e-mailed decision, a retry asked for in the web screen, a merge of duplicates,
// the IMAP source's bookkeeping). With sqlite-ledger.ts, the only code that writes IntakeMessage
// (eslint.config.js refuses it elsewhere).
import type { Db, Tx } from "../db/client.js";
import type { MessageSummary } from "../extract/mime.js";
import { GatewayError } from "../domain/errors.js";
import { redactTokens } from "../domain/token-shape.js";
import { IntakeStatus, LedgerConflict, UIDVALIDITY_CODE, UIDVALIDITY_REASON, UNDECIDED } from "./status.js";

type Client = Db | Tx;

/** finalise, for a reply to an approval request: decided with the reply's own reason, in the decision's transaction. */
export async function finaliseReply(tx: Tx, id: number, parsed: MessageSummary, r: { subject: string; attempts: number; rawPath: string; reason: string }): Promise<void> {
  const { count } = await tx.intakeMessage.updateMany({
    where: { id, status: { in: [...UNDECIDED] } },
    data: { status: IntakeStatus.done, outcome: "reply", messageId: parsed.messageId, fromAddress: parsed.fromAddress, subject: redactTokens(r.subject).slice(0, 500), sentAt: parsed.date, processedAt: new Date(), attempts: r.attempts, rawPath: r.rawPath, error: redactTokens(r.reason) },
  });
  if (count !== 1) throw new LedgerConflict(id, "finaliseReply");
}

export interface OversizedMessage {
  mailboxId: number;
  sourceKey: string;
  file: string;
  uidValidity: bigint;
  uid: number;
  size: number;
  error: string;
  envelope: { messageId: string | null; fromAddress: string | null; subject: string | null; sentAt: Date | null };
}

/**
 * record oversized: a message over the size cap, never downloaded, is failed with its envelope
 * (from its header block) — a new row, or its retry row again. Its sha256 stays empty: the raw
 * message was not read, and a hash is not invented.
 */
export async function recordOversized(tx: Tx, m: OversizedMessage): Promise<{ id: number }> {
  const envelope = { ...m.envelope, subject: m.envelope.subject == null ? null : redactTokens(m.envelope.subject) };
  const data = { status: IntakeStatus.failed, outcome: "failed", errorCode: "MESSAGE_TOO_LARGE", error: redactTokens(m.error), processedAt: new Date(), ...envelope };
  return tx.intakeMessage.upsert({
    where: { mailboxId_sourceKey: { mailboxId: m.mailboxId, sourceKey: m.sourceKey } },
    create: { mailboxId: m.mailboxId, sourceKey: m.sourceKey, file: m.file, uidValidity: m.uidValidity, uid: m.uid, sha256: "", size: m.size, attempts: 1, ...data },
    update: { ...data, size: m.size, attempts: { increment: 1 } },
    select: { id: true },
  });
}

/**
 * invalidate: the folder's UIDVALIDITY changed, so every undecided row keyed by the old numbering
 * names no message any more; they are failed (their messages, if still there, are read again
 * under the new numbering). Not the retries: their messages lie in the Failed folder
 * (`keepFilePrefix`), whose numbering stands.
 */
export async function invalidateForNewUidValidity(tx: Tx, mailboxId: number, uidValidity: bigint, keepFilePrefix: string): Promise<number> {
  const { count } = await tx.intakeMessage.updateMany({
    where: { mailboxId, status: { in: [...UNDECIDED] }, NOT: [{ uidValidity }, { file: { startsWith: keepFilePrefix } }] },
    data: { status: IntakeStatus.failed, outcome: "failed", errorCode: UIDVALIDITY_CODE, error: UIDVALIDITY_REASON, processedAt: new Date() },
  });
  return count;
}

/** lost: a retry whose message is no longer where the ledger says (nor found by Message-ID) fails again, with that reason. */
export async function markLost(db: Client, ids: number[], reason: string): Promise<void> {
  if (ids.length) await db.intakeMessage.updateMany({ where: { id: { in: ids }, status: IntakeStatus.received }, data: { status: IntakeStatus.failed, outcome: "failed", error: reason, processedAt: new Date() } });
}

/** Where a failed message now lies (the IMAP Failed folder's UID), so that a retry reads it from there. */
export async function recordFailedLocation(db: Client, mailboxId: number, sourceKey: string, file: string): Promise<void> {
  await db.intakeMessage.updateMany({ where: { mailboxId, sourceKey }, data: { file } });
}

/**
 * A row recorded without its bytes (oversized) gets the sha256 once they are read: the ledger is
 * opened with INSERT OR IGNORE, and re-sends of the same bytes are recognised by this hash.
 */
export async function recordHash(db: Client, mailboxId: number, sourceKey: string, sha256: string, size: number): Promise<void> {
  await db.intakeMessage.updateMany({ where: { mailboxId, sourceKey }, data: { sha256, size } });
}

/** retry: failed → received, asked for in 运行状态; the count of interruptions starts again. */
export async function retry(tx: Tx, id: number): Promise<{ error: string | null }> {
  const row = await tx.intakeMessage.findUnique({ where: { id }, select: { status: true, error: true } });
  if (!row || row.status !== IntakeStatus.failed) throw new GatewayError("INVALID_TRANSITION", "只有处理失败的邮件可以重试");
  await tx.intakeMessage.update({ where: { id }, data: { status: IntakeStatus.received, outcome: null, interruptions: 0 } });
  return { error: row.error };
}

/** merge: the mail of a draft merged into another as a duplicate is listed under the original. */
export async function mergeDraft(tx: Tx, fromDraftId: number, intoDraftId: number): Promise<void> {
  await tx.intakeMessage.updateMany({ where: { draftId: fromDraftId }, data: { draftId: intoDraftId, outcome: "duplicate" } });
}
