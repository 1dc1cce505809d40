// Page rendering: one nunjucks environment with the filters the templates use. Autoescape is on,
// so every string that came from a mail is escaped unless a template says `| safe` (only the
// sanitised original HTML does).
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Express } from "express";
import nunjucks from "nunjucks";
import { flagLabel, statusLabel } from "../domain/status.js";
import { roleLabel } from "../domain/roles.js";

export const templatesDir = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."), "templates");

export const formatDateTime = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const formatDay = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "long", day: "numeric" });

export function useViews(web: Express): void {
  const env = nunjucks.configure(path.join(templatesDir, "web"), { autoescape: true, noCache: process.env.NODE_ENV === "development" });
  env.addFilter("dt", (d: Date | string | null) => (d ? formatDateTime.format(new Date(d)) : ""));
  env.addFilter("day", (d: Date | string | null) => (d ? formatDay.format(new Date(d)) : ""));
  env.addFilter("status", (s: string) => statusLabel[s as keyof typeof statusLabel] ?? s);
  env.addFilter("flag", (s: string) => flagLabel[s] ?? s);
  env.addFilter("role", (s: string) => roleLabel[s as keyof typeof roleLabel] ?? s);
  web.set("view engine", "njk");
  web.engine("njk", (file: string, options: object, cb: (e: Error | null, html?: string) => void) => env.render(file, options, cb as never));
  web.set("views", path.join(templatesDir, "web"));
}
