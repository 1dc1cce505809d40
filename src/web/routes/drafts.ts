// One draft: the page with the original beside it, the 审批表, and the officer's verbs (edit,
// triage, merge, the chain's actions, clearing a prohibited-content flag). Each verb is
// validate → call the review service (which authorises and audits) → redirect.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { GatewayError } from "../../domain/errors.js";
import { mayAct } from "../../domain/permissions.js";
import { LEADER_STAGES, ReviewStage, StepStatus } from "../../domain/review-steps.js";
import { actionLabel, canStart, DRAFT_ACTIONS, isDraftAction, needsReason } from "../../domain/status.js";
import { lineDiff } from "../diff.js";
import { actorOf } from "../middleware.js";
import { OriginalViews } from "../original-view.js";
import { int } from "../params.js";
import { formOf, type FormReader } from "../form.js";

/** The version the form was made from: optimistic locking against a colleague's change. */
const versionOf = (f: FormReader): number => f.id("version", "版本号", { required: true })!;
import { emailReplies } from "../../approvals/reply-records.js";
import { publishingView } from "./publishing.js";

export function draftRoutes(app: App): Router {
  const review = app.review;
  const originals = new OriginalViews((sha) => app.blobs.get(sha), app.config.limits);
  const r = express.Router();

  r.get("/drafts/:id", async (req, res) => {
    const actor = actorOf(req);
    const { draft, events } = app.read.draftDetail(actor, int(req.params.id) ?? 0);
    const first = draft.intakes[0];
    const original = first?.rawPath ? await originals.get(first.rawPath) : null;
    const actions = DRAFT_ACTIONS.filter((a) => canStart(a, draft.status) && mayAct(actor, a, draft));
    const revisions = draft.revisions.map((rev, i) => {
      const newer = i === 0 ? { title: draft.title, body: draft.body } : draft.revisions[i - 1]!;
      return { ...rev, diff: lineDiff(`${rev.title}\n\n${rev.body}`, `${newer.title}\n\n${newer.body}`) };
    });
    res.render("draft.njk", {
      d: draft,
      original,
      events,
      revisions,
      // Every reply by e-mail about this draft, read from the audit trail (who, when, what they wrote, what was made of it).
      mailReplies: await emailReplies(app.db, draft.id),
      actions: actions.map((a) => ({ id: a, label: actionLabel[a], needsComment: needsReason(a) })),
      canClearProhibited: draft.flags.includes("prohibited_content") && mayAct(actor, "send_for_review", draft),
      canClearUnscreened: draft.flags.includes("unscreened") && mayAct(actor, "send_for_review", draft),
      canEdit: mayAct(actor, "edit", draft),
      canTriage: mayAct(actor, "triage", draft),
      choices: mayAct(actor, "triage", draft) ? app.read.choices() : null,
      ...(await publishingView(app, actor, draft)),
    });
  });

  // 《省编办上网信息发布审批表》 (Attachment 3), printable.
  r.get("/drafts/:id/form", async (req, res) => {
    const { draft } = app.read.draftDetail(actorOf(req), int(req.params.id) ?? 0);
    const steps = draft.reviewSteps.filter((s) => s.status !== StepStatus.superseded);
    const pick = (stages: readonly string[]) => [...steps].reverse().find((s) => stages.includes(s.stage));
    res.render("form.njk", { d: draft, head: pick([ReviewStage.divisionHead]), deputy: pick([ReviewStage.deputyDirector]), director: pick([ReviewStage.director]), header: pick([ReviewStage.divisionHead, ...LEADER_STAGES]) });
  });

  r.post("/drafts/:id/edit", async (req, res) => {
    const f = formOf(req);
    const id = int(req.params.id) ?? 0;
    await review.edit(actorOf(req), id, versionOf(f), { title: f.text("title", "标题", { max: 500 }), body: f.text("body", "正文", { multiline: true }), note: f.text("note", "修改说明", { max: 500 }) || undefined }, req.ip);
    req.session.flash = "已保存";
    res.redirect(`/drafts/${id}`);
  });

  r.post("/drafts/:id/triage", async (req, res) => {
    const f = formOf(req);
    const id = int(req.params.id) ?? 0;
    await review.triage(actorOf(req), id, versionOf(f), { unitId: f.id("unitId", "报送单位"), columnId: f.id("columnId", "栏目"), divisionId: f.id("divisionId", "处室"), important: f.flag("important", "重要信息") }, req.ip);
    req.session.flash = "分拣信息已保存";
    res.redirect(`/drafts/${id}`);
  });

  r.post("/drafts/:id/merge", async (req, res) => {
    const f = formOf(req);
    const id = int(req.params.id) ?? 0;
    const into = f.id("originalId", "原稿编号", { required: true })!;
    await review.mergeInto(actorOf(req), id, versionOf(f), into, req.ip);
    req.session.flash = `已作为重复稿件并入 #${into}`;
    res.redirect(`/drafts/${into}`);
  });

  r.post("/drafts/:id/action", async (req, res) => {
    const f = formOf(req);
    const id = int(req.params.id) ?? 0;
    const action = f.text("action", "操作", { max: 40, required: true });
    if (!isDraftAction(action)) throw new GatewayError("VALIDATION", "「操作」不是可选的值");
    await review.act(actorOf(req), id, versionOf(f), action, { comment: f.text("comment", "意见或理由", { multiline: true, max: 2000 }) }, req.ip);
    req.session.flash = `已${actionLabel[action]}`;
    res.redirect(`/drafts/${id}`);
  });

  r.post("/drafts/:id/clear-prohibited", async (req, res) => {
    const f = formOf(req);
    const id = int(req.params.id) ?? 0;
    await review.clearProhibited(actorOf(req), id, versionOf(f), f.text("reason", "复核理由", { multiline: true, max: 2000 }), req.ip);
    req.session.flash = "已解除违禁内容标记（理由已记录）";
    res.redirect(`/drafts/${id}`);
  });

  r.post("/drafts/:id/clear-unscreened", async (req, res) => {
    const f = formOf(req);
    const id = int(req.params.id) ?? 0;
    await review.clearUnscreened(actorOf(req), id, versionOf(f), f.text("reason", "查看结论", { multiline: true, max: 2000 }), req.ip);
    req.session.flash = "已记录人工查看结论，可以送审";
    res.redirect(`/drafts/${id}`);
  });
  return r;
}
