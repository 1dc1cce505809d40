// Sign-in, sign-out and the password change that a one-time or expired password forces.
import express, { type Request, type Router } from "express";
import type { App } from "../../app.js";
import { signIn } from "../../accounts/auth.js";
import { changePassword } from "../../accounts/credentials.js";
import { invalidateActors } from "../../accounts/users.js";
import { GatewayError } from "../../domain/errors.js";
import { httpStatus } from "../errors.js";
import { formOf } from "../form.js";
import { actorOf } from "../middleware.js";

/** A new session id at sign-in (no fixation), then the user: only now is a session stored. */
async function startSession(req: Request, userId: number, mustChangePassword: boolean): Promise<void> {
  await new Promise<void>((ok, fail) => req.session.regenerate((e) => (e ? fail(e) : ok())));
  req.session.userId = userId;
  req.session.signedInAt = Date.now();
  req.session.mustChangePassword = mustChangePassword;
}

/** Before the signed-in check: the sign-in page itself. */
export function signInRoutes(app: App): Router {
  const { db, config } = app;
  const r = express.Router();
  r.get("/login", (_req, res) => res.render("login.njk", {}));
  r.post("/login", async (req, res) => {
    const form = formOf(req);
    let username = "";
    try {
      username = form.text("username", "用户名", { max: 64 });
      const password = form.text("password", "密码", { max: 256 });
      const result = await signIn(db, config, username, password, req.ip ?? "");
      await startSession(req, result.userId, result.mustChangePassword);
      res.redirect(result.mustChangePassword ? "/password" : "/");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("login.njk", { error: err.message, username });
    }
  });
  return r;
}

/** After the signed-in check. */
export function accountRoutes(app: App): Router {
  const r = express.Router();
  r.post("/logout", (req, res) => req.session.destroy(() => res.redirect("/login")));
  r.get("/password", (_req, res) => res.render("password.njk", {}));
  r.post("/password", async (req, res) => {
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
      res.redirect("/queue");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("password.njk", { error: err.message });
    }
  });
  return r;
}
