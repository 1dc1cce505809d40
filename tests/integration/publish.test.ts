// What gets published, end to end with real components: fixtures of fixtures/formats through the
// Maildir pipeline, the review chain, the clean-up suggestions (personal data holds 发布 until
// removed or confirmed, audited), the chosen photo published without its GPS EXIF, the item page
// at its stable URL with 信息来源 / 发布机构 / 发布日期, and the webhook on publish and on correction,
// received by a real HTTP server started here: signed with HMAC-SHA256, retried after a failure,
// claimed once when two senders race.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import type { Actor } from "../../src/domain/roles.js";
import { createWebApp } from "../../src/web/app.js";
import { flushWebhooks, verifySignature } from "../../src/publish/webhook.js";
import { choosePhotos, draftPhotos } from "../../src/publish/photos.js";
import { answerSuggestion, currentSuggestions, sensitiveTermsIn } from "../../src/review/suggestions.js";

const SECRET = "k".repeat(20) + "-webhook-secret-2026";
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let failNext = 0;
let receiver: http.Server;
let web: http.Server;
let base = "";
let t: TestEnv;
let admin: Actor;
let head: Actor;
const drafts = new Map<string, number>();

beforeAll(async () => {
  // The website's CMS: records every POST; answers 503 while failNext > 0.
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end("busy");
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cms/hook`;
  t = await freshApp({ WEBHOOK_URLS: hook, WEBHOOK_SECRET: SECRET });
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "zhangwenyi" } })).id))!;
  head = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "liyingming" } })).id))!;
  const md = new Maildir(t.env.MAILDIR!);
  for (const f of ["07-sanhe-cleanup.eml", "08-shenzhou-html-table-photos.eml"]) md.deliver(fs.readFileSync(path.join(fixturesDir, "formats", f)));
  for (const r of await t.app.maildirIntake().runOnce()) drafts.set(r.title!, r.draftId!);
  // Routing is not under test here: both drafts go to the division of the demo accounts used below.
  const col = await t.app.db.column.findFirstOrThrow({ where: { name: "机构编制工作动态" } });
  const div = await t.app.db.division.findFirstOrThrow({ where: { name: "综合处" } });
  await t.app.db.draft.updateMany({ where: { id: { in: [...drafts.values()] } }, data: { columnId: col.id, divisionId: div.id } });
  const { web: app } = createWebApp(t.app);
  web = app.listen(0, "127.0.0.1");
  await new Promise((ok) => web.once("listening", ok));
  base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  web?.close();
  receiver?.close();
  await t?.app.close();
});

const draft = (id: number) => t.app.db.draft.findUniqueOrThrow({ where: { id } });

/** Triage to 综合处 / 机构编制工作动态, send for review, approve as 处长. */
async function throughReview(id: number) {
  const col = await t.app.db.column.findFirstOrThrow({ where: { name: "机构编制工作动态" } });
  const div = await t.app.db.division.findFirstOrThrow({ where: { name: "综合处" } });
  let d = await draft(id);
  if (d.status === "triage" && (d.columnId !== col.id || d.divisionId !== div.id || !d.unitConfirmed)) d = await t.app.review.triage(admin, id, d.version, { unitId: d.unitId, columnId: col.id, divisionId: div.id, important: false });
  d = await t.app.review.act(admin, id, d.version, "send_for_review", {});
  return t.app.review.act(head, id, d.version, "division_approve", {});
}

const suggestionsOf = async (id: number) => {
  const d = await draft(id);
  return currentSuggestions(d, await sensitiveTermsIn(t.app.db, `${d.title}\n${d.body}`));
};

describe("clean-up suggestions", () => {
  it("suggests the signature, contact lines, repeated title, broken lines, punctuation and every personal number", async () => {
    const s = await suggestionsOf(drafts.get("三河市编办开展事业单位登记管理业务培训")!);
    const kinds = new Set(s.map((x) => x.kind));
    for (const k of ["title_repeat", "signature", "line_join", "punctuation", "phone", "mobile", "id_card", "bank_card"]) expect(kinds, k).toContain(k);
    expect(s.find((x) => x.kind === "mobile")!.label).toContain("139****1234");
    expect(s.filter((x) => x.blocking).map((x) => x.kind).sort()).toEqual(["bank_card", "id_card", "mobile", "phone"]);
  });

  it("holds 发布 while personal data is open, and lets it go once each is removed or confirmed (audited)", async () => {
    const id = drafts.get("三河市编办开展事业单位登记管理业务培训")!;
    // Accept the text clean-ups in triage: each is an edit with a revision.
    for (const kind of ["title_repeat", "signature", "line_join", "punctuation", "id_card", "bank_card"]) {
      const s = (await suggestionsOf(id)).find((x) => x.kind === kind && x.status === "open")!;
      await answerSuggestion(t.app.db, admin, id, (await draft(id)).version, s.id, "accept", "");
    }
    let d = await draft(id);
    expect(d.body.startsWith("三河市编办开展")).toBe(false);
    expect(d.body).not.toContain("发自我的华为手机");
    expect(d.body).not.toContain("130982199003151239");
    expect(d.body).toContain("11月19日，三河市委编办组织开展");
    expect(d.body).toContain("培训围绕法人年度报告、变更登记和注销登记等内容进行了讲解，并现场解答了问题。");
    expect(await t.app.db.draftRevision.count({ where: { draftId: id } })).toBe(6);
    await throughReview(id);
    d = await draft(id);
    await expect(t.app.review.act(admin, id, d.version, "publish", {})).rejects.toThrow(/个人信息.*手机号码.*电话号码|个人信息.*电话号码/);
    // The office phone may be published (confirmed, with a reason); the mobile may not, but the
    // draft is approved now: its text can no longer change, so it is confirmed too for this test
    // of the record, and a confirmation without a reason is refused.
    const open = (await suggestionsOf(id)).filter((x) => x.blocking && x.status === "open");
    await expect(answerSuggestion(t.app.db, admin, id, d.version, open[0]!.id, "reject", "")).rejects.toThrow(/理由/);
    await expect(answerSuggestion(t.app.db, admin, id, d.version, open[0]!.id, "accept", "")).rejects.toThrow(/待分拣/);
    for (const s of open) await answerSuggestion(t.app.db, admin, id, (await draft(id)).version, s.id, "reject", "登记管理科对外公开的办公电话");
    const published = await t.app.review.act(admin, id, (await draft(id)).version, "publish", {});
    expect(published.status).toBe("published");
    const events = await t.app.db.auditEvent.findMany({ where: { entityId: String(id), action: { in: ["draft.cleanup_accept", "draft.personal_data_confirmed"] } } });
    expect(events.filter((e) => e.action === "draft.personal_data_confirmed").map((e) => JSON.parse(e.detail).reason)).toEqual(Array(open.length).fill("登记管理科对外公开的办公电话"));
    expect(events.filter((e) => e.action === "draft.cleanup_accept")).toHaveLength(6);
  });
});

describe("photos, tables and the published item", () => {
  let id = 0;
  it("lists the photos with thumbnails; the officer picks, orders and captions", async () => {
    id = drafts.get("深州市召开事业单位绩效考评推进会")!;
    const photos = await draftPhotos(t.app.db, t.app.blobs, t.app.config.limits, id);
    expect(photos.map((p) => p.filename).sort()).toEqual(["meeting.jpg", "现场照片.jpg"]);
    const meeting = photos.find((p) => p.filename === "meeting.jpg")!;
    expect(Math.max(meeting.width!, meeting.height!)).toBeLessThanOrEqual(1920);
    await choosePhotos(t.app.db, admin, id, (await draft(id)).version, photos.map((p) => ({ photoId: p.id, chosen: p.filename === "meeting.jpg", sortOrder: 1, caption: p.filename === "meeting.jpg" ? "推进会现场<b>" : "" })));
  });

  it("publishes with 信息来源, 发布机构, the table as a table and the photo without its GPS EXIF", async () => {
    await throughReview(id);
    await t.app.review.act(admin, id, (await draft(id)).version, "publish", {});
    const item = await t.app.db.publishedItem.findFirstOrThrow({ where: { draftId: id } });
    expect(item.sourceName).toBe("深州市编办");
    expect(item.publisherName).toBe("河北省机构编制委员会办公室综合处");
    expect(item.bodyHtml).toContain("<table><thead><tr><th>单位类别</th><th>应考评</th><th>已完成</th></tr></thead><tbody><tr><td>教育类</td><td>62</td><td>58</td></tr>");
    const photos = JSON.parse(item.photos) as Array<{ sha256: string; caption: string }>;
    expect(photos).toHaveLength(1);
    expect(photos[0]!.caption).toBe("推进会现场<b>");
    // The original attachment carries the camera's GPS position; the published copy carries no metadata at all.
    const original = await t.app.db.attachment.findFirstOrThrow({ where: { filename: "meeting.jpg" } });
    expect((await sharp(t.app.blobs.get(original.sha256)).metadata()).exif?.includes(Buffer.from("HUAWEI"))).toBe(true);
    const res = await fetch(`${base}/items/photos/${photos[0]!.sha256}.jpg`);
    expect(res.status).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    // Only published photos are public: the other one is not.
    const other = await t.app.db.draftPhoto.findFirstOrThrow({ where: { draftId: id, chosen: false } });
    expect((await fetch(`${base}/items/photos/${other.cleanSha256}.jpg`)).status).toBe(404);
  });

  it("renders the item page at its stable URL, every e-mail-derived string escaped", async () => {
    const html = await (await fetch(`${base}/items/${id}`)).text();
    expect(html).toContain("<h1>深州市召开事业单位绩效考评推进会</h1>");
    expect(html).toMatch(/信息来源<\/dt><dd>深州市编办/);
    expect(html).toMatch(/发布机构<\/dt><dd>河北省机构编制委员会办公室综合处/);
    expect(html).toMatch(/发布日期<\/dt><dd>\d{4}-\d{2}-\d{2}/);
    expect(html).toContain("<td>教育类</td>");
    expect(html).toContain("推进会现场&lt;b&gt;");
    expect(html).not.toContain("推进会现场<b>");
    expect((await fetch(`${base}/items/999999`)).status).toBe(404);
    const feed = (await (await fetch(`${base}/feed.json`)).json()) as Array<{ url: string; source: string; photos: unknown[] }>;
    expect(feed.find((f) => f.url.endsWith(`/items/${id}`))).toMatchObject({ source: "深州市编办" });
  });
});

describe("webhook to the website", () => {
  it("retries after the receiver fails, then delivers the signed item once even when two senders race", async () => {
    const rows = await t.app.db.webhookDelivery.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => r.event)).toEqual(["published", "published"]);
    failNext = 1;
    const first = await flushWebhooks(t.app.db, t.app.config);
    expect(first.failed).toBeGreaterThanOrEqual(1);
    const failedRow = (await t.app.db.webhookDelivery.findMany({ where: { status: "failed" } }))[0]!;
    expect(failedRow.lastError).toBe("HTTP 503");
    expect(failedRow.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    // Time passes: the retry is due.
    await t.app.db.webhookDelivery.updateMany({ where: { status: "failed" }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
    await Promise.all([flushWebhooks(t.app.db, t.app.config), flushWebhooks(t.app.db, t.app.config)]);
    expect((await t.app.db.webhookDelivery.findMany()).map((r) => r.status)).toEqual(["sent", "sent"]);
    const ids = received.map((r) => r.headers["x-gateway-delivery"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(verifySignature(SECRET, r.body, String(r.headers["x-gateway-signature"]))).toBe(true);
      expect(verifySignature("wrong-secret", r.body, String(r.headers["x-gateway-signature"]))).toBe(false);
      expect(verifySignature(SECRET, r.body.replace(`"version":1`, `"version":9`), String(r.headers["x-gateway-signature"]))).toBe(false);
    }
    const shenzhou = received.map((r) => JSON.parse(r.body) as { event: string; item: Record<string, unknown> }).find((b) => b.item.source === "深州市编办")!;
    expect(shenzhou.event).toBe("published");
    expect(shenzhou.item).toMatchObject({ title: "深州市召开事业单位绩效考评推进会", publisher: "河北省机构编制委员会办公室综合处", column: "机构编制工作动态", version: 1 });
    expect(String(shenzhou.item.bodyHtml)).toContain("<table>");
  });

  it("pushes a correction as a new version that supersedes the published one", async () => {
    const id = drafts.get("深州市召开事业单位绩效考评推进会")!;
    const d = await t.app.review.act(admin, id, (await draft(id)).version, "correct", { comment: "考评数字有误" });
    await t.app.review.edit(admin, id, d.version, { title: d.title, body: d.body.replace("| 教育类 | 62 | 58 |", "| 教育类 | 62 | 60 |") });
    await throughReview(id);
    await t.app.review.act(admin, id, (await draft(id)).version, "publish", {});
    await flushWebhooks(t.app.db, t.app.config);
    const last = JSON.parse(received[received.length - 1]!.body) as { event: string; item: { version: number; supersedesId: number; bodyHtml: string } };
    expect(last.event).toBe("corrected");
    expect(last.item.version).toBe(2);
    expect(last.item.supersedesId).toBeGreaterThan(0);
    expect(last.item.bodyHtml).toContain("<td>60</td>");
    const page = await (await fetch(`${base}/items/${id}/v/1`)).text();
    expect(page).toContain("已有更正版本");
  });
});
