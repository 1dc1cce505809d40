// A full demo walk in Chromium (issue #16): the demo's mail and faxes, carried through every state
// of the chain (in review, sent back with a reason, commented, approved by e-mail reply, published
// and reopened for a correction, returned to the sender, not adopted, archived, merged), then every
// page each role reaches — the queue and its tabs, every draft and its 审批表, a comparison,
// statistics and the 通报, the information centre's screens, the three administrators' screens,
// sign-in, password, error pages — read as the user sees them. No page may show an internal code
// (`review.send_back`, `info_admin`, `division_review`), an English status word (sent, pending,
// failed…), a library's message (libvips, a RegExp, `Error:`), a MIME type or a raw byte count.
// Content the gateway shows as received (titles, bodies, original headers, addresses, file names)
// is the sender's and is not judged. One browser for the file.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { generateSync } from "otplib";
import { fixturesDir, freshApp, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import type { Actor } from "../../src/domain/roles.js";
import { canSee } from "../../src/domain/permissions.js";
import { answerSuggestion, currentSuggestions, sensitiveTermsIn } from "../../src/review/suggestions.js";
import { composeReply } from "../../src/demo/reply.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium } from "./browser.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;
let browser: Browser;

/** What must never reach a page, each with what it is. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\b(review|draft|intake|approval|screen|unit|units|user|rule|auth|notice|audit|officer|bulletin|alert|person)\.[a-z_]+\b/, "audit action code"],
  [/\b(info_admin|info_centre|division_head|system_admin|security_admin|audit_admin)\b|\bleader\b/, "role code"],
  [/\b(triage|division_review|leader_review|approved|published|returned|rejected|archived|pending|superseded|queued|sending|sent|failed|dead|duplicate|quarantined|ignored|received|parked|done)\b/i, "status word"],
  [/\b[a-z]+_[a-z_]+\b/, "snake_case identifier"],
  [/\b(Error|Exception|undefined|null|NaN|Invalid|TypeError|SyntaxError)\b|\[object Object\]|Vips|Input buffer|Unterminated|regular expression/, "program or library message"],
  [/\b(application|image|text|message|multipart)\/[a-z0-9.+-]+/, "MIME type"],
  [/\b\d+\s*bytes?\b/i, "raw byte count"],
  [/\b(email|web|fax|ocr_|text_layer)\b(?![.@])/, "channel or method code"],
];

// Text the sender wrote or the gateway received: shown as it is, not judged.
const CONTENT = ["textarea", "pre", ".body", ".mailhtml", "code", "script", "style", "td.title a", ".draft-head h1", ".compare-title", ".original .headers dd", ".att a", ".snip", "figcaption", ".dup-suggestions li > a:first-child", ".banner-duplicates a", "[data-bulk-result]", ".log .why", "noscript"].join(", ");

/** The page's text and attribute words as the user meets them, without received content and addresses. */
async function visibleWords(p: Page): Promise<string> {
  const text = await p.evaluate((content) => {
    const out: string[] = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(content) || !el.checkVisibility()) continue;
      out.push(n.textContent ?? "");
    }
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("[title], [placeholder], [aria-label], img[alt], input[type=submit], input[type=button]"))) {
      if (el.closest(content)) continue;
      for (const a of ["title", "placeholder", "aria-label", "alt"]) if (el.getAttribute(a)) out.push(el.getAttribute(a)!);
      if (el instanceof HTMLInputElement && (el.type === "submit" || el.type === "button")) out.push(el.value);
    }
    for (const o of Array.from(document.querySelectorAll("select option"))) out.push(o.textContent ?? "");
    return out.join("\n");
  }, CONTENT);
  // Addresses, URLs, Message-IDs and file names are data, not words of the screen.
  return text
    .replace(/<[^<>\s]+@[^<>\s]+>/g, " ")
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/[\w\-\u4e00-\u9fff（）()]+\.(pdf|docx?|xlsx?|wps|et|ofd|zip|tiff?|png|jpe?g|txt|eml)\b/gi, " ");
}

const problems: string[] = [];
let pagesRead = 0;
async function read(p: Page, url: string, label: string): Promise<void> {
  const res = await p.goto(url);
  const words = await visibleWords(p);
  pagesRead++;
  for (const [re, what] of FORBIDDEN) {
    const m = re.exec(words);
    if (m) problems.push(`${label} ${new URL(p.url()).pathname}: ${what} 「${m[0]}」 in …${words.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30).replace(/\s+/g, " ")}…`);
  }
  if (res && res.status() >= 500) problems.push(`${label} ${url}: HTTP ${res.status()}`);
}

