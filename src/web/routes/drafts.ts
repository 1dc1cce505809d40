// One draft: the page with the original beside it, the 审批表, and the officer's verbs (edit,
// triage, merge, the chain's actions, an approver's opinion, clearing a prohibited-content flag).
// Each verb is validate → call the review service (which authorises and audits) → redirect; a
// refusal the officer can put right shows the page again with the input kept (forms.ts).
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { AdminService } from "../../admin/service.js";
import { invalidateActors } from "../../accounts/users.js";
import { GatewayError } from "../../domain/errors.js";
import { actionDoneLabel, isDraftAction } from "../../domain/status.js";
import { draftPage } from "../draft-page.js";
import { approvalForm } from "../approval-form.js";
import { comparePage } from "../compare-page.js";
import { formOf } from "../form.js";
import { keepingWork } from "../forms.js";
import { actorOf } from "../middleware.js";
import { OriginalViews } from "../original-view.js";
import { int } from "../params.js";

export function draftRoutes(app: App): Router {
  const review = app.review;
  const originals = new OriginalViews((sha) => app.blobs.get(sha), app.config.limits);
  const page = draftPage(app, originals);
  const admin = new AdminService(app.db, () => {
    app.pipeline.invalidateReference();
    app.read.invalidateChoices();
    invalidateActors();
  });
  const r = express.Router();
  const version = (req: express.Request) => formOf(req).id("version", "版本号", { required: true })!;

  r.get("/drafts/:id", (req, res) => page(req, res));
  // 「对照后合并」: both drafts side by side, then the merge is confirmed there.
  r.get("/drafts/:id/compare", comparePage(app, originals, page));

  // 《省编办上网信息发布审批表》 (Attachment 3), printable.
  r.get("/drafts/:id/form", (req, res) => {
    const { draft, opinions } = app.read.draftDetail(actorOf(req), int(req.params.id) ?? 0);
    res.render("form.njk", approvalForm(draft, opinions));
  });

  r.post(
    "/drafts/:id/edit",
    keepingWork(page, async (req, res) => {
      const form = formOf(req);
      const id = int(req.params.id) ?? 0;
      // Lengths beyond the reader's are the service's to judge, with every problem at once.
      const input = { title: form.text("title", "标题", { max: 2000 }), body: form.text("body", "正文", { multiline: true, max: 500_000 }), note: form.text("note", "修改说明", { max: 2000 }) };
      await review.edit(actorOf(req), id, version(req), input, req.ip);
      req.session.flash = "已保存";
      res.redirect(`/drafts/${id}`);
    }),
  );

  r.post(
    "/drafts/:id/triage",
    keepingWork(page, async (req, res) => {
      const form = formOf(req);
      const id = int(req.params.id) ?? 0;
      const input = { unitId: form.id("unitId", "报送单位"), columnId: form.id("columnId", "栏目"), divisionId: form.id("divisionId", "处室"), important: form.flag("important", "重要信息") };
      await review.triage(actorOf(req), id, version(req), input, req.ip);
      req.session.flash = "分拣信息已保存";
      res.redirect(`/drafts/${id}`);
    }),
  );

  r.post(
    "/drafts/:id/merge",
    keepingWork(page, async (req, res) => {
      const id = int(req.params.id) ?? 0;
      const into = formOf(req).id("originalId", "原稿编号", { required: true })!;
      await review.mergeInto(actorOf(req), id, version(req), into, req.ip);
      req.session.flash = `已作为重复稿件并入 #${into}`;
      res.redirect(`/drafts/${into}`);
    }),
  );

  r.post(
    "/drafts/:id/action",
    keepingWork(page, async (req, res) => {
      const form = formOf(req);
      const id = int(req.params.id) ?? 0;
      const action = form.text("action", "操作", { max: 40 });
      const comment = form.text("comment", "意见或理由", { multiline: true, max: 2000 });
      if (action === "comment") {
        await review.comment(actorOf(req), id, comment, req.ip);
        req.session.flash = "意见已记录（未作审核决定，稿件仍待您审核）";
        return res.redirect(`/drafts/${id}`);
      }
      if (!isDraftAction(action)) throw new GatewayError("VALIDATION", "「操作」不是可选的值", { fields: { action: "「操作」不是可选的值" } });
      await review.act(actorOf(req), id, version(req), action, { comment }, req.ip);
      req.session.flash = actionDoneLabel[action];
      res.redirect(`/drafts/${id}`);
    }),
  );

  // 「登记此地址为本单位」 (信息中心): the service checks the role and audits.
  r.post(
    "/drafts/:id/register-sender",
    keepingWork(page, async (req, res) => {
      const id = int(req.params.id) ?? 0;
      const done = await admin.registerSender(actorOf(req), id, formOf(req).id("unitId", "报送单位"), req.ip);
      req.session.flash = `已将${done.what}登记为「${done.unit.name}」的报送${done.what.startsWith("传真") ? "号码" : "地址"}，确认了 ${done.confirmed} 件稿件的报送单位`;
      res.redirect(`/drafts/${id}`);
    }),
  );

  r.post(
    "/drafts/:id/clear-prohibited",
    keepingWork(page, async (req, res) => {
      const id = int(req.params.id) ?? 0;
      await review.clearProhibited(actorOf(req), id, version(req), formOf(req).text("reason", "复核理由", { max: 2000 }), req.ip);
      req.session.flash = "已解除违禁内容标记（理由已记录）";
      res.redirect(`/drafts/${id}`);
    }),
  );
  r.post(
    "/drafts/:id/clear-unscreened",
    keepingWork(page, async (req, res) => {
      const id = int(req.params.id) ?? 0;
      await review.clearUnscreened(actorOf(req), id, version(req), formOf(req).text("reason", "查看结论", { max: 2000 }), req.ip);
      req.session.flash = "已记录人工查看结论，可以送审";
      res.redirect(`/drafts/${id}`);
    }),
  );
  return r;
}
