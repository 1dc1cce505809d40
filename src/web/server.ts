// The review screen. Handlers: validate → authorise (in the services) → call a service → render.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import session from "express-session";
import helmet from "helmet";
import nunjucks from "nunjucks";
import sanitizeHtml from "sanitize-html";
import { simpleParser } from "mailparser";
import type { App } from "../app.js";
import { changePassword, signIn } from "../accounts/auth.js";
import { cachedActor } from "../accounts/users.js";
import { GatewayError } from "../domain/errors.js";
import { canStart, flagLabel, statusLabel, type DraftAction } from "../domain/status.js";
import { roleLabel, type Actor } from "../domain/roles.js";
import type { QueueFilter } from "../review/queries.js";
import { mayAct } from "../review/service.js";
import { csrfProtect, csrfToken, httpStatus, networkAllowlist } from "./security.js";
import { DbSessionStore } from "./session-store.js";
import { lineDiff } from "./diff.js";
import { adminRoutes } from "./admin-routes.js";
import { statistics, toCsv, toXlsx } from "../stats/stats.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const templatesDir = path.join(root, "templates");

declare module "express-serve-static-core" {
  interface Request {
    actor?: Actor;
  }
}

function sessionSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    const secret = randomBytes(32).toString("hex");
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

const fmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const fmtDay = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "long", day: "numeric" });

const ACTIONS: DraftAction[] = ["send_for_review", "division_approve", "leader_approve", "send_back", "return_to_sender", "reject", "publish", "archive", "reopen", "correct"];
export const actionLabel: Record<DraftAction, string> = {
  send_for_review: "送处长审核",
  division_approve: "处长审核通过",
  leader_approve: "办领导审核通过",
  send_back: "退回修改",
  return_to_sender: "退回报送单位",
  reject: "不予采用",
  publish: "发布",
  archive: "归档",
  reopen: "重新打开",
  correct: "更正（发布后）",
};

