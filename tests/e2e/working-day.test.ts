// A working day on the review screen in Chromium (issue #16), one browser for the file:
// the unconfirmed-sender guard and 「登记此地址为本单位」; the approval mail's link through sign-in
// on a 390×844 phone, the approver's bar, 退回 with its reason and the 审批表 of the returned item;
// inline errors that keep the input; a crossed edit showing both versions; bulk 送审 with a
// result per item; no open redirect through the sign-in page; the skip link and the chain's keys.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium } from "./browser.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;
let browser: Browser;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  const md = new Maildir(t.env.MAILDIR!);
  // From an address no unit registered; the display name claims a unit and is not believed.
  md.deliver(submission({ from: "zd.xinxi@personal-mail.example", subject: "正定县推进事业单位登记管理改革", body: "正定县推进事业单位登记管理改革，优化登记流程。" }));
  for (const n of ["一", "二", "三"]) md.deliver(submission({ from: "zdbb@zd-gov.example", subject: `正定县事业单位改革简报（${n}）`, body: `正定县推进事业单位分类改革，简报第${n}期。` }));
  md.deliver(submission({ from: "psbb@ps-gov.example", subject: "平山县事业单位改革推进会", body: "平山县召开事业单位改革推进会，部署分类改革。\n\n平山县编办" }));
  running = await serve(t.app, () => undefined);
  await running.pollNow();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await t?.app.close();
});

async function page(viewport = { width: 1366, height: 768 }): Promise<Page> {
  const p = await (await browser.newContext({ locale: "zh-CN", viewport })).newPage();
  p.on("dialog", (d) => void d.accept());
  return p;
}

async function signIn(p: Page, username: string) {
  await p.fill("input[name=username]", username);
  await p.fill("input[name=password]", PASSWORD);
  await p.click("button[type=submit]");
}

async function as(username: string, viewport?: { width: number; height: number }) {
  const p = await page(viewport);
  await p.goto(`${running.url}/login`);
  await signIn(p, username);
  await p.waitForURL(/\/queue/);
  return p;
}

const draft = (title: string) => t.app.db.draft.findFirstOrThrow({ where: { title } });