async function signIn(username: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const p = await (await browser.newContext({ locale: "zh-CN", viewport })).newPage();
  p.on("dialog", (d) => void d.accept());
  await read(p, `${running.url}/login`, "anonymous");
  await p.fill("input[name=username]", username);
  await p.fill("input[name=password]", PASSWORD);
  await p.click("button[type=submit]");
  await p.waitForLoadState();
  if (p.url().includes("/account/second-factor")) {
    // An administrator's first sign-in: the forced setup, as with an authenticator app.
    await p.click("form[action='/account/second-factor/begin'] button");
    const secret = (await p.locator("code.secret").textContent())!;
    await p.fill("input[name=code]", generateSync({ secret }));
    await p.click("form[action='/account/second-factor/confirm'] button");
    await p.waitForSelector("#recovery-codes");
  }
  return p;
}

const actors = new Map<string, Actor>();
async function actor(username: string): Promise<Actor> {
  if (!actors.has(username)) actors.set(username, (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username } })).id))!);
  return actors.get(username)!;
}

/** Moves drafts through every state, as the officers would (through the review service). */
async function aWorkingWeek(): Promise<void> {
  const db = t.app.db;
  const review = t.app.review;
  const division = (await db.division.findFirstOrThrow({ where: { name: "综合处" } })).id;
  const column = (await db.column.findFirstOrThrow({ where: { name: "工作动态" } })).id;
  const admin = await actor("zhangwenyi");
  const head = await actor("liyingming");
  // The other divisions' administrators hand their confirmed items to 综合处 (工作动态 is every
  // division's column), so that one division carries the whole week.
  const confirmed = await db.draft.findMany({ where: { status: "triage", unitId: { not: null }, unitConfirmed: true }, orderBy: { id: "asc" } });
  for (const d of confirmed.filter((d) => !canSee(admin, d))) {
    const grant = await db.roleGrant.findFirst({ where: { role: "info_admin", divisionId: d.divisionId } });
    if (!grant) continue;
    const owner = await actor((await db.user.findUniqueOrThrow({ where: { id: grant.userId } })).username);
    await review.triage(owner, d.id, d.version, { unitId: d.unitId, columnId: column, divisionId: division, important: false });
  }
  const ready = (await db.draft.findMany({ where: { status: "triage", unitId: { not: null }, unitConfirmed: true }, orderBy: { id: "asc" } })).filter((d) => canSee(admin, d));
  expect(ready.length).toBeGreaterThanOrEqual(11);
  const v = async (id: number) => (await db.draft.findUniqueOrThrow({ where: { id } })).version;
  const act = async (who: Actor, id: number, action: Parameters<typeof review.act>[3], comment = "") => review.act(who, id, await v(id), action, { comment });
  for (const d of ready.slice(0, 11)) await review.triage(admin, d.id, await v(d.id), { unitId: d.unitId, columnId: column, divisionId: division, important: false });
  const [waiting, sentBack, commented, important, published, correcting, returned, rejected, archived, merged, byMail] = ready.slice(0, 11).map((d) => d.id) as [number, number, number, number, number, number, number, number, number, number, number];
  for (const id of [waiting, sentBack, commented, important, published, correcting, byMail]) await act(admin, id, "send_for_review");
  await act(head, sentBack, "send_back", "请补充具体数字");
  await review.comment(head, commented, "第二段请核对时间");
  await review.triage(admin, important, await v(important), { unitId: ready[3]!.unitId, columnId: column, divisionId: division, important: true }).catch(() => undefined);
  await act(head, important, "division_approve");
  for (const id of [published, correcting]) {
    await act(head, id, "division_approve");
    // A unit's office telephone in the text is confirmed public, as the officer would on the page.
    const d = await db.draft.findUniqueOrThrow({ where: { id } });
    for (const s of currentSuggestions(d, await sensitiveTermsIn(db, `${d.title}\n${d.body}`)).filter((s) => s.blocking && s.status === "open"))
      await answerSuggestion(db, admin, id, await v(id), s.id, "reject", "单位办公电话，可以公开", "127.0.0.1");
    await act(admin, id, "publish");
  }
  await act(admin, correcting, "correct", "第三段日期有误");
  await act(admin, returned, "return_to_sender", "请由单位负责人审核后重新报送");
  await act(admin, rejected, "reject", "与本网栏目无关");
  await act(admin, archived, "archive", "已在其他渠道发布");
  await review.mergeInto(admin, merged, await v(merged), waiting);
  await flushOutbox(db, t.app.config);
  // The 处长 approves one by replying 同意 to the request mail, as from a phone's mail app.
  const request = await db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: byMail } });
  const eml = fs.readdirSync(t.app.config.outboxDir).find((f) => f.startsWith(String(request.id).padStart(6, "0")));
  new Maildir(t.env.MAILDIR!).deliver(await composeReply(fs.readFileSync(path.join(t.app.config.outboxDir, eml!)), "同意"));
  await running.pollNow();
  await flushOutbox(db, t.app.config);
  expect((await db.draft.findUniqueOrThrow({ where: { id: byMail } })).status).toBe("approved");
}

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  const md = new Maildir(t.env.MAILDIR!);
  for (const dir of ["mail", "fax"]) for (const f of fs.readdirSync(path.join(fixturesDir, dir)).filter((f) => f.endsWith(".eml")).sort()) md.deliver(fs.readFileSync(path.join(fixturesDir, dir, f)));
  running = await serve(t.app, () => undefined);
  await running.pollNow();
  await aWorkingWeek();
  browser = await launchChromium();
}, 240_000); // every demo fixture through OCR first, on two shared cores

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await t?.app.close();
});

