// One submission from intake through triage, 处长审核, 办领导审核 and 发布 with three accounts,
// in a real Chromium; the 审批表 print view; another division can neither see nor act.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium, signIn as signInAs } from "./browser.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;
let browser: Browser;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  new Maildir(t.env.MAILDIR!).deliver(
    submission({
      from: "zdbb@zd-gov.example",
      subject: "报送：正定县深化事业单位分类改革<script>alert(1)</script>",
      body: "11月20日，正定县召开事业单位分类改革推进会，落实省委编委部署。<img src=x onerror=alert(2)>\n\n正定县编办\n2026年11月20日",
    }),
  );
  running = await serve(t.app, () => undefined);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await t?.app.close();
});

const signIn = (username: string): Promise<Page> => signInAs(browser, running.url, username, PASSWORD);

/** An action's button, in its own form or in the approver's bar (同意 / 退回 / 意见 share one field). */
async function act(page: Page, action: string, comment?: string) {
  const form = page.locator(`form:has(button[data-action=${action}])`);
  if (comment) await form.locator("[name=comment]").fill(comment);
  await form.locator(`button[data-action=${action}]`).click();
  await page.waitForSelector(".flash");
}

describe("review screen in Chromium", () => {
  let draftUrl = "";

  it("info administrator of 事业处 finds the item in the queue, triages and sends it for review", async () => {
    const page = await signIn("niulifeng");
    const row = page.locator("table.queue tbody tr", { hasText: "正定县深化事业单位分类改革" });
    await expect(row.count()).resolves.toBe(1);
    // E-mail-derived text is escaped, never executed.
    expect(await row.locator("td.title a").textContent()).toContain("<script>alert(1)</script>");
    await expect(row.locator("td[data-label=单位]").textContent()).resolves.toContain("正定县编办");
    await row.locator("td.title a").click();
    draftUrl = page.url();
    await expect(page.locator(".facts").textContent()).resolves.toContain("登记邮箱");
    await expect(page.locator(".original").textContent()).resolves.toContain("<img src=x onerror=alert(2)>");
    await page.check("input[name=important]");
    await page.click("form.triage button[type=submit]");
    await page.waitForSelector(".flash");
    await act(page, "send_for_review");
    await expect(page.locator(".draft-head").textContent()).resolves.toContain("待处长审核");
    await page.context().close();
  });

  it("the division head approves, the office leader approves, the info administrator publishes", async () => {
    const head = await signIn("zhangcaiyan");
    await head.goto(draftUrl);
    await act(head, "division_approve", "同意，报办领导审批");
    await expect(head.locator(".draft-head").textContent()).resolves.toContain("待办领导审核");
    await head.context().close();

    const leader = await signIn("mayun");
    await leader.setViewportSize({ width: 390, height: 844 }); // approvers use phones
    await leader.goto(draftUrl);
    await act(leader, "leader_approve", "同意发布");
    await expect(leader.locator(".draft-head").textContent()).resolves.toContain("已审核待发布");
    await leader.context().close();

    const admin = await signIn("niulifeng");
    await admin.goto(draftUrl);
    await act(admin, "publish");
    await expect(admin.locator(".draft-head").textContent()).resolves.toContain("已发布");
    await expect(admin.locator("text=发布人 牛立峰").count()).resolves.toBe(1);

    await admin.goto(`${draftUrl}/form`);
    const field = (name: string) => admin.locator(`[data-field=${name}]`).textContent();
    await expect(field("division")).resolves.toBe("事业处");
    await expect(field("infoAdmin")).resolves.toBe("牛立峰");
    await expect(field("title")).resolves.toContain("正定县深化事业单位分类改革");
    await expect(field("column")).resolves.toBe("事业单位改革");
    await expect(field("source")).resolves.toBe("正定县编办");
    await expect(field("headOpinion")).resolves.toMatch(/同意，报办领导审批[\s\S]*张才彦[\s\S]*\d{4}年\d{1,2}月\d{1,2}日/);
    await expect(field("deputy")).resolves.toMatch(/同意发布[\s\S]*马云[\s\S]*\d{4}年\d{1,2}月\d{1,2}日/);
    await expect(field("director")).resolves.toContain("年　月　日");
    await admin.context().close();

    const feed = (await (await fetch(`${running.url}/feed.json`)).json()) as Array<{ title: string; publishedBy: string; column: string }>;
    expect(feed[0]).toMatchObject({ publishedBy: "牛立峰", column: "事业单位改革" });
  });

  it("an info administrator of another division can neither see nor act on it", async () => {
    const other = await signIn("chengjingfang");
    await expect(other.locator("table.queue tbody tr", { hasText: "正定县深化" }).count()).resolves.toBe(0);
    const resp = await other.goto(draftUrl);
    expect(resp?.status()).toBe(403);
    // Posting the action directly (with a valid CSRF token of their own session) is refused too.
    const csrf = await other.locator("input[name=_csrf]").first().getAttribute("value");
    const id = draftUrl.split("/").pop();
    const post = await other.request.post(`${draftUrl}/action`, { form: { _csrf: csrf!, version: "1", action: "archive", comment: "x" }, maxRedirects: 0 });
    expect(post.status()).toBe(403);
    expect((await t.app.db.draft.findUniqueOrThrow({ where: { id: Number(id) } })).status).toBe("published");
    await other.context().close();
  });
});