describe("a working day in Chromium", () => {
  it("holds 送审 of an unconfirmed sender and says why; the information centre registers the address (picker by pinyin initials), audited", async () => {
    const d = await draft("正定县推进事业单位登记管理改革");
    const admin = await as("fengweiguo"); // 登记局's info administrator
    await admin.goto(`${running.url}/drafts/${d.id}`);
    await expect(admin.locator("#unit-guard").textContent()).resolves.toContain("报送单位未确认，不能送审");
    const send = admin.locator("button[data-action=send_for_review]");
    await expect(send.isDisabled()).resolves.toBe(true);
    await expect(admin.locator("#blocked-send_for_review").textContent()).resolves.toContain("zd.xinxi@personal-mail.example 未登记");
    // Posting it anyway (a crafted form): refused by the service, the page says why.
    const csrf = await admin.locator("input[name=_csrf]").first().getAttribute("value");
    const forced = await admin.request.post(`${running.url}/drafts/${d.id}/action`, { form: { _csrf: csrf!, version: String(d.version), action: "send_for_review" }, maxRedirects: 0 });
    expect(forced.status()).toBe(400);
    expect(await forced.text()).toContain("报送单位未确认");
    expect((await draft(d.title)).status).toBe("triage");
    await admin.context().close();

    const centre = await as("yaolin");
    await centre.goto(`${running.url}/drafts/${d.id}`);
    const picker = centre.locator("#unit-guard input[data-unit-search]");
    await picker.fill("zdx");
    await centre.locator("#unit-guard [role=option]", { hasText: "正定县编办" }).click();
    await centre.locator("#unit-guard button[type=submit]").click();
    await expect(centre.locator(".flash").textContent()).resolves.toContain("登记为「正定县编办」的报送地址");
    await expect(centre.locator(".facts").textContent()).resolves.toContain("正定县编办");
    await expect(centre.locator("#unit-guard").count()).resolves.toBe(0);
    await expect(centre.locator(".log").textContent()).resolves.toContain("姚琳 · 确认报送单位（登记发件地址）");
    await centre.context().close();
    expect(await t.app.db.auditEvent.count({ where: { action: "unit.register_sender", actor: "user:yaolin" } })).toBe(1);
  });

  it("keeps every typed word when a form is refused, names each problem beside its field, and shows both versions of a crossed edit", async () => {
    const d = await draft("正定县事业单位改革简报（一）");
    const mine = await as("niulifeng");
    await mine.goto(`${running.url}/drafts/${d.id}`);
    await mine.fill("form.edit input[name=title]", "");
    await mine.fill("form.edit textarea[name=body]", "");
    await mine.fill("form.edit input[name=note]", "补充数据");
    await mine.click("form.edit button[type=submit]");
    await expect(mine.locator("#err-edit-title").textContent()).resolves.toBe("标题不能为空");
    await expect(mine.locator("#err-edit-body").textContent()).resolves.toBe("正文不能为空");
    await expect(mine.inputValue("form.edit input[name=note]")).resolves.toBe("补充数据");

    // A colleague saves first; the officer's edit is not lost and both versions are shown.
    await mine.goto(`${running.url}/drafts/${d.id}`);
    await mine.fill("form.edit textarea[name=body]", "正定县推进事业单位分类改革，简报第一期（牛立峰修改）。");
    const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
    await t.app.review.edit(admin, d.id, d.version, { title: d.title, body: "正定县推进事业单位分类改革，简报第一期（另一窗口的修改）。" });
    await mine.click("form.edit button[type=submit]");
    const conflict = mine.locator("[data-conflict]");
    await expect(conflict.textContent()).resolves.toContain("另一窗口的修改");
    await expect(conflict.textContent()).resolves.toContain("牛立峰修改");
    await expect(mine.inputValue("form.edit textarea[name=body]")).resolves.toContain("牛立峰修改");
    await mine.click("form.edit button[type=submit]"); // 保留我的修改
    await expect(mine.locator(".flash").textContent()).resolves.toBe("已保存");
    expect((await draft(d.title)).body).toContain("牛立峰修改");
    await mine.context().close();
  });

  it("sends several items for review in bulk, each with its own result", async () => {
    const ok = [await draft("正定县事业单位改革简报（二）"), await draft("正定县事业单位改革简报（三）")];
    const p = await as("niulifeng");
    await p.goto(`${running.url}/queue?division=${ok[0]!.divisionId}`);
    for (const d of ok) await p.check(`input[data-bulk-item][value="${d.id}"]`);
    await expect(p.locator("[data-bulk-count]").textContent()).resolves.toBe("2");
    // One more ticked whose version the officer saw is outdated by a colleague meanwhile.
    const stale = await draft("正定县事业单位改革简报（一）");
    await p.check(`input[data-bulk-item][value="${stale.id}"]`);
    await p.evaluate((id) => ((document.querySelector(`input[name="v${id}"]`) as HTMLInputElement).value = "1"), stale.id);
    await p.selectOption("select[name=bulkAction]", "send_for_review");
    await p.click(".bulk button[type=submit]");
    await expect(p.locator(".flash").textContent()).resolves.toContain("2 件完成，1 件未完成");
    for (const d of ok) await expect(p.locator(`[data-bulk-result="${d.id}"]`).textContent()).resolves.toContain("已送处长审核");
    await expect(p.locator(`[data-bulk-result="${stale.id}"]`).textContent()).resolves.toContain("未送处长审核：稿件在您勾选后已被修改");
    for (const d of ok) expect((await t.app.db.draft.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("division_review");
    expect((await t.app.db.draft.findUniqueOrThrow({ where: { id: stale.id } })).status).toBe("triage");
    await p.context().close();
  });

  it("takes the approver from the mail's link through sign-in to the draft on a phone; 退回 needs a reason; the 审批表 prints it as a 退回", async () => {
    const d = await draft("正定县事业单位改革简报（二）");
    await flushOutbox(t.app.db, t.app.config);
    const request = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: d.id } });
    // The link as the mail gives it (its text part), on this test server.
    const link = new URL(/https?:\/\/\S+(\/drafts\/\d+)/.exec(request.text)![1]!, running.url).toString();

    const phone = await page({ width: 390, height: 844 });
    await phone.goto(link);
    expect(phone.url()).toContain(`/login?next=${encodeURIComponent(`/drafts/${d.id}`)}`);
    await signIn(phone, "zhangcaiyan");
    await phone.waitForURL(new RegExp(`/drafts/${d.id}$`));

    // The text first, then the earlier opinions; the bar stays at the bottom of the screen.
    const body = (await phone.locator("#draft-body").boundingBox())!;
    const facts = (await phone.locator(".facts").boundingBox())!;
    expect(body.y).toBeLessThan(facts.y);
    const bar = (await phone.locator("#approval").boundingBox())!;
    expect(bar.y + bar.height).toBeGreaterThan(844 - 4);
    expect(bar.y + bar.height).toBeLessThanOrEqual(844 + 1);
    await expect(phone.locator("#approval button", { hasText: "同意" }).isVisible()).resolves.toBe(true);

    // 退回 without a reason: said beside the field, nothing sent.
    await phone.click("#approval button[value=send_back]");
    await expect(phone.locator("#approval .field-error").textContent()).resolves.toBe("退回须填写理由");
    expect((await draft(d.title)).status).toBe("division_review");
    await phone.fill("#approval textarea[name=comment]", "请补充改革涉及的单位数量");
    await phone.click("#approval button[value=send_back]");
    await expect(phone.locator(".flash").textContent()).resolves.toContain("已退回信息管理员修改");
    await phone.goto(`${running.url}/drafts/${d.id}/form`);
    const head = phone.locator("[data-field=headOpinion] .entry");
    await expect(head.getAttribute("data-decision")).resolves.toBe("退回");
    await expect(head.textContent()).resolves.toMatch(/退回（理由）：请补充改革涉及的单位数量[\s\S]*张才彦[\s\S]*\d{4}年\d{1,2}月\d{1,2}日/);
    await expect(phone.locator("[data-field=headOpinion]").textContent()).resolves.not.toContain("同意");
    await phone.context().close();

    // The info administrator sees who sent it back and why, in the queue and on the draft.
    const admin = await as("niulifeng");
    await expect(admin.locator(`tr[data-id="${d.id}"] [data-note=sent_back]`).textContent()).resolves.toMatch(/处长退回 · 张才彦：请补充改革涉及的单位数量/);
    await admin.goto(`${running.url}/drafts/${d.id}`);
    await expect(admin.locator(".banner-sent_back").textContent()).resolves.toContain("请补充改革涉及的单位数量");
    await admin.context().close();
  });

  it("never follows the sign-in return path off this server, and the queue reflows on a phone", async () => {
    for (const evil of ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/%0d%0aLocation:%20https://evil.example"]) {
      const p = await page();
      await p.goto(`${running.url}/login?next=${encodeURIComponent(evil)}`);
      await signIn(p, "niulifeng");
      // A path that only looks like a header injection stays an (unknown) path on this server.
      await p.waitForURL((u) => u.pathname !== "/login");
      expect(new URL(p.url()).host).toBe(new URL(running.url).host);
      await p.context().close();
    }
    const phone = await as("niulifeng", { width: 390, height: 844 });
    const cell = (await phone.locator("table.queue tbody tr td[data-label=单位]").first().boundingBox())!;
    expect(cell.height).toBeLessThan(40); // one line, not a character per line
    await phone.context().close();
  });

  it("reaches the first row through the skip link in a few keys, and carries the chain from the keyboard, asking first", async () => {
    const d = await draft("平山县事业单位改革推进会");
    const p = await as("niulifeng");
    const asked: string[] = [];
    p.on("dialog", (dialog) => void asked.push(dialog.message()));
    // Tab from the top of the queue: the skip link comes first and lands on the list.
    let presses = 0;
    const focused = () => p.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent?.trim() ?? "");
    do {
      await p.keyboard.press("Tab");
      presses++;
    } while (presses < 5 && (await focused()) !== "跳到稿件列表");
    expect(await focused()).toBe("跳到稿件列表");
    await p.keyboard.press("Enter");
    for (let i = 0; i < 4 && !(await p.evaluate(() => document.activeElement?.matches("td.title a") ?? false)); i++) {
      await p.keyboard.press("Tab");
      presses++;
    }
    expect(await p.evaluate(() => document.activeElement?.matches("td.title a") ?? false)).toBe(true);
    expect(presses).toBeLessThanOrEqual(4); // the issue counted 24 Tab presses without it

    // On the draft, s asks before 送处长审核 and then sends it.
    await p.goto(`${running.url}/drafts/${d.id}`);
    await p.keyboard.press("s");
    await p.waitForSelector(".flash");
    expect(asked).toContain("确定要「送处长审核」吗？");
    await expect(p.locator(".flash").textContent()).resolves.toContain("已送处长审核");
    expect((await draft(d.title)).status).toBe("division_review");
    await p.context().close();

    // The 处长: r without a reason is said beside the field and sends nothing; a agrees, after asking.
    const head = await as("zhangcaiyan");
    head.on("dialog", (dialog) => void asked.push(dialog.message()));
    await head.goto(`${running.url}/drafts/${d.id}`);
    await head.keyboard.press("r");
    await expect(head.locator("#approval .field-error").textContent()).resolves.toBe("退回须填写理由");
    expect((await draft(d.title)).status).toBe("division_review");
    await head.evaluate(() => (document.activeElement as HTMLElement).blur()); // out of the reason field (Esc, a tap elsewhere)
    await head.keyboard.press("a");
    await head.waitForSelector(".flash");
    expect(asked).toContain("确定要「同意」吗？");
    expect((await draft(d.title)).status).toBe("approved");
    await head.context().close();
  });
});