/** Every link to a draft on the page (the queue's rows), once. */
const draftLinks = async (p: Page) => [...new Set(await p.$$eval("a[href^='/drafts/']", (as) => as.map((a) => a.getAttribute("href")!.replace(/[?#].*$/, ""))))].filter((h) => /^\/drafts\/\d+$/.test(h));

describe("a full demo walk in Chromium", () => {
  // One test per role, each with its own findings; ~80 pages in all, so each gets more time than a
  // single page test would on the shared two cores.
  const WALK_MS = 180_000;
  const clean = () => {
    const found = problems.splice(0);
    expect(found).toEqual([]);
  };

  it("信息管理员: queue views, every draft and its 审批表, a comparison, statistics, the 通报", async () => {
    const base = running.url;
    // 信息管理员: the queue's views, every draft of the division with its 审批表, a comparison, statistics, the 通报.
    const admin = await signIn("zhangwenyi");
    for (const q of ["/queue", "/queue?mine=1", "/queue?division=shared", "/queue?status=all", "/queue?status=all&sort=waiting", "/queue?q=%E7%BC%96%E5%8A%9E"]) await read(admin, base + q, "信息管理员");
    await read(admin, `${base}/queue?status=all`, "信息管理员");
    const mine = await draftLinks(admin);
    expect(mine.length).toBeGreaterThan(10);
    for (const d of mine) {
      await read(admin, base + d, "信息管理员");
      await read(admin, `${base}${d}/form`, "信息管理员");
    }
    await read(admin, `${base}${mine[0]}/compare?with=${mine[1]!.split("/").pop()}`, "信息管理员");
    for (const x of ["/stats", "/stats/bulletin?docNumber=%E5%86%80%E7%BC%96%E5%8A%9E%E4%BF%A1%E3%80%942026%E3%80%953%E5%8F%B7", "/password", "/account/second-factor", "/drafts/999999", "/admin/units"]) await read(admin, base + x, "信息管理员");

    clean();
  }, WALK_MS);

  it("处长 on a phone and 办领导 on a desk land on 待我处理; their drafts and 审批表", async () => {
    const base = running.url;
    // 处长 on a phone, 办领导 on a desk: they land on 待我处理; their drafts and the 审批表.
    const head = await signIn("liyingming", { width: 390, height: 844 });
    expect(head.url()).toMatch(/\/queue\?mine=1$/);
    await read(head, head.url(), "处长");
    for (const d of await draftLinks(head)) await read(head, base + d, "处长");
    const leader = await signIn("mayun");
    expect(leader.url()).toMatch(/\/queue\?mine=1$/);
    await read(leader, leader.url(), "办领导");
    for (const d of await draftLinks(leader)) {
      await read(leader, base + d, "办领导");
      await read(leader, `${base}${d}/form`, "办领导");
    }

    clean();
  }, WALK_MS);

  it("信息中心: its screens, the outbox, the rules with a dry run", async () => {
    const base = running.url;
    // 信息中心: its screens, every mail of the outbox, everything in the shared triage.
    const centre = await signIn("yaolin");
    for (const x of ["/admin/units", "/admin/rules", "/admin/rules?q=%E6%94%B9%E9%9D%A9", "/admin/officers", "/admin/status", "/stats", "/queue?status=all", "/queue?division=shared"]) await read(centre, base + x, "信息中心");
    for (const d of await draftLinks(centre)) await read(centre, base + d, "信息中心");
    await read(centre, `${base}/admin/status`, "信息中心");
    const outbox = await centre.$$eval("a[href^='/admin/outbox/']", (as) => [...new Set(as.map((a) => a.getAttribute("href")!))]);
    expect(outbox.length).toBeGreaterThan(3);
    for (const o of outbox.slice(0, 12)) await read(centre, base + o, "信息中心");
    const firstRule = await t.app.db.routingRule.findFirstOrThrow();
    await read(centre, `${base}/admin/rules?edit=${firstRule.id}&try=${(await t.app.db.draft.findFirstOrThrow({ where: { status: "triage" } })).id}`, "信息中心");

    clean();
  }, WALK_MS);

  it("三员: each administrator's own screen", async () => {
    const base = running.url;
    // 三员: each signs in with the second factor set up, and reads their own screen.
    for (const [user, screens] of [["xitong", ["/admin/users"]], ["anquan", ["/admin/people"]], ["shenji", ["/admin/audit"]]] as const) {
      const p = await signIn(user);
      await read(p, p.url(), user);
      for (const x of screens) await read(p, base + x, user);
      await read(p, `${base}/queue`, user);
    }

    clean();
    expect(pagesRead).toBeGreaterThan(60);
  }, WALK_MS);
});
