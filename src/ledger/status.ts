// The intake ledger's vocabulary: one row per message of a source (IntakeMessage), written before
// any work and finalised in the transaction that commits what became of the message. Pure: the
// writers (intake-ledger.ts) and the sources read their rules from here.
//
//             open                    finalise (with the draft, one transaction)
//   (none) ─────────► received ─────────────────────────────► done | failed | quarantined
//                       │  ▲  ╲ park (needs OCR)                    │ failed:
//                       │  │   ╲────► parked ──── finalise ──►      │   retry ──► received
//                       │  │            │                           │
//                       │  └─ interrupted (crash/timeout) < MAX ────┘ ≥ MAX_INTERRUPTIONS: failed
//                       └─ invalidate (UIDVALIDITY changed), lost (gone from the Failed folder): failed
//
// A row that is not decided (received, parked) means the message is still unacknowledged at the
// source: the Maildir file stays in new/, the IMAP message in the watched or Failed folder.
import type { Ack, Outcome } from "../pipeline/contracts.js";

export const IntakeStatus = {
  /** Opened: work is due (first read, or again after an interruption or a retry). */
  received: "received",
  /** Waiting in the OCR lane (issue #15): extracted but for its OCR, not to be read again, not acknowledged. */
  parked: "parked",
  /** Decided: a draft, duplicate, reply or ignored message. */
  done: "done",
  /** Decided as not processable, with its reason; the raw bytes are kept for a person and a retry. */
  failed: "failed",
  /** Art. 10: only the envelope is kept. */
  quarantined: "quarantined",
} as const;
export type IntakeStatus = (typeof IntakeStatus)[keyof typeof IntakeStatus];

/** Rows whose message the pipeline still has to decide. */
export const UNDECIDED: readonly IntakeStatus[] = [IntakeStatus.received, IntakeStatus.parked];

export function isDecided(status: string): boolean {
  return status === IntakeStatus.done || status === IntakeStatus.failed || status === IntakeStatus.quarantined;
}

/** The status a decided outcome is recorded with. */
export function statusFor(outcome: Outcome): IntakeStatus {
  return outcome === "failed" ? IntakeStatus.failed : outcome === "quarantined" ? IntakeStatus.quarantined : IntakeStatus.done;
}

/** What the source does with a message once its outcome is committed. */
export function ackFor(outcome: Outcome): Ack {
  return outcome === "quarantined" ? "remove" : outcome === "failed" ? "failed" : "processed";
}

/**
 * What a source does with a message it finds, by its ledger row: `read` it (new, or interrupted
 * before its commit), leave it (`wait`: parked in the OCR lane), or only acknowledge it (decided
 * by an earlier run that stopped before the acknowledgement).
 */
export function dueAction(row: { status: string; outcome: string | null } | undefined): { kind: "read" } | { kind: "wait" } | { kind: "ack"; ack: Ack } {
  if (!row || row.status === IntakeStatus.received) return { kind: "read" };
  if (row.status === IntakeStatus.parked) return { kind: "wait" };
  return { kind: "ack", ack: ackFor((row.outcome as Outcome | null) ?? "failed") };
}

/** A transition found the row in another state than it requires: someone else moved it first. */
export class LedgerConflict extends Error {
  constructor(id: number, transition: string) {
    super(`intake #${id}: ${transition} refused, the row is no longer undecided`);
    this.name = "LedgerConflict";
  }
}

/**
 * Extractions that crashed or timed out before a message is set aside: the first may have been
 * the process's fault (killed, out of memory for another reason), the second is the message's.
 */
export const MAX_INTERRUPTIONS = 2;

export const INTERRUPTED_CODE = "EXTRACT_INTERRUPTED";

export function interruptedReason(times: number, last: string): string {
  return `提取 ${times} 次未能完成（最近一次：${last}），已停止自动重试：请查看原件，可在「运行状态」中重试`;
}

export const UIDVALIDITY_CODE = "UIDVALIDITY_CHANGED";
export const UIDVALIDITY_REASON = "UIDVALIDITY 已变更：此记录作废，邮件若仍在文件夹中将按新编号重新读取";
