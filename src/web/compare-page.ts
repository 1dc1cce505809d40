// 「对照后合并」: two drafts side by side before one is merged into the other as a duplicate —
// the same unit's news sent twice (by fax and by mail, or again reworded). The officer sees both
// texts, where they come from, when they arrived and what differs, and only then confirms. A
// number that cannot be compared (itself, unknown, not visible, a duplicate already) is said
// beside the draft page's merge field, the number kept.
import type { Request, Response } from "express";
import type { App } from "../app.js";
import { GatewayError } from "../domain/errors.js";
import { mayAct } from "../domain/permissions.js";
import { similarity } from "../review/duplicates.js";
import { lineDiff } from "./diff.js";
import type { FormState } from "./forms.js";
import { actorOf } from "./middleware.js";
import type { OriginalViews } from "./original-view.js";
import { int } from "./params.js";

export function comparePage(app: App, originals: OriginalViews, draftPage: (req: Request, res: Response, state: FormState) => Promise<void>) {
  return async (req: Request, res: Response): Promise<void> => {
    const actor = actorOf(req);
    const id = int(req.params.id) ?? 0;
    const raw = typeof req.query.with === "string" ? req.query.with.trim().replace(/^#/, "").slice(0, 20) : "";
    const refuse = (why: string) => {
      res.status(400);
      return draftPage(req, res, { form: "merge", message: why, errors: { originalId: why }, input: { originalId: raw }, code: "VALIDATION" });
    };
    const mine = app.read.draftDetail(actor, id).draft;
    const otherId = int(raw);
    if (!otherId) return refuse(raw ? `「${raw}」不是稿件编号：请填写要对照的原稿编号（数字）` : "请填写要对照的原稿编号");
    if (otherId === id) return refuse("不能与自身对照合并：请填写另一件稿件的编号");
    let other;
    try {
      other = app.read.draftDetail(actor, otherId).draft;
    } catch (err) {
      if (err instanceof GatewayError && (err.code === "NOT_FOUND" || err.code === "FORBIDDEN")) return refuse(`稿件 #${otherId} 不存在或不在您的队列中`);
      throw err;
    }
    const view = async (d: typeof mine) => {
      const first = d.intakes[0];
      return { d, original: first?.rawPath ? await originals.get(first.rawPath) : null, attachments: d.intakes.flatMap((i) => i.attachments) };
    };
    const [left, right] = await Promise.all([view(mine), view(other)]);
    res.render("compare.njk", {
      left,
      right,
      titleSimilarity: Math.round(similarity(mine.title, other.title) * 100),
      bodySimilarity: Math.round(similarity(mine.body, other.body) * 100),
      diff: lineDiff(`${other.title}\n\n${other.body}`, `${mine.title}\n\n${mine.body}`),
      // Merging is the triage's verb on this draft; the other way round is offered when allowed.
      canMerge: mayAct(actor, "triage", mine) && other.duplicateOfId == null,
      canMergeOther: mayAct(actor, "triage", other) && mine.duplicateOfId == null && other.duplicateOfId == null,
    });
  };
}
