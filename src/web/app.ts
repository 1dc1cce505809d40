// The review screen, assembled: public feed, then the back office behind the network allowlist,
// sessions and CSRF; sign-in; then every screen behind the signed-in check; errors last.
// Handlers (routes/) validate → call a service, which authorises and audits → render or redirect;
// reads go through one read function per screen (review/queries.ts, admin/queries.ts, stats).
import path from "node:path";
import express from "express";
import type { App } from "../app.js";
import { errorPage, notFound } from "./errors.js";
import { formBodies, pageLocals, requireSignIn, securityHeaders, sessions } from "./middleware.js";
import { csrfProtect, networkAllowlist, sessionSecret } from "./security.js";
import { DbSessionStore } from "./session-store.js";
import { templatesDir, useViews } from "./views.js";
import { adminRoutes } from "./routes/admin.js";
import { peopleRoutes } from "./routes/people.js";
import { accountRoutes, signInRoutes } from "./routes/auth.js";
import { draftRoutes } from "./routes/drafts.js";
import { feedRoutes } from "./routes/feed.js";
import { publishingRoutes } from "./routes/publishing.js";
import { fileRoutes } from "./routes/files.js";
import { queueRoutes } from "./routes/queue.js";
import { statsRoutes } from "./routes/stats.js";

export function createWebApp(app: App) {
  const { db, config } = app;
  const web = express();
  web.disable("x-powered-by");
  if (config.trustProxy) web.set("trust proxy", config.trustProxy);
  useViews(web);

  web.use(securityHeaders());
  web.use("/static", express.static(path.join(templatesDir, "static"), { maxAge: "1h" }));
  web.use(feedRoutes(app));

  web.use(networkAllowlist(config.allowedNetworks));
  web.use(formBodies());
  const store = new DbSessionStore(db, config.sessionIdleMinutes * 60_000);
  web.use(sessions(config, store));
  web.use(csrfProtect(sessionSecret(config.dataDir), config.publicBaseUrl.startsWith("https:")));
  web.use(pageLocals);
  web.use(signInRoutes(app));

  web.use(requireSignIn(db));
  web.use(accountRoutes(app));
  web.use(queueRoutes(app));
  web.use(draftRoutes(app));
  web.use(publishingRoutes(app));
  web.use(fileRoutes(app));
  web.use(statsRoutes(app));
  web.use("/admin", peopleRoutes(app));
  web.use("/admin", adminRoutes(app));

  web.use(notFound);
  web.use(errorPage);
  return { web, store };
}
