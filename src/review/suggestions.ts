// The officer's answers to the clean-up suggestions (compose/cleanup.ts), and the check before
// 发布 that no personal data or 错敏词 is left unanswered. Suggestions are computed from the
// current text whenever they are shown or checked (an edit may add a phone number); the draft
// keeps the answers by suggestion id (kind + the text found), so an answer holds for that text.
// Every answer is audited; accepting changes the body as an edit does (a revision is kept).
import { audit } from "../audit/audit.js";
import { applySuggestion, suggestCleanup, type Suggestion } from "../compose/cleanup.js";
import type { Db, Tx } from "../db/client.js";
import { GatewayError } from "../domain/errors.js";
import { canSee, isInfoAdminOf, mayAct } from "../domain/permissions.js";
import type { Actor } from "../domain/roles.js";

type DraftRow = NonNullable<Awaited<ReturnType<Tx["draft"]["findUnique"]>>>;

/** The 错敏词 rules (RoutingRule kind sensitive_term) found in a text. */
export async function sensitiveTermsIn(tx: Tx | Db, text: string): Promise<string[]> {
  const rules = await tx.routingRule.findMany({ where: { kind: "sensitive_term", enabled: true } });
  return rules.filter((r) => (r.isRegex ? new RegExp(r.pattern, "u").test(text) : text.includes(r.pattern))).map((r) => r.pattern);
}

/** The suggestions for the draft as it is now, with the answers already given. */
export function currentSuggestions(d: Pick<DraftRow, "title" | "body" | "suggestions">, terms: string[]): Suggestion[] {
  const answered = new Map((JSON.parse(d.suggestions || "[]") as Suggestion[]).filter((s) => s.status !== "open").map((s) => [s.id, s]));
  return suggestCleanup(d.title, d.body, terms).map((s) => {
    const a = answered.get(s.id);
    return a ? { ...s, status: a.status, answeredBy: a.answeredBy, reason: a.reason } : s;
  });
}

/** 发布 is held while personal data or a 错敏词 in the text has no answer (removed, or confirmed by a person). */
export async function assertNoOpenPersonalData(tx: Tx, d: DraftRow): Promise<void> {
  const open = currentSuggestions(d, await sensitiveTermsIn(tx, `${d.title}\n${d.body}`)).filter((s) => s.blocking && s.status === "open");
  if (open.length)
    throw new GatewayError("INVALID_TRANSITION", `正文含未处理的个人信息或错敏词：${open.map((s) => s.label.replace(/：.*$/, "")).join("、")}。请删除，或确认可以公开后再发布`);
}

export type Answer = "accept" | "reject";

/**
 * accept: apply the suggestion to the body (triage only, as any edit). reject: keep the text —
 * for personal data and 错敏词 this is the confirmation that it may be published, and needs a reason.
 */
export async function answerSuggestion(db: Db, actor: Actor, id: number, version: number, suggestionId: string, answer: Answer, reason: string, ip?: string) {
  return db.$transaction(async (tx) => {
    const d = await tx.draft.findUnique({ where: { id } });
    if (!d || !canSee(actor, d)) throw new GatewayError(d ? "FORBIDDEN" : "NOT_FOUND");
    if (d.version !== version) throw new GatewayError("STALE_VERSION");
    if (!isInfoAdminOf(actor, d)) throw new GatewayError("FORBIDDEN");
    const all = currentSuggestions(d, await sensitiveTermsIn(tx, `${d.title}\n${d.body}`));
    const s = all.find((x) => x.id === suggestionId);
    if (!s) throw new GatewayError("VALIDATION", "此建议已不适用（正文已修改），请刷新");
    const stored = (JSON.parse(d.suggestions || "[]") as Suggestion[]).filter((x) => x.id !== s.id);
    const label = `user:${actor.username}`;
    if (answer === "accept") {
      if (!mayAct(actor, "edit", d)) throw new GatewayError("INVALID_TRANSITION", "只有待分拣的稿件可以修改正文；已送审的稿件请退回修改");
      const body = applySuggestion(d.body, s);
      if (body == null || body === d.body) throw new GatewayError("VALIDATION", "此建议已不适用（正文已修改），请刷新");
      await tx.draftRevision.create({ data: { draftId: id, version: d.version, title: d.title, body: d.body, columnId: d.columnId, divisionId: d.divisionId, unitId: d.unitId, editedBy: actor.displayName, note: `采纳清理建议：${s.label}` } });
      const updated = await tx.draft.update({ where: { id }, data: { body, suggestions: JSON.stringify([...stored, { ...s, status: "accepted", answeredBy: actor.displayName }]), version: { increment: 1 } } });
      await audit(tx, { actor: label, action: "draft.cleanup_accept", entityType: "draft", entityId: id, ip, detail: { suggestion: s.id, kind: s.kind, label: s.label } });
      return updated;
    }
    if (s.blocking && !reason.trim()) throw new GatewayError("VALIDATION", "确认保留个人信息或错敏词须填写理由（例如：单位公开的办公电话）");
    const updated = await tx.draft.update({ where: { id }, data: { suggestions: JSON.stringify([...stored, { ...s, status: "rejected", answeredBy: actor.displayName, reason: reason.trim() || undefined }]), version: { increment: 1 } } });
    await audit(tx, { actor: label, action: s.blocking ? "draft.personal_data_confirmed" : "draft.cleanup_reject", entityType: "draft", entityId: id, ip, detail: { suggestion: s.id, kind: s.kind, value: s.blocking ? s.find : undefined, reason: reason.trim() || undefined } });
    return updated;
  });
}
