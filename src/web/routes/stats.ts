// Statistics (Art. 6): aggregates only, readable by every signed-in officer.
import express, { type Request, type Router } from "express";
import type { App } from "../../app.js";
import { chinaYear } from "../../domain/time.js";
import { statistics, toCsv, toXlsx } from "../../stats/stats.js";

export function statsRoutes(app: App): Router {
  const { db } = app;
  const r = express.Router();
  const periodOf = (req: Request) => (typeof req.query.period === "string" && req.query.period) || String(chinaYear());
  r.get("/stats", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    const max = Math.max(1, ...s.units.slice(0, 15).map((u) => u.received));
    res.render("stats.njk", { s, chart: s.units.slice(0, 15).map((u) => ({ ...u, w: Math.round((u.received / max) * 100), pw: Math.round((u.published / max) * 100) })) });
  });
  r.get("/stats/bulletin", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    res.render("bulletin.njk", { s, commended: s.units.filter((u) => u.rank <= 3 && u.published > 0).map((u) => u.name) });
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
