// Sign-in (password, then the authenticator's code where the account has a second factor),
// sign-out, the password change that a one-time or expired password forces, and setting up the
// second factor, which administrators must do before anything else.
import { confirmAddressChange, pendingAddressOf } from "../../accounts/addresses.js";
import express, { type Request, type Response, type Router } from "express";
import type { App } from "../../app.js";
import { completeSecondFactor, signIn, type SignInResult } from "../../accounts/auth.js";
import { changePassword } from "../../accounts/credentials.js";
import { SecondFactor } from "../../accounts/second-factor.js";
import { invalidateActors } from "../../accounts/users.js";
import { GatewayError } from "../../domain/errors.js";
import { httpStatus } from "../errors.js";
import { formOf } from "../form.js";
import { actorOf } from "../middleware.js";
import { cookieOf, sessionSecret, signValue, verifySignedValue } from "../security.js";

/** Between the password and the code: a signed cookie, not a session (none is stored before sign-in). */
const PENDING_COOKIE = "gw.2fa";
const PENDING_MINUTES = 5;
import { safeReturnPath } from "../return-path.js";

/** A new session id at sign-in (no fixation), then the user: only now is a session stored. */
async function startSession(req: Request, r: SignInResult): Promise<void> {
  await new Promise<void>((ok, fail) => req.session.regenerate((e) => (e ? fail(e) : ok())));
  req.session.userId = r.userId;
  req.session.signedInAt = Date.now();
  req.session.mustChangePassword = r.mustChangePassword;
  req.session.mustEnrolSecondFactor = r.mustEnrolSecondFactor;
}

/** Where a sign-in goes: a forced step first (the page asked for kept through a password change), else that page. */
const landing = (r: SignInResult, next: string | null) =>
  r.mustChangePassword ? (next ? `/password?next=${encodeURIComponent(next)}` : "/password") : r.mustEnrolSecondFactor ? "/account/second-factor" : (next ?? "/");

/** Before the signed-in check: the sign-in pages themselves. */
export function signInRoutes(app: App): Router {
  const { db, config } = app;
  const secret = sessionSecret(config.dataDir);
  const secure = config.publicBaseUrl.startsWith("https:");
  const factor = new SecondFactor(db, config.dbFile);
  const pendingUser = (req: Request): number | null => {
    const v = verifySignedValue(secret, "second-factor", cookieOf(req, PENDING_COOKIE));
    return v && /^\d+$/.test(v) ? Number(v) : null;
  };
  const clearPending = (res: Response) => res.clearCookie(PENDING_COOKIE, { httpOnly: true, sameSite: "strict", secure, path: "/" });
  const r = express.Router();
  r.get("/login", (req, res) => res.render("login.njk", { next: safeReturnPath(req.query.next) }));
  r.post("/login", async (req, res) => {
    const form = formOf(req);
    let username = "";
    const next = safeReturnPath((req.body as Record<string, string>).next);
    try {
      username = form.text("username", "用户名", { max: 64 });
      const password = form.text("password", "密码", { max: 256 });
      const result = await signIn(db, config, username, password, req.ip ?? "");
      if (result.secondFactor) {
        const until = new Date(Date.now() + PENDING_MINUTES * 60_000);
        res.cookie(PENDING_COOKIE, signValue(secret, "second-factor", String(result.userId), until), { httpOnly: true, sameSite: "strict", secure, path: "/", expires: until });
        return res.redirect(next ? `/login/code?next=${encodeURIComponent(next)}` : "/login/code");
      }
      await startSession(req, result);
      res.redirect(landing(result, next));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("login.njk", { error: err.message, username, next });
    }
  });

  r.get("/login/code", (req, res) => (pendingUser(req) ? res.render("login-code.njk", { minutes: PENDING_MINUTES, next: safeReturnPath(req.query.next) }) : res.redirect("/login")));
  r.post("/login/code", async (req, res) => {
    const userId = pendingUser(req);
    if (!userId) return res.redirect("/login");
    const next = safeReturnPath((req.body as Record<string, string>).next);
    try {
      const code = formOf(req).text("code", "验证码", { max: 20, required: true });
      const result = await completeSecondFactor(db, config, factor, userId, code, req.ip ?? "");
      clearPending(res);
      await startSession(req, result);
      res.redirect(landing(result, next));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("login-code.njk", { error: err.message, minutes: PENDING_MINUTES, next });
    }
  });
  return r;
}

