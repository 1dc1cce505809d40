// Screenshots of the review screen for the README: starts the demo data in a temp dir, signs in
// as an info administrator and a leader, and saves PNGs under docs/.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { createApp } from "../src/app.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import { loadActor, seedDemoUsers } from "../src/accounts/users.js";
import { canSee } from "../src/domain/permissions.js";
import { serve } from "../src/serve.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-shots-"));
const app = await createApp({ ...process.env, DATA_DIR: dir, PORT: "0", POLL_INTERVAL_MS: "600000" });
await importUnits(app.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "screenshots");
await seedDemoUsers(app.db, "Demo-pass-2026");
const md = app.maildirIntake().maildir;
const fixtures = path.resolve("fixtures/mail");
for (const f of fs.readdirSync(fixtures).filter((f) => f.endsWith(".eml")).sort()) md.deliver(fs.readFileSync(path.join(fixtures, f)));
const faxes = path.resolve("fixtures/fax");
for (const f of fs.readdirSync(faxes).filter((f) => f.endsWith(".eml")).sort()) md.deliver(fs.readFileSync(path.join(faxes, f)));
const running = await serve(app, () => undefined);
await running.pollNow();

// A morning's work before the pictures, through the review service as the officers would: the
// 综合处 administrator triages three items and sends two to 处长审核; the 处长 sends one back.
const actor = async (username: string) => (await loadActor(app.db, (await app.db.user.findUniqueOrThrow({ where: { username } })).id))!;
const [admin, head] = [await actor("zhangwenyi"), await actor("liyingming")];
const division = (await app.db.division.findFirstOrThrow({ where: { name: "综合处" } })).id;
const column = (await app.db.column.findFirstOrThrow({ where: { name: "工作动态" } })).id;
const taken = (await app.db.draft.findMany({ where: { status: "triage", unitId: { not: null }, unitConfirmed: true }, orderBy: { id: "asc" } })).filter((d) => canSee(admin, d)).slice(0, 3);
const version = async (id: number) => (await app.db.draft.findUniqueOrThrow({ where: { id } })).version;
for (const d of taken) await app.review.triage(admin, d.id, d.version, { unitId: d.unitId, columnId: d.columnId ?? column, divisionId: division, important: false });
const [waiting, sentBack] = taken.map((d) => d.id);
for (const id of [waiting, sentBack]) if (id) await app.review.act(admin, id, await version(id), "send_for_review", {});
if (sentBack) await app.review.act(head, sentBack, await version(sentBack), "send_back", { comment: "请补充今年完成的具体数字" });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const out = path.resolve(process.argv[2] ?? "docs");
fs.mkdirSync(out, { recursive: true });
async function as(user: string, width = 1360, height = 900) {
  const page = await (await browser.newContext({ viewport: { width, height }, locale: "zh-CN", deviceScaleFactor: 1 })).newPage();
  await page.goto(`${running.url}/login`);
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", "Demo-pass-2026");
  await page.click("button[type=submit]");
  await page.waitForURL(/queue/);
  return page;
}
const p = await as("zhangwenyi");
await p.screenshot({ path: path.join(out, "queue.png"), fullPage: false });
await p.click("table.queue tbody tr >> nth=0 >> td.title a");
await p.screenshot({ path: path.join(out, "draft.png"), fullPage: false });
const c = await as("yaolin");
await c.goto(`${running.url}/admin/status`);
await c.screenshot({ path: path.join(out, "status.png"), fullPage: false });
const fax = await app.db.draft.findFirst({ where: { channel: "fax" }, orderBy: { id: "asc" } });
if (fax) {
  await c.goto(`${running.url}/drafts/${fax.id}`);
  await c.locator("h2", { hasText: "原件逐页对照" }).scrollIntoViewIfNeeded();
  await c.screenshot({ path: path.join(out, "fax.png"), fullPage: false });
}
await c.goto(`${running.url}/stats`);
await c.screenshot({ path: path.join(out, "stats.png"), fullPage: false });
// The 处长 on a phone: 待我处理, then the item the approval mail links to, bar at the bottom.
const m = await as("liyingming", 390, 844);
await m.screenshot({ path: path.join(out, "phone-queue.png"), fullPage: false });
if (waiting) {
  await m.goto(`${running.url}/drafts/${waiting}`);
  await m.screenshot({ path: path.join(out, "phone-approval.png"), fullPage: false });
}
await browser.close();
await running.stop();
await app.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(`screenshots in ${out}`);
