// Info-centre screens: units, routing rules, info officers, system status (mailboxes, alerts,
// failed intake, outbox). Accounts, roles and people are the 三员's screens (routes/people.ts). Handlers validate → call AdminService (which authorises) → redirect.
import type { Request, Response, Router } from "express";
import express from "express";
import type { App } from "../../app.js";
import { AdminReads } from "../../admin/queries.js";
import { AdminService } from "../../admin/service.js";
import { invalidateActors } from "../../accounts/users.js";
import { GatewayError } from "../../domain/errors.js";
import { hasRole, Role } from "../../domain/roles.js";
import { actorOf } from "../middleware.js";
import { formOf } from "../form.js";
import { intOrNull as int } from "../params.js";
import { ruleRoutes } from "./rules.js";
import { approvalPolicy } from "../../approvals/policy.js";
import { noticeReplies } from "../../approvals/reply-records.js";

export function adminRoutes(app: App): Router {
  const { db } = app;
  const reads = new AdminReads(db);
  const admin = new AdminService(db, () => {
    app.pipeline.invalidateReference();
    app.read.invalidateChoices();
    invalidateActors();
  });
  const r = express.Router();
  r.use((req, _res, next) => next(hasRole(actorOf(req), Role.infoCentre) ? undefined : new GatewayError("FORBIDDEN", "仅信息中心管理员可使用管理功能")));
  const back = (req: Request, res: Response, to: string, flash: string) => {
    req.session.flash = flash;
    res.redirect(to);
  };

  r.get("/units", async (req, res) => {
    const { units, parents } = await reads.units();
    const edit = int(req.query.edit);
    res.render("admin-units.njk", { units, edit: edit ? units.find((u) => u.id === edit) : null, parents });
  });
  r.post("/units", async (req, res) => {
    const f = formOf(req);
    const unit = await admin.saveUnit(
      actorOf(req),
      { id: f.id("id", "单位编号") ?? undefined, name: f.text("name", "单位名称", { max: 100 }), regionCode: f.text("regionCode", "行政区划代码", { max: 12 }), parentId: f.id("parentId", "上级单位"), emails: f.text("emails", "报送邮箱", { max: 2000, multiline: true }), faxNumbers: f.text("faxNumbers", "传真号码", { max: 2000, multiline: true }), active: f.flag("active", "启用") },
      req.ip,
    );
    back(req, res, "/admin/units", `已保存「${unit.name}」`);
  });

  // 分拣规则: search, edit in place, dry run (routes/rules.ts).
  r.use(ruleRoutes(app, reads, admin));

  r.get("/officers", async (_req, res) => {
    res.render("admin-officers.njk", { ...(await reads.officers(app.config.officerDeadline)), deadline: app.config.officerDeadline });
  });
  r.post("/officers/:id", async (req, res) => {
    const confirm = formOf(req).choice("decision", "处理结果", ["confirm", "reject"] as const) === "confirm";
    await admin.decideOfficer(actorOf(req), int(req.params.id) ?? 0, confirm, req.ip);
    back(req, res, "/admin/officers", confirm ? "已确认，信息员邮箱已登记为该单位的报送邮箱" : "已不予确认");
  });

  r.get("/status", async (_req, res) => {
    res.render("admin-status.njk", { ...(await reads.status()), policy: approvalPolicy(app.config), noticeReplies: await noticeReplies(db) });
  });
  r.get("/outbox/:id", async (req, res) => {
    const m = await reads.outboxMail(int(req.params.id) ?? 0);
    if (!m) throw new GatewayError("NOT_FOUND");
    res.render("admin-outbox-mail.njk", { m });
  });
  r.post("/intake/:id/retry", async (req, res) => {
    await admin.retryIntake(actorOf(req), int(req.params.id) ?? 0, req.ip);
    back(req, res, "/admin/status", "已排队重试，下一次轮询时处理");
  });
  r.post("/alerts/:id/resolve", async (req, res) => {
    await admin.resolveAlert(actorOf(req), int(req.params.id) ?? 0, req.ip);
    back(req, res, "/admin/status", "告警已处理");
  });
  return r;
}
