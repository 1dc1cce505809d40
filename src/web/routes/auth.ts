// Sign-in, sign-out and the password change that a one-time or expired password forces.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { changePassword, signIn } from "../../accounts/auth.js";
import { GatewayError } from "../../domain/errors.js";
import { httpStatus } from "../errors.js";
import { actorOf } from "../middleware.js";

/** Before the signed-in check: the sign-in page itself. */
export function signInRoutes(app: App): Router {
  const { db, config } = app;
  const r = express.Router();
  r.get("/login", (_req, res) => res.render("login.njk", {}));
  r.post("/login", async (req, res) => {
    const { username = "", password = "" } = req.body as Record<string, string>;
    try {
      const result = await signIn(db, config, username, password, req.ip ?? "");
      // A new session id at sign-in (no fixation), then the user.
      await new Promise<void>((ok, fail) => req.session.regenerate((e) => (e ? fail(e) : ok())));
      req.session.userId = result.userId;
      req.session.mustChangePassword = result.mustChangePassword;
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
    const { current = "", next = "", confirm = "" } = req.body as Record<string, string>;
    try {
      if (next !== confirm) throw new GatewayError("VALIDATION", "两次输入的新密码不一致");
      await changePassword(app.db, actorOf(req).userId, current, next, req.ip ?? "");
      req.session.mustChangePassword = false;
      req.session.flash = "密码已修改";
      res.redirect("/queue");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("password.njk", { error: err.message });
    }
  });
  return r;
}
