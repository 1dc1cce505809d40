// The queue: what waits for the officer, with tabs per division, filters and full-text search.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { statusLabel } from "../../domain/status.js";
import type { QueueFilter } from "../../review/queries.js";
import { actorOf } from "../middleware.js";
import { dateParam, int } from "../params.js";

export function queueRoutes(app: App): Router {
  const r = express.Router();
  // Approvers land on what waits for them; administrators on their whole queue.
  r.get("/", (req, res) => res.redirect(actorOf(req).grants.some((g) => g.role === "division_head" || g.role === "leader") ? "/queue?mine=1" : "/queue"));
  r.get("/queue", async (req, res) => {
    const actor = actorOf(req);
    const q = req.query as Record<string, string | undefined>;
    const filter: QueueFilter = {
      mine: q.mine === "1",
      division: q.division === "shared" ? "shared" : int(q.division),
      status: q.status === "all" || (q.status && q.status in statusLabel) ? q.status : undefined,
      unitId: int(q.unit),
      columnId: int(q.column),
      from: dateParam(q.from),
      to: dateParam(q.to),
      q: q.q?.slice(0, 100),
      page: int(q.page) ?? 1,
    };
    const screen = await app.read.queueScreen(actor, filter);
    const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => v && k !== "page") as Array<[string, string]>);
    res.render("queue.njk", { ...screen, filter, query: q, params: params.toString(), statuses: Object.entries(statusLabel) });
  });
  return r;
}