/** After the signed-in check. */
export function accountRoutes(app: App): Router {
  const factor = new SecondFactor(app.db, app.config.dbFile);
  const r = express.Router();
  r.post("/logout", (req, res) => req.session.destroy(() => res.redirect("/login")));
  r.get("/password", (req, res) => res.render("password.njk", { returnTo: safeReturnPath(req.query.next) }));
  r.post("/password", async (req, res) => {
    const returnTo = safeReturnPath((req.body as Record<string, string>).returnTo);
    try {
      const form = formOf(req);
      const current = form.text("current", "当前密码", { max: 256 });
      const next = form.text("next", "新密码", { max: 256 });
      if (next !== form.text("confirm", "确认新密码", { max: 256 })) throw new GatewayError("VALIDATION", "两次输入的新密码不一致");
      // Every other session of this user ends with the change; this one goes on.
      await changePassword(app.db, app.config, actorOf(req).userId, current, next, req.ip ?? "", req.sessionID);
      invalidateActors();
      req.session.mustChangePassword = false;
      req.session.flash = "密码已修改，您在其他地方的登录已全部退出";
      res.redirect(req.session.mustEnrolSecondFactor ? "/account/second-factor" : (returnTo ?? "/"));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("password.njk", { error: err.message, returnTo });
    }
  });

  // 双因素登录: status, set up (QR code + first code), recovery codes shown once, turn off (not administrators).
  const page = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    res.status(status).render("account-second-factor.njk", { status: await factor.status(actorOf(req).userId), forced: !!req.session.mustEnrolSecondFactor, ...extra });
  r.get("/account/second-factor", (req, res) => page(req, res));
  r.post("/account/second-factor/begin", async (req, res) => page(req, res, { enrolment: await factor.begin(actorOf(req).userId) }));
  r.post("/account/second-factor/confirm", async (req, res) => {
    try {
      const codes = await factor.confirm(actorOf(req).userId, formOf(req).text("code", "验证码", { max: 20, required: true }), req.ip);
      req.session.mustEnrolSecondFactor = false;
      await page(req, res, { recoveryCodes: codes });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      await page(req, res, { error: err.message }, httpStatus[err.code]);
    }
  });
  r.post("/account/second-factor/disable", async (req, res) => {
    try {
      await factor.disable(actorOf(req).userId, formOf(req).text("code", "验证码", { max: 20, required: true }), req.ip);
      req.session.flash = "已关闭双因素登录";
      res.redirect("/account/second-factor");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      await page(req, res, { error: err.message }, httpStatus[err.code]);
    }
  });
  // 登记邮箱变更: the person confirms, in their own session, with the code mailed to the new address (accounts/addresses.ts).
  const emailPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    res.status(status).render("account-email.njk", { pending: await pendingAddressOf(app.db, actorOf(req).userId), ...extra });
  r.get("/account/email", (req, res) => emailPage(req, res));
  r.post("/account/email/confirm", async (req, res) => {
    try {
      const email = await confirmAddressChange(app.db, app.config, { userId: actorOf(req).userId, code: formOf(req).text("code", "确认码", { max: 20, required: true }), ip: req.ip });
      invalidateActors();
      req.session.flash = `登记邮箱已改为 ${email}；发往原邮箱的审批邀请已作废，待审事项已重新发送到新邮箱`;
      res.redirect("/account/email");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      await emailPage(req, res, { error: err.message }, httpStatus[err.code]);
    }
  });
  return r;
}
