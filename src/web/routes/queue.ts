// The queue: what waits for the officer, with tabs per division, filters, full-text search with
// the hits marked, the waiting time, state tags (returned, commented, merged — with who and why)
// and bulk 分拣 / 送审 / 归档 with a result per item.
import express, { type Request, type Response, type Router } from "express";
import type { App } from "../../app.js";
import { GatewayError } from "../../domain/errors.js";
import { mayAct } from "../../domain/permissions.js";
import { hasRole, Role } from "../../domain/roles.js";
import { statusLabel } from "../../domain/status.js";
import { BULK_LIMIT, bulkActionLabel, runBulk, type BulkResult } from "../../review/bulk.js";
import type { QueueFilter } from "../../review/queries.js";
import { formOf } from "../form.js";
import { keepingWork, NO_FORM_STATE, type FormState } from "../forms.js";
import { actorOf } from "../middleware.js";
import { dateParam, int } from "../params.js";
import { safeReturnPath } from "../return-path.js";

declare module "express-session" {
  interface SessionData {
    /** The per-item results of the last bulk action, shown once on the queue. */
    bulkResults?: { action: string; results: BulkResult[] };
  }
}

export function queueRoutes(app: App): Router {
  const r = express.Router();
  // Approvers land on what waits for them; administrators on their whole queue.
  r.get("/", (req, res) => res.redirect(hasRole(actorOf(req), Role.divisionHead) || hasRole(actorOf(req), Role.leader) ? "/queue?mine=1" : "/queue"));

  const page = async (req: Request, res: Response, state: FormState = NO_FORM_STATE) => {
    const actor = actorOf(req);
    // A refused bulk form comes back with the queue it was sent from.
    const q = (state.form === "bulk" ? Object.fromEntries(new URLSearchParams(safeReturnPath(state.input.back)?.split("?")[1] ?? "")) : req.query) as Record<string, string | undefined>;
    const filter: QueueFilter = {
      mine: q.mine === "1",
      division: q.division === "shared" ? "shared" : int(q.division),
      status: q.status === "all" || (q.status && q.status in statusLabel) ? q.status : undefined,
      unitId: int(q.unit),
      columnId: int(q.column),
      from: dateParam(q.from),
      to: dateParam(q.to),
      q: q.q?.slice(0, 100),
      sort: q.sort === "waiting" ? "waiting" : "received",
      page: int(q.page) ?? 1,
    };
    const screen = await app.read.queueScreen(actor, filter);
    const keep = (drop: string[]) => new URLSearchParams(Object.entries(q).filter(([k, v]) => v && !drop.includes(k)) as Array<[string, string]>).toString();
    // Which rows may be ticked: those at least one bulk verb could apply to.
    const rows = screen.rows.map((row) => ({ ...row, bulk: row.status === "triage" && (mayAct(actor, "triage", row) || mayAct(actor, "archive", row)) }));
    const bulkResults = req.session.bulkResults;
    delete req.session.bulkResults;
    res.render("queue.njk", {
      ...screen,
      rows,
      filter,
      query: q,
      params: keep(["page"]),
      withoutStatus: keep(["page", "status"]),
      withoutSort: keep(["page", "sort"]),
      here: req.originalUrl.startsWith("/queue") ? req.originalUrl : "/queue",
      statuses: Object.entries(statusLabel),
      canBulk: rows.some((x) => x.bulk),
      bulkResults,
      bulkLimit: BULK_LIMIT,
      fs: state,
    });
  };
  r.get("/queue", (req, res) => page(req, res));

  r.post(
    "/queue/bulk",
    keepingWork(page, async (req, res) => {
      const form = formOf(req);
      const action = form.choice("bulkAction", "批量操作", ["", "triage", "send_for_review", "archive"] as const, "");
      if (!action) throw new GatewayError("VALIDATION", "请选择批量操作", { fields: { bulkAction: "请选择批量操作" } });
      const ids = form.list("ids", "勾选的稿件", BULK_LIMIT * 2).map((v) => int(v)).filter((v): v is number => v != null);
      const items = ids.map((id) => ({ id, version: form.id(`v${id}`, `#${id} 的版本`) ?? 0 }));
      const input = { action, items, columnId: form.id("columnId", "栏目"), divisionId: form.id("divisionId", "处室"), unitId: form.id("unitId", "报送单位"), reason: form.text("reason", "归档理由", { max: 2000 }) };
      const results = await runBulk(app.db, app.review, actorOf(req), input, req.ip);
      req.session.bulkResults = { action: bulkActionLabel[action], results };
      const ok = results.filter((x) => x.ok).length;
      req.session.flash = `批量${bulkActionLabel[action]}：${ok} 件完成${results.length - ok ? `，${results.length - ok} 件未完成（原因见下）` : ""}`;
      res.redirect(safeReturnPath(form.text("back", "返回地址", { max: 2000 })) ?? "/queue");
    }),
  );
  return r;
}
