// Back-office protections: network allowlist (Art. 9: no sign-in from public places), CSRF
// tokens, the secret they and the session cookie are signed with, and signed short-lived cookies
// (the second sign-in step). (The error-to-HTTP mapping is in errors.ts.)
//
// CSRF: a signed-in session carries its own synchroniser token. Before sign-in there is no session
// at all (no row is written for an anonymous visitor, so a flood of requests cannot fill the
// table): the sign-in form is protected by a signed double-submit cookie instead — a random nonce
// in an HttpOnly, SameSite=Strict cookie, and in the form the HMAC of that nonce under the secret.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { NextFunction, Request, Response } from "express";
import ipaddr from "ipaddr.js";
import { GatewayError } from "../domain/errors.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function networkAllowlist(cidrs: string[]) {
  const ranges: Range[] = cidrs.map((c) => {
    try {
      return ipaddr.parseCIDR(c.includes("/") ? c : `${c}/${c.includes(":") ? 128 : 32}`);
    } catch {
      throw new Error(`ALLOWED_NETWORKS: "${c}" is not an address or CIDR range`);
    }
  });
  return (req: Request, _res: Response, next: NextFunction) => {
    const raw = req.ip ?? req.socket.remoteAddress ?? "";
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(raw);
    } catch {
      return next(new GatewayError("NETWORK_NOT_ALLOWED"));
    }
    const ok = ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match([net, bits] as never));
    next(ok ? undefined : new GatewayError("NETWORK_NOT_ALLOWED", `不允许从 ${addr.toString()} 访问后台`));
  };
}

declare module "express-session" {
  interface SessionData {
    userId?: number;
    /** When the user signed in (ms since the epoch). */
    signedInAt?: number;
    csrf?: string;
    flash?: string;
    /** Set at sign-in when the password is one-time or older than the configured maximum age. */
    mustChangePassword?: boolean;
    /** Set at sign-in for an administrator without a second factor: nothing else until it is set up. */
    mustEnrolSecondFactor?: boolean;
  }
}

declare module "express-serve-static-core" {
  interface Request {
    /** The CSRF token for forms of this page (set by csrfProtect). */
    csrfToken?: () => string;
  }
}

/** The secret that signs the session cookie, CSRF tokens before sign-in, and the second-step cookie (0600). */
export function sessionSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    const secret = randomBytes(32).toString("hex");
    fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    return secret;
  }
}

/** The value of one cookie of the request (express parses none by itself). */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined; // malformed encoding: treated as no cookie (sign-in or CSRF refuse then)
      }
    }
  }
  return undefined;
}

const PRE_COOKIE = "gw.pre";
const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const mac = (secret: string, purpose: string, value: string) => createHmac("sha256", secret).update(`${purpose}\0${value}`).digest("base64url");

export function csrfToken(req: Request): string {
  if (!req.csrfToken) throw new Error("csrfToken() before csrfProtect");
  return req.csrfToken();
}

/** Every state-changing request must carry the token (form field `_csrf` or header X-CSRF-Token). */
export function csrfProtect(secret: string, secureCookies: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    const signedIn = req.session?.userId != null;
    let nonce = cookieOf(req, PRE_COOKIE);
    req.csrfToken = () => {
      if (signedIn) {
        if (!req.session.csrf) req.session.csrf = randomBytes(24).toString("base64url");
        return req.session.csrf;
      }
      if (!nonce || !/^[A-Za-z0-9_-]{32}$/.test(nonce)) {
        nonce = randomBytes(24).toString("base64url");
        res.cookie(PRE_COOKIE, nonce, { httpOnly: true, sameSite: "strict", secure: secureCookies, path: "/" });
      }
      return mac(secret, "csrf-pre-sign-in", nonce);
    };
    if (req.method === "GET" || req.method === "HEAD") return next();
    const got = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get("x-csrf-token");
    const expected = signedIn ? req.session.csrf : nonce ? mac(secret, "csrf-pre-sign-in", nonce) : undefined;
    if (typeof got !== "string" || !expected || !equal(got, expected)) return next(new GatewayError("CSRF"));
    next();
  };
}

/** A value signed for `purpose`, valid until `expires` (a cookie the client keeps but cannot forge). */
export function signValue(secret: string, purpose: string, value: string, expires: Date): string {
  const body = `${value}.${expires.getTime()}`;
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The value, if the signature holds and it has not expired; otherwise null. */
export function verifySignedValue(secret: string, purpose: string, signed: string | undefined, now = Date.now()): string | null {
  if (!signed) return null;
  const i = signed.lastIndexOf(".");
  const body = signed.slice(0, i);
  const j = body.lastIndexOf(".");
  if (i < 0 || j < 0 || !equal(signed.slice(i + 1), mac(secret, purpose, body))) return null;
  if (Number(body.slice(j + 1)) < now) return null;
  return body.slice(0, j);
}
