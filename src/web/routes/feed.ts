// The public feed for the website: outside the back office (no allowlist, no session), so it is
// mounted before them. Only what was published and not withdrawn.
import express, { type Router } from "express";
import type { App } from "../../app.js";
import { publishedFeed } from "../../review/feed.js";

export function feedRoutes(app: App): Router {
  const r = express.Router();
  r.get("/feed.json", async (_req, res) => res.json(await publishedFeed(app.db)));
  r.get("/feed.atom", async (_req, res) => {
    res.type("application/atom+xml");
    res.render("feed.atom.njk", { items: await publishedFeed(app.db), base: app.config.publicBaseUrl, updated: new Date().toISOString() });
  });
  return r;
}
