// Downloads of what came with a draft: page images and attachments. Each checks that the officer
// may see the draft it belongs to — with one small query, not the whole draft page's.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { actorOf } from "../middleware.js";
import { int } from "../params.js";
import { neutraliseFileName } from "../../util/display-text.js";

export function fileRoutes(app: App): Router {
  const r = express.Router();
  r.get("/pages/:id/image", (req, res) => {
    const page = app.read.pageImage(actorOf(req), int(req.params.id) ?? 0);
    // A PNG rendered by the gateway itself (sharp re-encoded the scan), so it may be shown inline.
    res.type("image/png").set("Cache-Control", "private, max-age=86400").send(app.blobs.get(page.imageSha256));
  });

  r.get("/attachments/:id", (req, res) => {
    const a = app.read.attachmentFile(actorOf(req), int(req.params.id) ?? 0);
    // Always a download, never rendered inline: an attachment is untrusted content.
    res.attachment(neutraliseFileName(a.filename ?? `attachment-${a.id}`));
    res.type("application/octet-stream");
    res.send(app.blobs.get(a.sha256));
  });
  return r;
}
