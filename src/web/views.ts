// Page rendering: one nunjucks environment with the filters the templates use. Autoescape is on,
// so every string that came from a mail is escaped unless a template says `| safe` (only the
// sanitised original HTML does).
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Express } from "express";
import nunjucks from "nunjucks";
import { extractMethodLabel, LOW_OCR_CONFIDENCE } from "../domain/extraction.js";
import { decisionChannelLabel, stageLabel, stepStatusLabel } from "../domain/review-steps.js";
import { flagLabel, statusLabel } from "../domain/status.js";
import { roleLabel } from "../domain/roles.js";
import { neutraliseFileName } from "../util/display-text.js";
import { formatDateTime, formatDay } from "../domain/time.js";
import { auditActionLabel } from "../domain/audit-actions.js";
import { deliveryProblem, mailKindLabel, mailStatusLabel, webhookEventLabel, webhookStatusLabel } from "../domain/delivery.js";
import { fileKind, fileSize, highlight, readableProblem, snippet, waited, waitedHours } from "./format.js";
import type { FormState } from "./forms.js";
import { markLowWords } from "./mark-words.js";

export const templatesDir = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."), "templates");

/** A label from one of the domain's tables, or the value itself when the table has none. */
const labelOf = (table: Record<string, string>) => (v: string | null | undefined) => (v == null ? "" : (table[v] ?? v));

export function useViews(web: Express): void {
  const env = nunjucks.configure(path.join(templatesDir, "web"), { autoescape: true, noCache: process.env.NODE_ENV === "development" });
  // OCR words to check, highlighted in escaped text (web/mark-words.ts).
  env.addFilter("markLow", markLowWords);
  env.addFilter("dt", (d: Date | string | null) => (d ? formatDateTime(new Date(d)) : ""));
  env.addFilter("day", (d: Date | string | null) => (d ? formatDay(new Date(d)) : ""));
  env.addFilter("status", labelOf(statusLabel));
  env.addFilter("flag", labelOf(flagLabel));
  env.addFilter("role", labelOf(roleLabel));
  env.addFilter("filename", (s: string | null) => (s == null ? s : neutraliseFileName(s))); // bidi overrides cannot spoof an extension
  env.addFilter("stage", labelOf(stageLabel));
  env.addFilter("stepStatus", labelOf(stepStatusLabel));
  env.addFilter("decisionChannel", labelOf(decisionChannelLabel));
  env.addFilter("extractMethod", labelOf(extractMethodLabel));
  env.addGlobal("LOW_OCR_CONFIDENCE", LOW_OCR_CONFIDENCE);
  env.addFilter("filesize", fileSize);
  env.addFilter("filekind", fileKind);
  env.addFilter("problem", readableProblem);
  env.addFilter("waited", (d: Date | string | null) => waited(d));
  env.addFilter("waitedHours", (d: Date | string | null) => waitedHours(d));
  env.addFilter("auditAction", auditActionLabel);
  env.addFilter("mailKind", (k: string) => mailKindLabel[k] ?? "其他");
  env.addFilter("mailStatus", (k: string) => mailStatusLabel[k] ?? "其他");
  env.addFilter("webhookStatus", (k: string) => webhookStatusLabel[k] ?? "其他");
  env.addFilter("webhookEvent", (k: string) => webhookEventLabel[k] ?? "其他");
  env.addFilter("deliveryProblem", deliveryProblem);
  // Escaped by highlight() itself, piece by piece; marked safe only after that.
  env.addFilter("highlight", (text: string | null, q: string | null) => new nunjucks.runtime.SafeString(highlight(text, q)));
  env.addFilter("snippet", snippet);
  /** A refused form's typed value (forms.ts), else the stored one. */
  env.addGlobal("kept", (fs: FormState | undefined, form: string, field: string, fallback: unknown) => (fs && fs.form === form && field in fs.input ? fs.input[field] : fallback));
  web.set("view engine", "njk");
  web.engine("njk", (file: string, options: object, cb: (e: Error | null, html?: string) => void) => env.render(file, options, cb as never));
  web.set("views", path.join(templatesDir, "web"));
}
