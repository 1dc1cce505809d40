// Bulk 分拣 / 送审 / 归档 from the queue: each item goes through the same service verb as on its
// own page, in its own transaction, so one refusal (a unit not confirmed, an item someone else
// changed meanwhile) stops only that item and says why; the rest are done. No HTML here.
import { GatewayError } from "../domain/errors.js";
import type { Actor } from "../domain/roles.js";
import type { Db } from "../db/client.js";
import type { ReviewService } from "./service.js";

export type BulkAction = "triage" | "send_for_review" | "archive";

export const bulkActionLabel: Record<BulkAction, string> = { triage: "分拣", send_for_review: "送处长审核", archive: "归档" };

export interface BulkRequest {
  action: BulkAction;
  /** Each ticked item with the version the officer saw. */
  items: Array<{ id: number; version: number }>;
  columnId?: number | null;
  divisionId?: number | null;
  unitId?: number | null;
  reason?: string;
}

export interface BulkResult {
  id: number;
  title: string;
  ok: boolean;
  message: string;
}

/** At most this many items per request: a page of the queue. */
export const BULK_LIMIT = 50;

export async function runBulk(db: Db, review: ReviewService, actor: Actor, req: BulkRequest, ip?: string): Promise<BulkResult[]> {
  if (!req.items.length) throw new GatewayError("VALIDATION", "请先勾选稿件", { fields: { ids: "请先勾选要处理的稿件" } });
  if (req.items.length > BULK_LIMIT) throw new GatewayError("VALIDATION", `一次最多处理 ${BULK_LIMIT} 件`, { fields: { ids: `一次最多处理 ${BULK_LIMIT} 件` } });
  const fields: Record<string, string> = {};
  if (req.action === "triage" && req.columnId == null && req.divisionId == null && req.unitId == null) fields.columnId = "请选择要设定的报送单位、栏目或处室";
  if (req.action === "archive" && !req.reason?.trim()) fields.reason = "归档须填写理由";
  if (Object.keys(fields).length) throw new GatewayError("VALIDATION", Object.values(fields).join("；"), { fields });

  const results: BulkResult[] = [];
  for (const item of req.items) {
    const d = await db.draft.findUnique({ where: { id: item.id }, select: { id: true, title: true, unitId: true, unitConfirmed: true, columnId: true, divisionId: true, important: true } });
    const title = d?.title ?? "";
    try {
      if (!d) throw new GatewayError("NOT_FOUND");
      if (req.action === "triage")
        await review.triage(actor, d.id, item.version, { unitId: req.unitId ?? (d.unitConfirmed ? d.unitId : null), columnId: req.columnId ?? d.columnId, divisionId: req.divisionId ?? d.divisionId, important: d.important }, ip);
      else await review.act(actor, d.id, item.version, req.action, { comment: req.reason }, ip);
      results.push({ id: item.id, title, ok: true, message: req.action === "triage" ? "已分拣" : req.action === "archive" ? "已归档" : "已送处长审核" });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      // The page re-reads the queue afterwards, so a stale version is simply named.
      const why = err.code === "STALE_VERSION" ? "稿件在您勾选后已被修改，请刷新后重试" : err.code === "NOT_FOUND" ? "稿件不存在" : err.message;
      // An item the officer may not see tells nothing about itself, not even its title.
      results.push({ id: item.id, title: err.code === "FORBIDDEN" ? "" : title, ok: false, message: `未${bulkActionLabel[req.action]}：${why}` });
    }
  }
  return results;
}
