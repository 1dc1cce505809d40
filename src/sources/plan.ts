// Batch planning for the sources, as pure functions: which of the messages found are read, only
// acknowledged, left waiting or recorded as oversized, and how the ones to read are cut into
// batches. No I/O here, so the rules are tested directly (tests/unit/plan.test.ts).
import type { Ack } from "../pipeline/contracts.js";
import { dueAction } from "../ledger/status.js";

/** `items` in slices of `size` (the last may be shorter). */
export function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Batches of at most `count` messages and `bytes` bytes, in order; a message larger than `bytes` is a batch of its own. */
export function* batches<T extends { size: number }>(items: T[], count: number, bytes: number): Generator<T[]> {
  let cur: T[] = [];
  let size = 0;
  for (const m of items) {
    if (cur.length && (cur.length >= count || size + m.size > bytes)) {
      yield cur;
      cur = [];
      size = 0;
    }
    cur.push(m);
    size += m.size;
  }
  if (cur.length) yield cur;
}

export interface WindowPlan<T> {
  /** Decided by an earlier run that stopped before the acknowledgement: only that is left. */
  acknowledge: Map<Ack, T[]>;
  /** Parked in the OCR lane: left where they are, unacknowledged. */
  waiting: T[];
  /** Over the size cap: recorded as failed without being downloaded. */
  oversized: T[];
  /** To read, in order. */
  read: T[];
}

/** What to do with each message of a listing, from its ledger row (absent: new) and its size. */
export function planWindow<T extends { sourceKey: string; size: number }>(items: T[], ledger: Map<string, { status: string; outcome: string | null }>, maxBytes: number): WindowPlan<T> {
  const plan: WindowPlan<T> = { acknowledge: new Map(), waiting: [], oversized: [], read: [] };
  for (const m of items) {
    const due = dueAction(ledger.get(m.sourceKey));
    if (due.kind === "ack") {
      const list = plan.acknowledge.get(due.ack);
      if (list) list.push(m);
      else plan.acknowledge.set(due.ack, [m]);
    } else if (due.kind === "wait") plan.waiting.push(m);
    else if (m.size > maxBytes) plan.oversized.push(m);
    else plan.read.push(m);
  }
  return plan;
}

/**
 * The Maildir files that need work: every unseen file whose ledger row is undecided, and a
 * decided one not yet acknowledged (a failed one still in new/, a done or quarantined one not
 * yet seen). `candidates` are the unseen files — or, on a process's first pass, every file, so
 * that a seen file the ledger does not know (a commit lost to a power cut) is read again.
 */
export function dueMaildirFiles<T extends { sourceKey: string; seen: boolean; dir: "new" | "cur" }>(candidates: T[], ledger: Map<string, { status: string; outcome: string | null }>): T[] {
  return candidates.filter((c) => {
    const due = dueAction(ledger.get(c.sourceKey));
    if (due.kind === "read") return true; // new, or interrupted mid-way
    if (due.kind === "wait") return false; // parked in the OCR lane: left unacknowledged
    if (due.ack === "failed") return c.dir === "new"; // decided, only the move to cur/ is left
    return !c.seen; // done/quarantined but not acknowledged yet
  });
}