const int = (v: unknown): number | undefined => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};
const dateParam = (v: unknown): Date | undefined => (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00+08:00`) : undefined);

interface OriginalView {
  headers: Array<[string, string]>;
  text: string;
  html: string | null;
}

export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "div", "span", "b", "strong", "i", "em", "u", "ul", "ol", "li", "table", "thead", "tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "blockquote", "pre", "hr", "font"],
    allowedAttributes: { td: ["colspan", "rowspan"], th: ["colspan", "rowspan"] },
    disallowedTagsMode: "discard",
  });
}

export function createWebApp(app: App) {
  const { db, config } = app;
  const review = app.review;
  const web = express();
  web.disable("x-powered-by");
  if (config.trustProxy) web.set("trust proxy", config.trustProxy);

  const env = nunjucks.configure(path.join(templatesDir, "web"), { autoescape: true, noCache: process.env.NODE_ENV === "development" });
  env.addFilter("dt", (d: Date | string | null) => (d ? fmt.format(new Date(d)) : ""));
  env.addFilter("day", (d: Date | string | null) => (d ? fmtDay.format(new Date(d)) : ""));
  env.addFilter("status", (s: string) => statusLabel[s as keyof typeof statusLabel] ?? s);
  env.addFilter("flag", (s: string) => flagLabel[s] ?? s);
  env.addFilter("role", (s: string) => roleLabel[s as keyof typeof roleLabel] ?? s);
  web.set("view engine", "njk");
  web.engine("njk", (file: string, options: object, cb: (e: Error | null, html?: string) => void) => env.render(file, options, cb as never));
  web.set("views", path.join(templatesDir, "web"));

  web.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", "data:"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      strictTransportSecurity: false, // set by the TLS-terminating proxy, which knows whether it is HTTPS
      referrerPolicy: { policy: "same-origin" },
    }),
  );
  web.use("/static", express.static(path.join(templatesDir, "static"), { maxAge: "1h" }));

  // The public feed for the website is outside the back office (no allowlist, no session).
  web.get("/feed.json", async (_req, res) => res.json(await feedItems(app)));
  web.get("/feed.atom", async (_req, res) => {
    res.type("application/atom+xml");
    res.render("feed.atom.njk", { items: await feedItems(app), base: config.publicBaseUrl, updated: new Date().toISOString() });
  });

  web.use(networkAllowlist(config.allowedNetworks));
  web.use(express.urlencoded({ extended: false, limit: "2mb" })); // repeated keys become arrays; no nested objects
  const store = new DbSessionStore(db, config.sessionIdleMinutes * 60_000);
  web.use(
    session({
      name: "gw.sid",
      secret: sessionSecret(config.dataDir),
      store,
      resave: false,
      saveUninitialized: false,
      rolling: true, // idle timeout: every request pushes the expiry forward
      cookie: { httpOnly: true, sameSite: "lax", secure: config.publicBaseUrl.startsWith("https:"), maxAge: config.sessionIdleMinutes * 60_000 },
    }),
  );
  web.use(csrfProtect);
  web.use((req, res, next) => {
    res.locals.csrf = csrfToken(req);
    res.locals.flash = req.session.flash;
    delete req.session.flash;
    next();
  });

  web.get("/login", (_req, res) => res.render("login.njk", {}));
  web.post("/login", async (req, res) => {
    const { username = "", password = "" } = req.body as Record<string, string>;
    try {
      const r = await signIn(db, config, username, password, req.ip ?? "");
      // A new session id at sign-in (no fixation), then the user.
      await new Promise<void>((ok, fail) => req.session.regenerate((e) => (e ? fail(e) : ok())));
      req.session.userId = r.userId;
      req.session.mustChangePassword = r.mustChangePassword;
      res.redirect(r.mustChangePassword ? "/password" : "/");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("login.njk", { error: err.message, username });
    }
  });

  // Everything below needs a signed-in user.
  web.use(async (req: Request, res: Response, next: NextFunction) => {
    const actor = req.session.userId ? await cachedActor(db, req.session.userId) : null;
    if (!actor) return res.redirect("/login");
    req.actor = actor;
    res.locals.actor = actor;
    res.locals.roles = [...new Set(actor.grants.map((g) => g.role))];
    if (req.session.mustChangePassword && req.path !== "/password" && req.path !== "/logout") return res.redirect("/password");
    next();
  });

  web.post("/logout", (req, res) => req.session.destroy(() => res.redirect("/login")));
  web.get("/password", (_req, res) => res.render("password.njk", {}));
  web.post("/password", async (req, res) => {
    const { current = "", next = "", confirm = "" } = req.body as Record<string, string>;
    try {
      if (next !== confirm) throw new GatewayError("VALIDATION", "两次输入的新密码不一致");
      await changePassword(db, req.actor!.userId, current, next, req.ip ?? "");
      req.session.mustChangePassword = false;
      req.session.flash = "密码已修改";
      res.redirect("/queue");
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      res.status(httpStatus[err.code]).render("password.njk", { error: err.message });
    }
  });

  // Approvers land on what waits for them; administrators on their whole queue.
  web.get("/", (req, res) => res.redirect(req.actor!.grants.some((g) => g.role === "division_head" || g.role === "leader") ? "/queue?mine=1" : "/queue"));
  web.get("/queue", async (req, res) => {
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
    const result = await app.read.queue(req.actor!, filter);
    const tabs = app.read.divisionTabs(req.actor!);
    const choices = app.read.choices();
    const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => v && k !== "page") as Array<[string, string]>);
    res.render("queue.njk", { ...result, tabs, choices, filter, query: q, params: params.toString(), statuses: Object.entries(statusLabel) });
  });

  // The original as shown beside the draft: parsed once per raw message (content-addressed, so a
  // cached view is never stale) — a fax mail of several megabytes takes a while to parse.
  const originals = new Map<string, OriginalView>();
  const originalView = async (sha256: string): Promise<OriginalView> => {
    const hit = originals.get(sha256);
    if (hit) return hit;
    const parsed = await simpleParser(app.blobs.get(sha256), { skipTextToHtml: true, skipImageLinks: true, maxHtmlLengthToParse: config.limits.htmlChars });
    const h = (k: string) => parsed.headerLines.find((l) => l.key === k)?.line.replace(/^[^:]*:\s*/, "") ?? "";
    const view: OriginalView = {
      headers: [
        ["发件人", parsed.from?.text ?? ""],
        ["收件人", Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(", ") : (parsed.to?.text ?? "")],
        ["主题", parsed.subject ?? ""],
        ["日期", parsed.date ? fmt.format(parsed.date) : h("date")],
        ["Message-ID", parsed.messageId ?? ""],
      ],
      text: parsed.text ?? "",
      html: typeof parsed.html === "string" ? sanitizeMailHtml(parsed.html) : null,
    };
    if (originals.size >= 200) originals.delete(originals.keys().next().value!);
    originals.set(sha256, view);
    return view;
  };

  web.get("/drafts/:id", async (req, res) => {
    const { draft, events } = app.read.draftDetail(req.actor!, int(req.params.id) ?? 0);
    const actor = req.actor!;
    const first = draft.intakes[0];
    const original = first?.rawPath ? await originalView(first.rawPath) : null;
    const actions = ACTIONS.filter((a) => canStart(a, draft.status) && mayAct(actor, a, draft));
    const revisions = draft.revisions.map((r, i) => {
      const newer = i === 0 ? { title: draft.title, body: draft.body } : draft.revisions[i - 1]!;
      return { ...r, diff: lineDiff(`${r.title}\n\n${r.body}`, `${newer.title}\n\n${newer.body}`) };
    });
    res.render("draft.njk", {
      d: draft,
      original,
      events,
      revisions,
      actions: actions.map((a) => ({ id: a, label: actionLabel[a], needsComment: ["send_back", "return_to_sender", "reject", "archive", "correct"].includes(a) })),
      canClearProhibited: draft.flags.includes("prohibited_content") && mayAct(actor, "send_for_review", draft),
      canEdit: mayAct(actor, "edit", draft),
      canTriage: mayAct(actor, "triage", draft),
      choices: mayAct(actor, "triage", draft) ? app.read.choices() : null,
    });
  });

  web.get("/drafts/:id/form", async (req, res) => {
    const { draft } = app.read.draftDetail(req.actor!, int(req.params.id) ?? 0);
    const steps = draft.reviewSteps.filter((s) => s.status !== "superseded");
    const pick = (stages: string[]) => [...steps].reverse().find((s) => stages.includes(s.stage));
    res.render("form.njk", { d: draft, head: pick(["division_head"]), deputy: pick(["deputy_director"]), director: pick(["director"]), header: pick(["division_head", "leader", "deputy_director", "director"]) });
  });

  web.post("/drafts/:id/edit", async (req, res) => {
    const b = req.body as Record<string, string>;
    const id = int(req.params.id) ?? 0;
    await review.edit(req.actor!, id, int(b.version) ?? 0, { title: b.title ?? "", body: b.body ?? "", note: b.note }, req.ip);
    req.session.flash = "已保存";
    res.redirect(`/drafts/${id}`);
  });

  web.post("/drafts/:id/triage", async (req, res) => {
    const b = req.body as Record<string, string>;
    const id = int(req.params.id) ?? 0;
    await review.triage(req.actor!, id, int(b.version) ?? 0, { unitId: int(b.unitId) ?? null, columnId: int(b.columnId) ?? null, divisionId: int(b.divisionId) ?? null, important: b.important === "on" }, req.ip);
    req.session.flash = "分拣信息已保存";
    res.redirect(`/drafts/${id}`);
  });

  web.post("/drafts/:id/merge", async (req, res) => {
    const b = req.body as Record<string, string>;
    const id = int(req.params.id) ?? 0;
    const into = int(String(b.originalId ?? "").replace(/^#/, ""));
    if (!into) throw new GatewayError("VALIDATION", "请填写原稿编号");
    await review.mergeInto(req.actor!, id, int(b.version) ?? 0, into, req.ip);
    req.session.flash = `已作为重复稿件并入 #${into}`;
    res.redirect(`/drafts/${into}`);
  });

  web.post("/drafts/:id/action", async (req, res) => {
    const b = req.body as Record<string, string>;
    const id = int(req.params.id) ?? 0;
    const action = b.action as DraftAction;
    if (!ACTIONS.includes(action)) throw new GatewayError("VALIDATION", "未知操作");
    await review.act(req.actor!, id, int(b.version) ?? 0, action, { comment: b.comment }, req.ip);
    req.session.flash = `已${actionLabel[action]}`;
    res.redirect(`/drafts/${id}`);
  });

  web.post("/drafts/:id/clear-prohibited", async (req, res) => {
    const b = req.body as Record<string, string>;
    const id = int(req.params.id) ?? 0;
    await review.clearProhibited(req.actor!, id, int(b.version) ?? 0, b.reason ?? "", req.ip);
    req.session.flash = "已解除违禁内容标记（理由已记录）";
    res.redirect(`/drafts/${id}`);
  });

  web.get("/pages/:id/image", (req, res) => {
    const page = app.read.draftOfPage(int(req.params.id) ?? 0);
    if (!page?.draftId || !page.imageSha256) throw new GatewayError("NOT_FOUND");
    app.read.draftDetail(req.actor!, page.draftId); // visibility check
    // A PNG rendered by the gateway itself (sharp re-encoded the scan), so it may be shown inline.
    res.type("image/png").set("Cache-Control", "private, max-age=86400").send(app.blobs.get(page.imageSha256));
  });

  web.get("/attachments/:id", async (req, res) => {
    const a = await db.attachment.findUnique({ where: { id: int(req.params.id) ?? 0 }, include: { intake: true } });
    if (!a?.intake.draftId) throw new GatewayError("NOT_FOUND");
    app.read.draftDetail(req.actor!, a.intake.draftId); // visibility check
    // Always a download, never rendered inline: an attachment is untrusted content.
    res.attachment(a.filename ?? `attachment-${a.id}`);
    res.type("application/octet-stream");
    res.send(app.blobs.get(a.sha256));
  });

  // Statistics (Art. 6): aggregates only, readable by every signed-in officer.
  const periodOf = (req: Request) => (typeof req.query.period === "string" && req.query.period) || String(new Date(Date.now() + 8 * 3_600_000).getUTCFullYear());
  web.get("/stats", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    const max = Math.max(1, ...s.units.slice(0, 15).map((r) => r.received));
    res.render("stats.njk", { s, chart: s.units.slice(0, 15).map((r) => ({ ...r, w: Math.round((r.received / max) * 100), pw: Math.round((r.published / max) * 100) })) });
  });
  web.get("/stats/bulletin", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    res.render("bulletin.njk", { s, commended: s.units.filter((r) => r.rank <= 3 && r.published > 0).map((r) => r.name) });
  });
  web.get("/stats.csv", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    const which = req.query.which === "divisions" ? "divisions" : "units";
    res.attachment(`信息报送统计-${s.period.key}-${which === "units" ? "市县" : "各处"}.csv`).type("text/csv; charset=utf-8").send(toCsv(s, which));
  });
  web.get("/stats.xlsx", async (req, res) => {
    const s = await statistics(db, periodOf(req));
    res.attachment(`信息报送统计-${s.period.key}.xlsx`).type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").send(await toXlsx(s));
  });

  web.use("/admin", adminRoutes(app));

  web.use((_req, _res, next) => next(new GatewayError("NOT_FOUND", "页面不存在")));
  web.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const known = err instanceof GatewayError;
    if (!known) console.error(err);
    const status = known ? httpStatus[err.code] : 500;
    const message = known ? err.message : "服务器内部错误，已记录";
    if (known && err.code === "CSRF") res.locals.csrf = csrfToken(req);
    res.status(status).render("error.njk", { status, message, actor: req.actor });
  });
  return { web, store };
}

async function feedItems(app: App) {
  const items = await app.db.publishedItem.findMany({
    where: { withdrawnAt: null },
    orderBy: { publishedAt: "desc" },
    take: 50,
    include: { column: true, division: true, unit: true },
  });
  return items.map((i) => ({
    id: i.id,
    draftId: i.draftId,
    version: i.version,
    title: i.title,
    body: i.body,
    column: i.column.name,
    division: i.division.fullName,
    unit: i.unit?.name ?? null,
    documentDate: i.documentDate?.toISOString().slice(0, 10) ?? null,
    publishedAt: i.publishedAt.toISOString(),
    publishedBy: i.publishedBy,
  }));
}
