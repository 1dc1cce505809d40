// A draft's record read for people: the 操作日志 (who, what, when, why — in Chinese, never a code)
// and the state notes that explain where an item stands — sent back by whom and why, an opinion
// on the step that waits, merged into which original. The same notes make the draft's banner and
// the queue's tags, so both always say the same thing. Pure functions over audit events: the
// audit trail is the record, and decisions by e-mail reply are in it like those on the web.
import { auditActionLabel } from "../domain/audit-actions.js";
import { stageName } from "../domain/review-steps.js";

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  detail: string;
}

/** "user:zhangwenyi" → 张文艺; "email:…" → the person of that address; system actors by role. */
export type NameOf = (actor: string) => string;

export interface LogEntry {
  at: Date;
  who: string;
  what: string;
  /** The reason or opinion given, if any. */
  why: string | null;
  /** 邮件回复 when the step was decided by a reply. */
  how: string | null;
}

const parse = (detail: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(detail) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {}; // the audit row itself stays as written (and verifiable); only this note has no detail to show
  }
};

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);

/** The reason or opinion an event carries, whatever service wrote it. */
function reasonOf(action: string, d: Record<string, unknown>): string | null {
  if (action === "approval.comment") return text(d.comment) ?? text(d.ownText);
  if (action === "review.publish" && d.hintOverride && typeof d.hintOverride === "object") return `未报办领导审核的理由：${text((d.hintOverride as Record<string, unknown>).reason) ?? ""}`;
  if (action === "draft.merge" && typeof d.into === "number") return `并入稿件 #${d.into}`;
  if (action === "screen.clear_prohibited") return text(d.reason);
  return text(d.comment) ?? text(d.reason) ?? text(d.opinion);
}

export function readableLog(events: AuditRow[], nameOf: NameOf): LogEntry[] {
  return events.map((e) => {
    const d = parse(e.detail);
    const email = d.channel === "email" || e.actor.startsWith("email:");
    return { at: e.at, who: nameOf(e.actor), what: auditActionLabel(e.action), why: reasonOf(e.action, d), how: email ? "邮件回复" : null };
  });
}

export type StateNoteKind = "sent_back" | "returned_to_sender" | "rejected" | "archived" | "merged" | "comment" | "correcting";

export interface StateNote {
  kind: StateNoteKind;
  /** The queue tag: short, e.g. 「处长退回」. */
  tag: string;
  who: string;
  why: string | null;
  at: Date | null;
  how: string | null;
  /** The draft the note points to (the original of a merged duplicate). */
  draftId?: number;
}

export interface NoteContext {
  status: string;
  duplicateOfId: number | null;
  /** The step waiting for a decision now, if any: opinions on it are shown. */
  pendingStepId: number | null;
}

const TRANSITIONS: Record<string, { kind: StateNoteKind; status: string }> = {
  "review.send_back": { kind: "sent_back", status: "triage" },
  "review.return_to_sender": { kind: "returned_to_sender", status: "returned" },
  "review.reject": { kind: "rejected", status: "rejected" },
  "review.archive": { kind: "archived", status: "archived" },
  "review.correct": { kind: "correcting", status: "triage" },
};

/** The actions state notes are made of: the queue reads only these. */
export const NOTE_ACTIONS: readonly string[] = [...Object.keys(TRANSITIONS), "review.comment", "approval.comment", "draft.merge", "review.send_for_review", "review.reopen", "review.division_approve", "review.leader_approve", "review.publish"];

/**
 * Where the item stands and why, from its events (oldest first): the transition that brought it
 * to its present status, if that one had a reason, and the opinions on the step that waits now.
 */
export function stateNotes(ctx: NoteContext, events: AuditRow[], nameOf: NameOf): StateNote[] {
  const notes: StateNote[] = [];
  // The last change of status decides which note still stands: a 退回 followed by a new 送审
  // is history, not the present.
  const last = [...events].reverse().find((e) => e.action.startsWith("review.") && e.action !== "review.comment");
  const t = last ? TRANSITIONS[last.action] : undefined;
  if (last && t && t.status === ctx.status) {
    const d = parse(last.detail);
    const from = typeof d.from === "string" ? d.from : "";
    const who = nameOf(last.actor);
    const how = d.channel === "email" ? "邮件回复" : null;
    const why = reasonOf(last.action, d);
    if (t.kind === "sent_back") notes.push({ kind: t.kind, tag: from === "leader_review" ? "办领导退回" : from === "division_review" ? "处长退回" : "收回重审", who, why, at: last.at, how });
    else if (t.kind === "returned_to_sender") notes.push({ kind: t.kind, tag: "已退回报送单位", who, why, at: last.at, how });
    else if (t.kind === "rejected") notes.push({ kind: t.kind, tag: "不予采用", who, why, at: last.at, how });
    else if (t.kind === "archived" && ctx.duplicateOfId == null) notes.push({ kind: t.kind, tag: "已归档", who, why, at: last.at, how });
    else if (t.kind === "correcting") notes.push({ kind: t.kind, tag: "更正中", who, why, at: last.at, how });
  }
  if (ctx.duplicateOfId != null) {
    const merge = [...events].reverse().find((e) => e.action === "draft.merge");
    notes.push({ kind: "merged", tag: `已并入 #${ctx.duplicateOfId}`, who: merge ? nameOf(merge.actor) : "", why: "重复报送", at: merge?.at ?? null, how: null, draftId: ctx.duplicateOfId });
  }
  if (ctx.pendingStepId != null) {
    for (const e of events) {
      if (e.action !== "review.comment" && e.action !== "approval.comment") continue;
      const d = parse(e.detail);
      if (d.stepId !== ctx.pendingStepId) continue;
      const stage = typeof d.stage === "string" ? stageName(d.stage) : "审核";
      notes.push({ kind: "comment", tag: `${stage.replace(/审核$/, "")}意见`, who: nameOf(e.actor), why: reasonOf(e.action, d), at: e.at, how: e.action === "approval.comment" ? "邮件回复" : null });
    }
  }
  return notes;
}

/** An opinion given on a step without deciding it (意见), on the web or by e-mail reply. */
export interface Opinion {
  stepId: number | null;
  who: string;
  actor: string;
  text: string;
  at: Date;
  how: string | null;
}

export function opinionsOf(events: AuditRow[], nameOf: NameOf): Opinion[] {
  return events
    .filter((e) => e.action === "review.comment" || e.action === "approval.comment")
    .map((e) => {
      const d = parse(e.detail);
      return { stepId: typeof d.stepId === "number" ? d.stepId : null, who: nameOf(e.actor), actor: e.actor, text: reasonOf(e.action, d) ?? "", at: e.at, how: e.action === "approval.comment" ? "邮件回复" : null };
    });
}
