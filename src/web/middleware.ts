// The middleware every back-office page passes through, in order: security headers, network
// allowlist, form parsing, the session, CSRF, page locals, and the signed-in check.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import session from "express-session";
import helmet from "helmet";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import { cachedActor } from "../accounts/users.js";
import type { Actor } from "../domain/roles.js";
import { csrfToken, sessionSecret } from "./security.js";
import type { DbSessionStore } from "./session-store.js";

declare module "express-serve-static-core" {
  interface Request {
    actor?: Actor;
  }
}

/** The signed-in user of a request that passed `requireSignIn` (every handler after it). */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw new Error("route mounted before requireSignIn");
  return req.actor;
}

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    strictTransportSecurity: false, // set by the TLS-terminating proxy, which knows whether it is HTTPS
    referrerPolicy: { policy: "same-origin" },
  });
}

/** Form bodies: repeated keys become arrays; no nested objects. */
export const formBodies = (): RequestHandler => express.urlencoded({ extended: false, limit: "2mb" });

export function sessions(config: Config, store: DbSessionStore): RequestHandler {
  return session({
    name: "gw.sid",
    secret: sessionSecret(config.dataDir),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true, // idle timeout: every request pushes the expiry forward
    cookie: { httpOnly: true, sameSite: "lax", secure: config.publicBaseUrl.startsWith("https:"), maxAge: config.sessionIdleMinutes * 60_000 },
  });
}

/**
 * The CSRF token and the one-time flash message, for every page; and no back-office page is kept
 * by the browser or a proxy (Back after 退出 must not show the queue again).
 */
export function pageLocals(req: Request, res: Response, next: NextFunction): void {
  res.set("Cache-Control", "no-store");
  res.locals.csrf = csrfToken(req);
  if (req.session.flash !== undefined) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
}

/** Everything after this needs a signed-in user; a password that must change comes first. */
export function requireSignIn(db: Db): RequestHandler {
  return async (req, res, next) => {
    const actor = req.session.userId ? await cachedActor(db, req.session.userId) : null;
    if (!actor) return res.redirect("/login");
    req.actor = actor;
    res.locals.actor = actor;
    res.locals.roles = [...new Set(actor.grants.map((g) => g.role))];
    if (req.session.mustChangePassword && req.path !== "/password" && req.path !== "/logout") return res.redirect("/password");
    if (req.session.mustEnrolSecondFactor && !req.path.startsWith("/account/second-factor") && req.path !== "/logout" && req.path !== "/password") return res.redirect("/account/second-factor");
    next();
  };
}
