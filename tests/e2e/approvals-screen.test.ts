// What e-mailed approvals show in Chromium, through `gateway serve` (Maildir, development outbox):
// a comment by e-mail on the draft page (who, when, what was written, what the gateway made of it)
// and as a queue tag; 运行状态 with the approval policy, its warning when replies are trusted on
// From alone, the development-mode outbox, and replies to the gateway's own notices; and the
// token nowhere on a screen — an information-centre user reading the outbox learns nothing that
// approves.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { simpleParser } from "mailparser";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import * as shapes from "../../fixtures/replies/tools/shapes.js";
import { launchChromium, signIn as signInAs } from "./browser.js";

let t: TestEnv;
let running: Running;
let browser: Browser;
let md: Maildir;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  running = await serve(t.app, () => undefined);
  browser = await launchChromium();
  md = new Maildir(t.env.MAILDIR!);
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await t?.app.close();
});

const signIn = (username: string): Promise<Page> => signInAs(browser, running.url, username, "Demo-pass-2026");

async function awaitingHead(title: string) {
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: `报送：${title}`, body: `${title}：正定县推进事业单位分类改革，公益一类事业单位编制核定工作有序开展。` }));
  await running.pollNow();
  const d = await t.app.db.draft.findFirstOrThrow({ where: { title } });
  const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  const row = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: d.id } });
  const m = await simpleParser(fs.readFileSync(row.emlPath!));
  const request: shapes.RequestMail = { subject: m.subject!, messageId: m.messageId!, text: m.text ?? "", html: typeof m.html === "string" ? m.html : null };
  return { draftId: d.id, request, outboundId: row.id, token: /GW-([A-Z2-7]{26})/.exec(m.subject!)![1]! };
}

describe("approvals on the screen", () => {
  it("shows a comment by e-mail on the draft page and as a tag in the queue", async () => {
    const { draftId, request } = await awaitingHead("正定县事业单位分类改革（邮件意见）");
    md.deliver(shapes.outlook("zh", { htmlOnly: true })({ request, from: "zhangcaiyan@hebbb.example", fromName: "张才彦", own: ["同意 但标题中的“进展”请改为“新进展”，第二段数字请与统计年报核对后再发布，谢谢。"] }));
    await running.pollNow();

    const page = await signIn("niulifeng");
    await page.goto(`${running.url}/queue`);
    await expect(page.locator("tr", { hasText: "正定县事业单位分类改革（邮件意见）" }).textContent()).resolves.toContain("邮件意见");
    await page.goto(`${running.url}/drafts/${draftId}`);
    const section = page.locator("section", { hasText: "邮件回复（审批与通知）" });
    const text = (await section.textContent())!;
    expect(text).toContain("张才彦（处长审核）");
    expect(text).toContain("zhangcaiyan@hebbb.example");
    expect(text).toContain("同意 但标题中的“进展”请改为“新进展”");
    expect(text).toContain("作为意见记录，未作决定：审批用语之后还有其他内容");
    await page.context().close();
  });

  it("运行状态 shows the policy with its warnings, and replies to the gateway's notices", async () => {
    const { draftId } = await awaitingHead("正定县事业单位分类改革（回执回复）");
    await running.pollNow(); // the sweep queues the 回执
    await flushOutbox(t.app.db, t.app.config);
    const receipt = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "receipt", draftId } });
    const m = await simpleParser(fs.readFileSync(receipt.emlPath!));
    md.deliver(shapes.qqMail({ request: { subject: m.subject!, messageId: m.messageId!, text: m.text ?? "", html: null }, from: "zdbb@zd-gov.example", fromName: "正定县编办", own: ["收到，谢谢"] }));
    await running.pollNow();

    const page = await signIn("yaolin");
    await page.goto(`${running.url}/admin/status`);
    const policy = (await page.locator("section", { hasText: "邮件审批策略" }).textContent())!;
    expect(policy).toContain("关闭：只核对登记邮箱、审批编号与邮件会话");
    expect(policy).toContain("仅凭发件地址（From）判断是否审批人本人");
    expect(policy).toContain("这是开发调试模式");
    const replies = (await page.locator("section", { hasText: "对网关通知的回复" }).textContent())!;
    expect(replies).toContain("zdbb@zd-gov.example");
    expect(replies).toContain("回执");
    expect(replies).toContain(`#${draftId}`);
    expect(replies).toContain("收到，谢谢");
    await page.context().close();
  });

  it("shows no token anywhere: the outbox list and the stored copy of a request", async () => {
    const { outboundId, token } = await awaitingHead("正定县事业单位分类改革（审批编号）");
    const page = await signIn("yaolin");
    await page.goto(`${running.url}/admin/status`);
    expect(await page.content()).not.toContain(token);
    await page.goto(`${running.url}/admin/outbox/${outboundId}`);
    const html = await page.content();
    expect(html).toContain("GW-〔已隐去〕");
    expect(html).toContain("此处保存的副本已隐去");
    expect(html).not.toContain(token);
    await page.context().close();
  });
});
