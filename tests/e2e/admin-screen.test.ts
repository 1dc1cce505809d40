// The information centre's screens in Chromium: edit a unit's registered addresses (audited and
// used by the next intake at once), statistics and the bulletin, a failed message shown with its
// reason and retried from 运行状态, and least privilege: an info administrator of a division
// cannot open them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium, signIn as signInAs } from "./browser.js";

let t: TestEnv;
let running: Running;
let browser: Browser;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  running = await serve(t.app, () => undefined);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await t?.app.close();
});

const signIn = (username: string): Promise<Page> => signInAs(browser, running.url, username, "Demo-pass-2026");

describe("information centre screens", () => {
  it("registers a new address for a unit; the next mail from it is that unit's", async () => {
    const page = await signIn("yaolin");
    await page.goto(`${running.url}/admin/units`);
    await page.locator("tr", { hasText: "平山县编办" }).getByText("编辑").click();
    const emails = page.locator("input[name=emails]");
    await emails.fill(`${await emails.inputValue()}; pingshan.xinxi@mail163.example`);
    await page.click("form.grid-form button[type=submit]");
    await expect(page.locator(".flash").textContent()).resolves.toContain("已保存「平山县编办」");
    expect(await t.app.db.auditEvent.count({ where: { action: "unit.update", actor: "user:yaolin" } })).toBe(1);

    new Maildir(t.env.MAILDIR!).deliver(submission({ from: "Pingshan.Xinxi@mail163.example", subject: "平山县乡镇机构改革推进会", body: "平山县召开乡镇机构改革推进会。" }));
    await running.pollNow();
    const d = await t.app.db.draft.findFirstOrThrow({ where: { title: "平山县乡镇机构改革推进会" }, include: { unit: true } });
    expect(d.unit?.name).toBe("平山县编办");
    await page.context().close();
  });

  it("shows statistics with the ranking and a printable bulletin", async () => {
    const page = await signIn("yaolin");
    await page.goto(`${running.url}/stats`);
    await expect(page.locator("h1").textContent()).resolves.toMatch(/信息报送统计与排名 · \d{4}年/);
    await expect(page.locator("table.stats").first().textContent()).resolves.toContain("平山县编办");
    await page.goto(`${running.url}/stats/bulletin`);
    await expect(page.locator("h1").textContent()).resolves.toContain("信息报送情况的通报");
    await page.context().close();
  });

  it("lists a failed message with its reason on 运行状态 and retries it from there once the cause is fixed", async () => {
    // 120 MIME parts, over LIMIT_PARTS (100): failed, kept, visible.
    const boundary = "b-parts";
    const parts = Array.from({ length: 120 }, (_, i) => [`--${boundary}`, "Content-Type: text/plain; charset=UTF-8", "", `第${i + 1}份材料`].join("\r\n"));
    const raw = Buffer.from(
      [`From: xxk@sjz-bb.example`, `Subject: =?UTF-8?B?${Buffer.from("石家庄市编办报送材料汇编").toString("base64")}?=`, "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="${boundary}"`, "", ...parts, `--${boundary}--`, ""].join("\r\n"),
    );
    new Maildir(t.env.MAILDIR!).deliver(raw);
    await running.pollNow();
    const row = await t.app.db.intakeMessage.findFirstOrThrow({ where: { outcome: "failed", errorCode: "TOO_MANY_PARTS" } });

    const page = await signIn("yaolin");
    await page.goto(`${running.url}/admin/status`);
    const listed = page.locator("tr", { hasText: row.file! });
    await expect(listed.textContent()).resolves.toContain("超过限制 100");

    // The operator raises LIMIT_PARTS (as a restart with the new setting would), then retries.
    t.app.config.limits.parts = 200;
    try {
      await listed.getByRole("button", { name: "重试" }).click();
      await expect(page.locator(".flash").textContent()).resolves.toContain("已排队重试");
      await running.pollNow();
    } finally {
      t.app.config.limits.parts = 100;
    }
    const after = await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toMatchObject({ status: "done", outcome: "draft", attempts: 2 });
    expect(await t.app.db.auditEvent.count({ where: { action: "intake.retry", actor: "user:yaolin", entityId: String(row.id) } })).toBe(1);
    await page.reload();
    await expect(page.locator("tr", { hasText: row.file! }).count()).resolves.toBe(0);
    await page.context().close();
  });

  it("refuses the management screens to a division's info administrator", async () => {
    const page = await signIn("niulifeng");
    for (const p of ["/admin/units", "/admin/users", "/admin/rules", "/admin/status", "/admin/officers"]) {
      const res = await page.goto(`${running.url}${p}`);
      expect(res?.status(), p).toBe(403);
    }
    await expect(page.locator("nav").textContent()).resolves.not.toContain("报送单位");
    await page.context().close();
  });
});
