// 分拣规则 (信息中心): the rules searchable by keyword, column, division and kind; each rule
// editable in its own row; a dry run against a chosen draft — with the rules as they are, or with
// the rule as edited, before saving. Refusals keep what was typed (forms.ts). Mounted inside
// adminRoutes, after its 信息中心 check.
import express, { type Request, type Response, type Router } from "express";
import type { App } from "../../app.js";
import type { AdminReads } from "../../admin/queries.js";
import type { AdminService } from "../../admin/service.js";
import { dryRun, RULE_KINDS, ruleKindLabel, type DryRun, type RuleInput } from "../../admin/rules.js";
import { GatewayError } from "../../domain/errors.js";
import { formOf, type FormReader } from "../form.js";
import { keepingWork, NO_FORM_STATE, type FormState } from "../forms.js";
import { actorOf } from "../middleware.js";
import { int } from "../params.js";

export function ruleRoutes(app: App, reads: AdminReads, admin: AdminService): Router {
  const r = express.Router();
  const page = async (req: Request, res: Response, state: FormState = NO_FORM_STATE, dry: DryRun | null = null) => {
    const q = typeof req.query.q === "string" ? req.query.q.trim().slice(0, 100) : "";
    const kind = typeof req.query.kind === "string" && (RULE_KINDS as readonly string[]).includes(req.query.kind) ? req.query.kind : "";
    const data = await reads.rules();
    const needle = q.toLowerCase();
    const shown = data.rules.filter(
      (x) => (!kind || x.kind === kind) && (!needle || [x.pattern, x.column?.name, x.division?.name, ruleKindLabel[x.kind as keyof typeof ruleKindLabel]].some((s) => s?.toLowerCase().includes(needle))),
    );
    // The row being edited: asked for (?edit=), or the one whose form was sent (refused or tried).
    const fromForm = /^rule:(\d+)$/.exec(state.form)?.[1];
    const editing = int(fromForm) ?? int(req.query.edit) ?? null;
    let tried = dry;
    const tryId = int(req.query.try);
    if (!tried && tryId && state === NO_FORM_STATE) tried = await dryRun(app.db, tryId).catch(() => null /* a draft that cannot be tried (gone) shows no dry run */);
    const keep = new URLSearchParams(Object.entries({ q, kind }).filter(([, v]) => v)).toString();
    res.render("admin-rules.njk", { ...data, shown, q, kind, kinds: Object.entries(ruleKindLabel), editing, dry: tried, tryId: tryId ?? null, keep, fs: state });
  };

  const ruleOf = (f: FormReader): RuleInput => ({
    kind: f.choice("kind", "规则类型", RULE_KINDS, "column"),
    columnId: f.id("columnId", "栏目"),
    divisionId: f.id("divisionId", "处室"),
    pattern: f.text("pattern", "关键词", { max: 200 }),
    isRegex: f.flag("isRegex", "正则表达式"),
    weight: f.integer("weight", "权重", { min: 1, max: 10, fallback: 1 }),
  });
  const back = (req: Request) => `/admin/rules${req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : ""}`;

  /** 「试运行」 on a form: the dry run with the typed rule, the form left as it was typed. */
  const tryRule = async (req: Request, res: Response, f: FormReader, id: number | null) => {
    const draftId = f.id("draftId", "试运行的稿件编号");
    if (!draftId) {
      const why = "请填写要试运行的稿件编号";
      throw new GatewayError("VALIDATION", why, { fields: { draftId: why } });
    }
    const result = await dryRun(app.db, draftId, { ...ruleOf(f), id: id ?? undefined, enabled: id ? f.flag("enabled", "启用") : true });
    const state: FormState = { form: id ? `rule:${id}` : "rule:new", message: "", errors: {}, input: Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, String(v)])), code: "VALIDATION" };
    await page(req, res, state, result);
  };

  r.get("/rules", (req, res) => page(req, res));
  r.post(
    "/rules",
    keepingWork(page, async (req, res) => {
      const f = formOf(req);
      if (f.choice("do", "操作", ["save", "try"] as const, "save") === "try") return tryRule(req, res, f, null);
      await admin.addRule(actorOf(req), ruleOf(f), req.ip);
      req.session.flash = "规则已添加，立即生效";
      res.redirect(back(req));
    }),
  );
  r.post(
    "/rules/:id",
    keepingWork(page, async (req, res) => {
      const f = formOf(req);
      const id = int(req.params.id) ?? 0;
      if (f.choice("do", "操作", ["save", "try"] as const, "save") === "try") return tryRule(req, res, f, id);
      await admin.updateRule(actorOf(req), id, { ...ruleOf(f), enabled: f.flag("enabled", "启用") }, req.ip);
      req.session.flash = "规则已保存，立即生效";
      res.redirect(`${back(req)}#rule-${id}`);
    }),
  );
  r.post("/rules/:id/enabled", async (req, res) => {
    await admin.setRuleEnabled(actorOf(req), int(req.params.id) ?? 0, formOf(req).choice("enabled", "启用", ["0", "1"] as const) === "1", req.ip);
    req.session.flash = "规则已更新";
    res.redirect(back(req));
  });
  return r;
}
