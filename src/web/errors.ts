// Errors to HTTP in one place: the service's GatewayError codes map to a status through one
// exhaustive table (the compiler checks every code has one); anything else is a fault, logged,
// and shown as a generic page that reveals nothing.
import type { NextFunction, Request, Response } from "express";
import { GatewayError, type ErrorCode } from "../domain/errors.js";
import { csrfToken } from "./security.js";
import { processLog } from "../util/log.js";

export const httpStatus: Record<ErrorCode, number> = {
  EMPTY_MESSAGE: 422,
  MESSAGE_TOO_LARGE: 413,
  ATTACHMENT_TOO_LARGE: 413,
  TOO_MANY_PARTS: 422,
  MIME_TOO_DEEP: 422,
  MALFORMED_MIME: 422,
  NOT_A_MESSAGE: 422,
  HTML_TOO_DEEP: 422,
  EXTRACT_FAILED: 422,
  EXTRACT_TIMEOUT: 422,
  EXTRACT_MEMORY: 422,
  EXTRACT_CRASHED: 422,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  INVALID_TRANSITION: 409,
  STALE_VERSION: 409,
  VALIDATION: 400,
  BAD_CREDENTIALS: 401,
  LOCKED: 423,
  THROTTLED: 429,
  CSRF: 403,
  NETWORK_NOT_ALLOWED: 403,
};

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new GatewayError("NOT_FOUND", "页面不存在"));
}

export function errorPage(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  void _next;
  const known = err instanceof GatewayError;
  // The path without its query (a search term is the user's), the error as util/log.ts bounds it.
  if (!known) processLog().error({ err, method: req.method, path: req.path, user: req.actor?.userId }, "web request failed (500)");
  const status = known ? httpStatus[err.code] : 500;
  const message = known ? err.message : "服务器内部错误，已记录";
  if (known && err.code === "CSRF" && req.csrfToken) res.locals.csrf = csrfToken(req);
  res.status(status).render("error.njk", { status, message, actor: req.actor });
}
