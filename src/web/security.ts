// Back-office protections: network allowlist (Art. 9: no sign-in from public places), CSRF
// synchroniser tokens. (The error-to-HTTP mapping is in errors.ts.)
import { randomBytes, timingSafeEqual } from "node:crypto";
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
    csrf?: string;
    flash?: string;
    /** Set at sign-in when the password is one-time or older than the configured maximum age. */
    mustChangePassword?: boolean;
  }
}

export function csrfToken(req: Request): string {
  if (!req.session.csrf) req.session.csrf = randomBytes(24).toString("base64url");
  return req.session.csrf;
}

/** Every state-changing request must carry the session's token (form field or header). */
export function csrfProtect(req: Request, _res: Response, next: NextFunction) {
  if (req.method === "GET" || req.method === "HEAD") return next();
  const expected = req.session.csrf;
  const got = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get("x-csrf-token");
  if (typeof got !== "string" || !expected || got.length !== expected.length || !timingSafeEqual(Buffer.from(got), Buffer.from(expected)))
    return next(new GatewayError("CSRF"));
  next();
}
