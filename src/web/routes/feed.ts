// The public side for the website: the feeds and one page per published item at a stable URL
// (/items/<draft id>: the latest version; /items/<draft id>/v/<n>: a given one), with its chosen
// photos. Outside the back office (no allowlist, no session), so it is mounted before them.
// Only what was published and not withdrawn; photos only as their cleaned copies.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { GatewayError } from "../../domain/errors.js";
import { itemJson } from "../../publish/item.js";
import { isPublishedPhoto, latestPublished, publishedVersion, publishedVersions } from "../../publish/reads.js";
import { int } from "../params.js";

export function feedRoutes(app: App): Router {
  const r = express.Router();
  const feed = async () => (await latestPublished(app.db)).map((i) => itemJson(app.config, i));
  r.get("/feed.json", async (_req, res) => res.json(await feed()));
  r.get("/feed.atom", async (_req, res) => {
    res.type("application/atom+xml");
    res.render("feed.atom.njk", { items: await feed(), base: app.config.publicBaseUrl, updated: new Date().toISOString() });
  });
  const page = async (res: express.Response, draftId: number, version?: number) => {
    const item = await publishedVersion(app.db, draftId, version);
    if (!item) throw new GatewayError("NOT_FOUND", "信息不存在或已撤下");
    const versions = await publishedVersions(app.db, draftId);
    res.set("Cache-Control", "public, max-age=60");
    res.render("item.njk", { i: itemJson(app.config, item), versions, latest: versions[0]?.version === item.version });
  };
  r.get("/items/photos/:sha.jpg", async (req, res) => {
    const sha = String(req.params.sha);
    if (!(await isPublishedPhoto(app.db, sha))) throw new GatewayError("NOT_FOUND", "图片不存在");
    res.type("image/jpeg").set("Cache-Control", "public, max-age=86400, immutable").send(app.blobs.get(sha));
  });
  r.get("/items/:draftId", async (req, res) => page(res, int(req.params.draftId) ?? 0));
  r.get("/items/:draftId/v/:version", async (req, res) => page(res, int(req.params.draftId) ?? 0, int(req.params.version) ?? 0));
  return r;
}
