// The middleware every back-office page passes through, in order: security headers, network
// allowlist, form parsing, the session, CSRF, page locals, and the signed-in check.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import session from "express-session";
import helmet from "helmet";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import { cachedActor } from "../accounts/users.js";
import { hasRole, Role, roleLabel, type Actor } from "../domain/roles.js";
import { csrfToken, sessionSecret } from "./security.js";
import { safeReturnPath } from "./return-path.js";
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
    if (!actor) {
      // The page asked for comes back after sign-in (the link in an approval mail): kept as a
      // same-origin path only (return-path.ts).
      const next = req.method === "GET" ? safeReturnPath(req.originalUrl) : null;
      return res.redirect(next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login");
    }
    req.actor = actor;
    res.locals.actor = actor;
    // Named apart from anything a page passes (the 账号 page lists every role as `roles`).
    res.locals.me = signedInHeader(actor, await divisionNames(db));
    if (req.session.mustChangePassword && req.path !== "/password" && req.path !== "/logout") {
      const next = req.method === "GET" ? safeReturnPath(req.originalUrl) : null;
      return res.redirect(next && next !== "/" ? `/password?next=${encodeURIComponent(next)}` : "/password");
    }
    if (req.session.mustEnrolSecondFactor && !req.path.startsWith("/account/second-factor") && req.path !== "/logout" && req.path !== "/password") return res.redirect("/account/second-factor");
    next();
  };
}

let divisionCache: { at: number; names: Map<number, string> } | null = null;
async function divisionNames(db: Db): Promise<Map<number, string>> {
  if (!divisionCache || Date.now() - divisionCache.at > 60_000) divisionCache = { at: Date.now(), names: new Map((await db.division.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name])) };
  return divisionCache.names;
}

/** The header's 「张文艺 综合处信息管理员」 and which menus to show. */
export function signedInHeader(actor: Actor, divisions: Map<number, string>) {
  const labels = [...new Set(actor.grants.map((g) => `${g.divisionId != null ? (divisions.get(g.divisionId) ?? "") : ""}${roleLabel[g.role] ?? "其他角色"}`))];
  return { roles: [...new Set(actor.grants.map((g) => g.role as string))], roleLabels: labels, infoCentre: hasRole(actor, Role.infoCentre), approver: hasRole(actor, Role.divisionHead) || hasRole(actor, Role.leader) };
}
