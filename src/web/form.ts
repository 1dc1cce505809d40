// Reading a submitted form. express.urlencoded turns a repeated key into an array and leaves a
// missing one undefined; a handler that takes `req.body.title.trim()` on faith answers a crafted
// form with a 500. Every field is read through here instead: what is not what the field must be is
// a VALIDATION error (400) whose Chinese message names the field, and nothing is changed.
import type { Request } from "express";
import { GatewayError } from "../domain/errors.js";

// C0 controls other than tab and line breaks, DEL, C1 controls: never part of what an officer types.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

export class FormReader {
  private readonly body: Record<string, unknown>;
  constructor(body: unknown) {
    this.body = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }

  /** `fields` names the form field, so the page can show the problem beside it (forms.ts). */
  private bad(name: string, label: string, why = "格式不正确"): GatewayError {
    return new GatewayError("VALIDATION", `「${label}」${why}`, { field: label, fields: { [name]: `「${label}」${why}` } });
  }

  /** One line or several of text; absent = "". */
  text(name: string, label: string, opts: { max?: number; required?: boolean; multiline?: boolean } = {}): string {
    const v = this.body[name];
    if (v === undefined) {
      if (opts.required) throw this.bad(name, label, "不能为空");
      return "";
    }
    if (typeof v !== "string") throw this.bad(name, label, "只能填写一项");
    // A line of text must not carry controls; a text area may hold what extraction left in a
    // draft's body (a PDF's form feed), which is dropped rather than refusing the officer's edit.
    if (!opts.multiline && (CONTROL.test(v) || /[\r\n]/.test(v))) throw this.bad(name, label, "含有不允许的控制字符");
    const text = opts.multiline ? v.replace(/\r\n?/g, "\n").replace(new RegExp(CONTROL.source, "gu"), "") : v;
    const max = opts.max ?? (opts.multiline ? 200_000 : 500);
    if ([...text].length > max) throw this.bad(name, label, `不能超过 ${max} 个字符`);
    if (opts.required && !text.trim()) throw this.bad(name, label, "不能为空");
    return text;
  }

  /** A record's number (positive integer); absent or empty = null. */
  id(name: string, label: string, opts: { required?: boolean } = {}): number | null {
    const v = this.body[name];
    if (v === undefined || v === "") {
      if (opts.required) throw this.bad(name, label, "不能为空");
      return null;
    }
    if (typeof v !== "string" || !/^#?\d{1,15}$/.test(v.trim())) throw this.bad(name, label, "须为正整数编号");
    const n = Number(v.trim().replace(/^#/, ""));
    if (!Number.isSafeInteger(n) || n <= 0) throw this.bad(name, label, "须为正整数编号");
    return n;
  }

  /** An integer in a range (weights, counts). */
  integer(name: string, label: string, range: { min: number; max: number; fallback?: number }): number {
    const v = this.body[name];
    if ((v === undefined || v === "") && range.fallback !== undefined) return range.fallback;
    if (typeof v !== "string" || !/^-?\d{1,9}$/.test(v.trim())) throw this.bad(name, label, "须为整数");
    const n = Number(v.trim());
    if (n < range.min || n > range.max) throw this.bad(name, label, `须在 ${range.min}–${range.max} 之间`);
    return n;
  }

  /** A checkbox: absent = false. */
  flag(name: string, label: string): boolean {
    const v = this.body[name];
    if (v === undefined) return false;
    if (typeof v !== "string") throw this.bad(name, label, "只能填写一项");
    return v === "on" || v === "1" || v === "true";
  }

  /** One of the given values. */
  choice<T extends string>(name: string, label: string, allowed: readonly T[], fallback?: T): T {
    const v = this.body[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) throw this.bad(name, label, "不是可选的值");
    return v as T;
  }

  /** Checkboxes of one name: zero, one or several values. */
  list(name: string, label: string, max = 100): string[] {
    const v = this.body[name];
    if (v === undefined) return [];
    const list = Array.isArray(v) ? v : [v];
    if (list.length > max || list.some((x) => typeof x !== "string" || CONTROL.test(x) || x.length > 200)) throw this.bad(name, label);
    return list as string[];
  }
}

export const formOf = (req: Request): FormReader => new FormReader(req.body);
