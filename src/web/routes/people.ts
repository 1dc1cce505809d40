// The screens of 三员分立 (等保 2.0): 账号 for the system administrator, 人员与角色 for the security
// administrator, 审计记录 for the audit administrator. Each route admits its role only; the
// services check again. Mounted at /admin before the information centre's routes.
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { App } from "../../app.js";
import { AccountAdministration, grantFromValue, LEADER_RANKS } from "../../accounts/administration.js";
import { AccountReads } from "../../accounts/reads.js";
import { isApproverAccount } from "../../accounts/one-time-password.js";
import { requiresSecondFactor, SecondFactor } from "../../accounts/second-factor.js";
import { invalidateActors } from "../../accounts/users.js";
import { audit } from "../../audit/audit.js";
import { auditEvents } from "../../audit/reads.js";
import { verifyAudit } from "../../audit/verify.js";
import { GatewayError } from "../../domain/errors.js";
import { hasRole, Role, roleDuty, roleLabel, type Grant, type Role as RoleName } from "../../domain/roles.js";
import { formOf } from "../form.js";
import { actorOf } from "../middleware.js";
import { dateParam, int } from "../params.js";


export function peopleRoutes(app: App): Router {
  const { db } = app;
  const reads = new AccountReads(db);
  const admin = new AccountAdministration(
    db,
    () => {
      app.pipeline.invalidateReference();
      app.read.invalidateChoices();
      invalidateActors();
    },
    app.config,
  );
  const factor = new SecondFactor(db, app.config.dbFile);
  /** The role, and (administrators must) a second factor: a role granted since sign-in is caught here. */
  const only = (role: RoleName) => async (req: Request, res: Response, next: NextFunction) => {
    if (!hasRole(actorOf(req), role)) return next(new GatewayError("FORBIDDEN", `仅${roleLabel[role]}可使用此页面`));
    if (!(await factor.status(actorOf(req).userId)).enabled) {
      req.session.mustEnrolSecondFactor = true;
      return res.redirect("/account/second-factor");
    }
    next();
  };
  const r = express.Router();
  const back = (req: Request, res: Response, to: string, flash: string) => {
    req.session.flash = flash;
    res.redirect(to);
  };
  const idParam = (req: Request) => {
    const id = int(req.params.id);
    if (!id) throw new GatewayError("NOT_FOUND", "账号不存在");
    return id;
  };

  // ───────────── 账号: system administrator ─────────────
  const system = only(Role.systemAdmin);
  r.get("/users", system, async (_req, res) => {
    const { users, peopleWithoutAccount } = await reads.accounts();
    res.render("admin-users.njk", { users: users.map((u) => ({ ...u, isAdministrator: requiresSecondFactor(u.grants as Grant[]) })), peopleWithoutAccount, now: new Date() });
  });
  r.post("/users", system, async (req, res) => {
    const f = formOf(req);
    const { user, password, mailedTo } = await admin.createUser(actorOf(req), { username: f.text("username", "用户名", { max: 32, required: true }), displayName: f.text("displayName", "姓名", { max: 40, required: true }), personId: f.id("personId", "对应人员") }, req.ip);
    back(req, res, "/admin/users", password ? `已创建账号 ${user.username}，一次性密码：${password}（只显示这一次，首次登录须修改）。角色由安全管理员在「人员与角色」中授予。` : `已创建账号 ${user.username}；此人是审批人，一次性密码已发送到其登记邮箱 ${mailedTo}（不在此显示）`);
  });
  r.post("/users/:id/reset", system, async (req, res) => {
    const { password, mailedTo } = await admin.resetPassword(actorOf(req), idParam(req), req.ip);
    back(req, res, "/admin/users", password ? `密码已重置，一次性密码：${password}（只显示这一次）；该账号的所有登录已退出` : `密码已重置；此人是审批人，一次性密码已发送到其登记邮箱 ${mailedTo}（不在此显示）；该账号的所有登录已退出`);
  });
  r.post("/users/:id/disable", system, async (req, res) => {
    const disabled = formOf(req).choice("disabled", "停用", ["0", "1"] as const) === "1";
    await admin.setDisabled(actorOf(req), idParam(req), disabled, req.ip);
    back(req, res, "/admin/users", disabled ? "账号已停用，其登录已全部退出" : "账号已启用");
  });
  r.post("/users/:id/second-factor/reset", system, async (req, res) => {
    const id = idParam(req);
    const target = await db.user.findUnique({ where: { id }, include: { grants: true } });
    if (!target) throw new GatewayError("NOT_FOUND", "账号不存在");
    // An administrator's second factor is reset on the host only (gateway account reset-2fa): from
    // the web, one administrator could otherwise take over another's account with a password reset.
    if (requiresSecondFactor(target.grants as Grant[])) throw new GatewayError("FORBIDDEN", "管理员账号的双因素登录只能在服务器上用 gateway account reset-2fa 重置");
    // Nor an approver's: with a password reset, the system administrator could then sign in as the 处长 (review M3).
    if (await isApproverAccount(db, id)) throw new GatewayError("FORBIDDEN", `审批人账号的双因素登录只能在服务器上用 gateway account reset-2fa ${target.username} 重置（须本人到场核实身份）`);
    await factor.clear(id, { actor: `user:${actorOf(req).username}`, ip: req.ip });
    back(req, res, "/admin/users", `已重置 ${target.username} 的双因素登录，其登录已全部退出`);
  });
  r.post("/users/:id/unlock", system, async (req, res) => {
    await admin.unlock(actorOf(req), idParam(req), req.ip);
    back(req, res, "/admin/users", "账号已解锁");
  });

  // ───────────── 人员与角色: security administrator ─────────────
  const security = only(Role.securityAdmin);
  r.get("/people", security, async (_req, res) =>
    res.render("admin-people.njk", { ...(await reads.people()), roleChoices: Object.entries(roleLabel), duties: roleDuty, ranks: Object.entries(LEADER_RANKS), rankLabel: LEADER_RANKS }),
  );
  r.post("/people", security, async (req, res) => {
    const f = formOf(req);
    const person = await admin.savePerson(
      actorOf(req),
      { id: f.id("id", "人员编号"), name: f.text("name", "姓名", { max: 40, required: true }), title: f.text("title", "职务", { max: 60 }), email: f.text("email", "登记邮箱", { max: 254 }), divisionId: f.id("divisionId", "处室"), leaderRank: f.text("leaderRank", "办领导职级", { max: 20 }) },
      req.ip,
    );
    back(req, res, "/admin/people", person.address === "pending" ? `已保存「${person.name}」；新登记邮箱须本人确认后生效：确认码已发到新邮箱，原邮箱已收到提醒` : `已保存「${person.name}」`);
  });
  r.post("/users/:id/grants", security, async (req, res) => {
    const grants = formOf(req).list("grant", "角色").map(grantFromValue);
    await admin.setGrants(actorOf(req), idParam(req), grants, req.ip);
    back(req, res, "/admin/people", "角色已更新（已记入审计）");
  });

  // ───────────── 审计记录: audit administrator ─────────────
  const auditor = only(Role.auditAdmin);
  r.get("/audit", auditor, async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const str = (v: unknown, max = 60) => (typeof v === "string" ? v.slice(0, max) : undefined);
    const to = dateParam(q.to);
    const filter = { actor: str(q.actor), action: str(q.action), entity: str(q.entity), from: dateParam(q.from), to: to ? new Date(to.getTime() + 86_400_000) : undefined, page: int(q.page) ?? 1 };
    const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => typeof v === "string" && v && k !== "page") as Array<[string, string]>);
    res.render("admin-audit.njk", { ...(await auditEvents(db, filter)), filter, query: q, params: params.toString(), result: req.session.auditResult ?? null });
    delete req.session.auditResult;
  });
  r.post("/audit/verify", auditor, async (req, res) => {
    const result = await verifyAudit(db, { anchorFile: app.auditFiles.anchorFile });
    if (result.ok) await app.anchors.anchor("verify", true);
    req.session.auditResult = { ok: result.ok, count: result.count, anchors: result.anchorsChecked, problem: result.problem ?? null, firstBadId: result.firstBadId ?? null };
    await db.$transaction((tx) => audit(tx, { actor: `user:${actorOf(req).username}`, action: "audit.verify", ip: req.ip, detail: { ok: result.ok, count: result.count, firstBadId: result.firstBadId ?? null } }));
    res.redirect("/admin/audit");
  });
  return r;
}

declare module "express-session" {
  interface SessionData {
    auditResult?: { ok: boolean; count: number; anchors: number; problem: string | null; firstBadId: number | null };
  }
}
