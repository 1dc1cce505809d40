// Errors that keep the work: a form the service refuses for something the officer can put right
// (a missing reason, a column of another division, an edit that crossed someone else's) is shown
// again — the same page, every problem beside its field in Chinese, all at once, and everything
// typed still in the fields. Only faults and refusals of access end on the error page.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { GatewayError, type ErrorCode } from "../domain/errors.js";
import { httpStatus } from "./errors.js";

/** What a page needs to show a refused form again. */
export interface FormState {
  /** Which form of the page was sent (its hidden `_form` field). */
  form: string;
  /** The problem in general, shown at the top of the form. */
  message: string;
  /** Field → problem, shown beside the field. */
  errors: Record<string, string>;
  /** What was typed, put back into the fields. */
  input: Record<string, string>;
  code: ErrorCode;
}

/** Refusals the officer can put right on the same page. */
const CORRECTABLE: ReadonlySet<ErrorCode> = new Set(["VALIDATION", "STALE_VERSION", "INVALID_TRANSITION"]);

/** Renders the page again with a refused form's state (and the right status code). */
export type PageRenderer = (req: Request, res: Response, state: FormState) => Promise<void> | void;

function inputOf(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!body || typeof body !== "object") return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === "_csrf") continue;
    out[k] = Array.isArray(v) ? v.map(String).join("\n") : String(v ?? "");
  }
  return out;
}

export function formState(req: Request, err: GatewayError): FormState {
  const input = inputOf(req.body);
  const fields = err.detail?.fields;
  const errors: Record<string, string> = fields && typeof fields === "object" ? Object.fromEntries(Object.entries(fields as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : {};
  return { form: input._form ?? "", message: err.message, errors, input, code: err.code };
}

/**
 * A POST handler whose correctable refusals re-render `page` instead of the error page. The
 * handler's own success path (flash + redirect) is unchanged.
 */
export function keepingWork(page: PageRenderer, handler: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res);
    } catch (err) {
      // A refusal of separation of duties (domain/duties.ts) is said on the page, beside the form:
      // the officer may see the item, only not fill a second box of its 审批表.
      const duties = err instanceof GatewayError && err.code === "FORBIDDEN" && err.detail?.held != null;
      if (!(err instanceof GatewayError) || !(CORRECTABLE.has(err.code) || duties)) return next(err);
      try {
        res.status(httpStatus[err.code]);
        await page(req, res, formState(req, err));
      } catch (again) {
        next(again);
      }
    }
  };
}

/** The state templates read when nothing was refused. */
export const NO_FORM_STATE: FormState = { form: "", message: "", errors: {}, input: {}, code: "VALIDATION" };
