// The draft page's view: what the officer may do now, what stops the next step and why, the
// approver's bar (同意 / 退回 / 意见), the state notes, the record, and — when a form was refused —
// the officer's input and, for an edit that crossed another, both versions. One function renders
// the page for a GET and again for a refused POST (forms.ts), so nothing typed is lost.
import type { Request, Response } from "express";
import type { App } from "../app.js";
import { mayAct } from "../domain/permissions.js";
import { hasRole, Role } from "../domain/roles.js";
import { LEADER_STAGES } from "../domain/review-steps.js";
import { actionLabel, canStart, DRAFT_ACTIONS, needsReason, type DraftAction } from "../domain/status.js";
import { lineDiff } from "./diff.js";
import { searchTerms } from "./format.js";
import { NO_FORM_STATE, type FormState } from "./forms.js";
import { actorOf } from "./middleware.js";
import { emailReplies } from "../approvals/reply-records.js";
import { publishingView } from "./routes/publishing.js";
import type { OriginalViews } from "./original-view.js";
import { int } from "./params.js";
import { DUPLICATE_WINDOW_DAYS, suggestDuplicates } from "../review/duplicates.js";

/** The approver's decisions, offered together in one bar (sticky at the bottom of a phone). */
const APPROVER_ACTIONS: readonly DraftAction[] = ["division_approve", "leader_approve", "send_back"];

export interface OfferedAction {
  id: DraftAction;
  label: string;
  needsComment: boolean;
  /** Why the action cannot be taken yet; the button is shown disabled with this beside it. */
  blocked: string | null;
  primary: boolean;
}

export function draftPage(app: App, originals: OriginalViews) {
  return async (req: Request, res: Response, state: FormState = NO_FORM_STATE): Promise<void> => {
    const actor = actorOf(req);
    const id = int(req.params.id) ?? 0;
    const detail = app.read.draftDetail(actor, id);
    const { draft } = detail;
    const first = draft.intakes[0];
    const original = first?.rawPath ? await originals.get(first.rawPath) : null;
    const allowed = DRAFT_ACTIONS.filter((a) => canStart(a, draft.status) && mayAct(actor, a, draft));

    // The approver's bar: 同意 (the step's approval), 退回 (send back, reason required), 意见.
    const approve = allowed.find((a) => a === "division_approve" || a === "leader_approve") ?? null;
    const approval = approve ? { approve, approveLabel: actionLabel[approve], sendBack: allowed.includes("send_back") } : null;

    const leaderApproved = draft.reviewSteps.some((s) => s.status === "approved" && (LEADER_STAGES as readonly string[]).includes(s.stage) && s.stage !== "leader");
    const publishHint = allowed.includes("publish") && draft.importantHint && !leaderApproved ? draft.importantHint : null;
    const unitBlock = draft.unitConfirmed ? null : draft.channel === "fax" ? `传真号码 ${draft.faxNumber ?? "（无）"} 未登记` : `发件地址 ${draft.senderAddress ?? "（无）"} 未登记`;

    const actions: OfferedAction[] = allowed
      .filter((a) => !(approval && APPROVER_ACTIONS.includes(a)))
      .filter((a) => a !== "refer_to_leader" || publishHint != null)
      .map((a) => ({
        id: a,
        label: actionLabel[a],
        needsComment: needsReason(a) || (a === "publish" && publishHint != null),
        blocked:
          a === "send_for_review"
            ? [unitBlock && `报送单位未确认（${unitBlock}）`, draft.columnId == null && "栏目未定", draft.divisionId == null && "处室未定"].filter(Boolean).join("；") || null
            : null,
        primary: a === "send_for_review" || a === "publish" || a === "refer_to_leader",
      }));

    const revisions = draft.revisions.map((rev, i) => {
      const newer = i === 0 ? { title: draft.title, body: draft.body } : draft.revisions[i - 1]!;
      return { ...rev, diff: lineDiff(`${rev.title}\n\n${rev.body}`, `${newer.title}\n\n${newer.body}`) };
    });

    // An edit that crossed someone else's: their saved text and the officer's, side by side,
    // and the form carries the current version so that 「保留我的修改」 saves the officer's.
    const conflict =
      state.form === "edit" && state.code === "STALE_VERSION"
        ? {
            mine: { title: state.input.title ?? "", body: state.input.body ?? "" },
            theirs: { title: draft.title, body: draft.body, by: draft.revisions[0]?.editedBy ?? null, at: draft.revisions[0]?.createdAt ?? null },
            diff: lineDiff(`${draft.title}\n\n${draft.body}`, `${state.input.title ?? ""}\n\n${state.input.body ?? ""}`),
          }
        : null;

    // The queue's search words, carried to the page: marked in the text, and listed where the
    // text is in an edit box (a textarea cannot mark).
    const q = typeof req.query.q === "string" ? req.query.q.slice(0, 100) : "";
    const bodyHits = q ? hitsIn(draft.body, q) : [];

    const canTriage = mayAct(actor, "triage", draft);
    // Likely originals of this draft, for the officer to compare before merging (decides nothing).
    const duplicates = canTriage && draft.duplicateOfId == null ? suggestDuplicates(draft, app.read.duplicateCandidates(actor, draft, DUPLICATE_WINDOW_DAYS)) : [];
    res.render("draft.njk", {
      d: draft,
      original,
      log: detail.log,
      notes: detail.notes,
      merged: detail.merged,
      revisions,
      actions,
      approval,
      publishHint,
      unitBlock,
      canRegisterSender: !draft.unitConfirmed && hasRole(actor, Role.infoCentre) && (draft.channel === "fax" ? !!draft.faxNumber : !!draft.senderAddress),
      canClearProhibited: draft.flags.includes("prohibited_content") && mayAct(actor, "send_for_review", draft),
      canClearUnscreened: draft.flags.includes("unscreened") && mayAct(actor, "send_for_review", draft),
      canEdit: mayAct(actor, "edit", draft),
      canTriage,
      choices: canTriage || hasRole(actor, Role.infoCentre) ? app.read.choices() : null,
      conflict,
      duplicates,
      duplicateDays: DUPLICATE_WINDOW_DAYS,
      q,
      bodyHits,
      opinions: detail.opinions,
      // Every reply by e-mail about this draft, read from the audit trail (who, when, what they wrote, what was made of it).
      mailReplies: await emailReplies(app.db, draft.id),
      fs: state,
      ...(await publishingView(app, actor, draft)),
    });
  };
}

/** Up to five stretches of `text` around the search words' occurrences. */
function hitsIn(text: string, q: string): string[] {
  const flat = text.replace(/\s+/g, " ");
  const lower = flat.toLowerCase();
  const out: string[] = [];
  for (const t of searchTerms(q)) {
    let at = lower.indexOf(t.toLowerCase());
    while (at >= 0 && out.length < 5) {
      out.push(`${at > 20 ? "…" : ""}${flat.slice(Math.max(0, at - 20), at + t.length + 20)}${at + t.length + 20 < flat.length ? "…" : ""}`);
      at = lower.indexOf(t.toLowerCase(), at + t.length + 20);
    }
  }
  return out;
}
