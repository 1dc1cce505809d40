// Screenshots of the review screen for the README: starts the demo data in a temp dir, signs in
// as an info administrator and a leader, and saves PNGs under docs/.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { createApp } from "../src/app.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import { seedDemoUsers } from "../src/accounts/users.js";
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
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const out = path.resolve(process.argv[2] ?? "docs");
fs.mkdirSync(out, { recursive: true });
async function as(user: string, width = 1360, height = 900) {
  const page = await (await browser.newContext({ viewport: { width, height }, locale: "zh-CN" })).newPage();
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
const m = await as("mayun", 390, 844);
await m.screenshot({ path: path.join(out, "phone-queue.png"), fullPage: false });
await browser.close();
await running.stop();
await app.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(`screenshots in ${out}`);
