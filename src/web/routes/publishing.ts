// The draft page's publishing parts: the clean-up suggestions (accept / reject, personal data
// confirmed with a reason), the photos (thumbnails, which to publish, order, captions). Each verb
// is validate → call the service (which authorises and audits) → redirect.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { kindLabel } from "../../compose/cleanup.js";
import { GatewayError } from "../../domain/errors.js";
import { isInfoAdminOf, mayAct } from "../../domain/permissions.js";
import type { Actor } from "../../domain/roles.js";
import { choosePhotos, draftPhotos } from "../../publish/photos.js";
import { answerSuggestion, currentSuggestions, sensitiveTermsIn } from "../../review/suggestions.js";
import { actorOf } from "../middleware.js";
import { int } from "../params.js";

interface DraftView {
  id: number;
  title: string;
  body: string;
  suggestions: string;
  status: string;
  divisionId: number | null;
  unitConfirmed: boolean;
  columnId: number | null;
  intakes?: Array<{ attachments: Array<{ pages: Array<{ lowWords: string | null }> }> }>;
}

/** What the draft page shows of suggestions and photos (the draft route adds it to its page). */
export async function publishingView(app: App, actor: Actor, d: DraftView) {
  const suggestions = currentSuggestions(d, await sensitiveTermsIn(app.db, `${d.title}\n${d.body}`));
  const photos = await draftPhotos(app.db, app.blobs, app.config.limits, d.id);
  // The low-confidence OCR words of every page, highlighted in the body too.
  const lowWords = [...new Set((d.intakes ?? []).flatMap((i) => i.attachments.flatMap((a) => a.pages.flatMap((p) => (p.lowWords ? (JSON.parse(p.lowWords) as string[]) : [])))))];
  return { lowWords, suggestions: suggestions.map((s) => ({ ...s, kindName: kindLabel[s.kind] })), photos, canAnswer: isInfoAdminOf(actor, d), canChoosePhotos: mayAct(actor, "edit", d) };
}

export function publishingRoutes(app: App): Router {
  const r = express.Router();

  r.post("/drafts/:id/suggestions", async (req, res) => {
    const b = req.body as Record<string, string>;
    const id = int(req.params.id) ?? 0;
    const answer = b.answer === "accept" ? "accept" : b.answer === "reject" ? "reject" : null;
    if (!answer || !b.suggestion) throw new GatewayError("VALIDATION", "未知操作");
    await answerSuggestion(app.db, actorOf(req), id, int(b.version) ?? 0, b.suggestion, answer, b.reason ?? "", req.ip);
    req.session.flash = answer === "accept" ? "已采纳建议，正文已修改（可在修改历史中查看）" : "已记录：保留原文";
    res.redirect(`/drafts/${id}#cleanup`);
  });

  r.post("/drafts/:id/photos", async (req, res) => {
    const b = req.body as Record<string, string | string[]>;
    const id = int(req.params.id) ?? 0;
    const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v == null ? [] : [v]);
    const ids = list(b.photoId).map((x) => int(x) ?? 0);
    const chosen = new Set(list(b.chosen).map((x) => int(x) ?? 0));
    const orders = list(b.sortOrder);
    const captions = list(b.caption);
    await choosePhotos(app.db, actorOf(req), id, int(b.version as string) ?? 0, ids.map((photoId, i) => ({ photoId, chosen: chosen.has(photoId), sortOrder: int(orders[i]) ?? i + 1, caption: captions[i] ?? "" })), req.ip);
    req.session.flash = "照片选择已保存";
    res.redirect(`/drafts/${id}#photos`);
  });

  r.get("/photos/:id/thumb", async (req, res) => {
    const photo = await app.db.draftPhoto.findUnique({ where: { id: int(req.params.id) ?? 0 } });
    if (!photo?.thumbSha256) throw new GatewayError("NOT_FOUND");
    app.read.draftDetail(actorOf(req), photo.draftId); // visibility check
    // A JPEG made by the gateway itself (sharp re-encoded it, metadata removed): safe to show inline.
    res.type("image/jpeg").set("Cache-Control", "private, max-age=86400").send(app.blobs.get(photo.thumbSha256));
  });
  return r;
}
