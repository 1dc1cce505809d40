// Statistics (Art. 6): aggregates only, readable by every signed-in officer. The 通报 with its
// 文号 and date, printed or exported to Word (.docx) for the last edits in Word or WPS.
import express, { type Request, type Response, type Router } from "express";
import type { App } from "../../app.js";
import { audit } from "../../audit/audit.js";
import { chinaDay, chinaYear } from "../../domain/time.js";
import { bulletin, bulletinDocx, DEFAULT_ISSUER, type BulletinFields } from "../../stats/bulletin.js";
import { statistics, toCsv, toXlsx } from "../../stats/stats.js";
import { GatewayError } from "../../domain/errors.js";
import { FormReader } from "../form.js";
import { actorOf } from "../middleware.js";

/** Today in China Standard Time, as the date picker writes it. */
const chinaToday = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** The 通报's fields from the query: every problem beside its field, what was typed kept. */
function fieldsOf(req: Request): { fields: BulletinFields; input: Record<string, string>; errors: Record<string, string> } {
  const f = new FormReader(req.query);
  const errors: Record<string, string> = {};
  const read = (name: string, label: string, max: number): string => {
    try {
      return f.text(name, label, { max }).trim();
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      errors[name] = err.message;
      return "";
    }
  };
  const docNumber = read("docNumber", "文号", 60);
  const issuer = read("issuer", "落款单位", 60) || DEFAULT_ISSUER;
  const day = read("date", "日期", 10) || chinaToday();
  let date = chinaDay(day);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(date.getTime())) {
    errors.date ??= "「日期」须为有效日期，如 2026-12-01";
    date = chinaDay(chinaToday());
  }
  return { fields: { docNumber, issuer, date }, input: { docNumber, issuer, date: day }, errors };
}

export function statsRoutes(app: App): Router {
  const { db } = app;
  const r = express.Router();
  const periodOf = (req: Request) => (typeof req.query.period === "string" && req.query.period) || String(chinaYear());
  r.get("/stats", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    const max = Math.max(1, ...s.units.slice(0, 15).map((u) => u.received));
    res.render("stats.njk", { s, chart: s.units.slice(0, 15).map((u) => ({ ...u, w: Math.round((u.received / max) * 100), pw: Math.round((u.published / max) * 100) })) });
  });
  const bulletinPage = async (req: Request, res: Response) => {
    const s = await statistics(db, periodOf(req));
    const { fields, input, errors } = fieldsOf(req);
    const query = new URLSearchParams({ period: s.period.key, ...input }).toString();
    res.status(Object.keys(errors).length ? 400 : 200).render("bulletin.njk", { s, b: bulletin(s, fields), input, errors, query });
  };
  r.get("/stats/bulletin", bulletinPage);
  r.get("/stats/bulletin.docx", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    const { fields, errors } = fieldsOf(req);
    if (Object.keys(errors).length) return bulletinPage(req, res);
    const file = await bulletinDocx(bulletin(s, fields));
    await db.$transaction((tx) => audit(tx, { actor: `user:${actorOf(req).username}`, action: "bulletin.export", entityType: "bulletin", entityId: s.period.key, ip: req.ip, detail: { period: s.period.key, docNumber: fields.docNumber, format: "docx" } }));
    res.attachment(`信息报送情况通报-${s.period.key}.docx`).type("application/vnd.openxmlformats-officedocument.wordprocessingml.document").send(file);
  });
  r.get("/stats.csv", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    const which = req.query.which === "divisions" ? "divisions" : "units";
    res.attachment(`信息报送统计-${s.period.key}-${which === "units" ? "市县" : "各处"}.csv`).type("text/csv; charset=utf-8").send(toCsv(s, which));
  });
  r.get("/stats.xlsx", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    res.attachment(`信息报送统计-${s.period.key}.xlsx`).type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").send(await toXlsx(s));
  });
  return r;
}
