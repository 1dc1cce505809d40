// In Chromium: after 退出, the browser's Back button does not show the queue again (every
// back-office page is Cache-Control: no-store, so Back asks the server, which wants a sign-in).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium, signIn } from "./browser.js";

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

describe("signing out", () => {
  it("leaves nothing behind the Back button", async () => {
    new Maildir(t.env.MAILDIR!).deliver(submission({ from: "xxk@sjz-bb.example", subject: "石家庄市机构编制工作要点", body: "石家庄市编办印发年度机构编制工作要点。" }));
    await running.pollNow();
    const page = await signIn(browser, running.url, "zhangwenyi", "Demo-pass-2026");
    await page.goto(`${running.url}/queue?division=shared`);
    await expect(page.content()).resolves.toContain("石家庄市机构编制工作要点");
    await page.getByRole("button", { name: "退出" }).click();
    await page.waitForURL(/\/login(\?|$)/);
    await page.goBack();
    await page.waitForLoadState();
    expect(page.url()).toMatch(/\/login(\?next=[^&]*)?$/);
    expect(await page.content()).not.toContain("石家庄市机构编制工作要点");
    await page.context().close();
  });
});
