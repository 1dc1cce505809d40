// Triage at scale in Chromium (issue #16), one browser for the file: duplicate suggestions and the
// side-by-side comparison before a merge, the merged draft showing its own mail and linking to its
// original; the routing rules searched, edited in place (a bad regular expression said in Chinese
// beside the field), tried against a draft before saving; the 通报 with 文号 and date, printed and
// exported to Word.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import mammoth from "mammoth";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium, signIn as signInAs } from "./browser.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;
let browser: Browser;

const FIRST = { title: "正定县召开事业单位分类改革推进会", body: "11月20日，正定县召开事业单位分类改革推进会，部署下一阶段公益类事业单位改革任务，明确时间表和路线图。\n\n正定县编办" };
// The same news sent again a day later, one sentence added: not the same bytes or fingerprint.
const AGAIN = { title: "正定县召开事业单位分类改革推进会议", body: "11月20日，正定县召开事业单位分类改革推进会，部署下一阶段公益类事业单位改革任务，明确时间表和路线图。会议还通报了前期改革进展。\n\n正定县编办" };

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  const md = new Maildir(t.env.MAILDIR!);
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: FIRST.title, body: FIRST.body, date: "Fri, 20 Nov 2026 10:00:00 +0800" }));
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: AGAIN.title, body: AGAIN.body, date: "Sat, 21 Nov 2026 09:00:00 +0800" }));
  // Same unit, other news; and the same news from another unit: neither is a duplicate.
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县开展机构编制政策培训", body: "正定县编办组织开展机构编制政策法规培训，各乡镇编办人员参加。" }));
  md.deliver(submission({ from: "psbb@ps-gov.example", subject: FIRST.title.replace("正定", "平山"), body: FIRST.body.replaceAll("正定", "平山") }));
  running = await serve(t.app, () => undefined);
  await running.pollNow();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await t?.app.close();
});

const signIn = (username: string): Promise<Page> => signInAs(browser, running.url, username, PASSWORD);
const draft = (title: string) => t.app.db.draft.findFirstOrThrow({ where: { title } });

describe("triage tools in Chromium", () => {
  it("suggests the likely original, compares both side by side, merges only when confirmed; the merged draft shows its own mail and links to the original", async () => {
    const [first, again, other, elsewhere] = [await draft(FIRST.title), await draft(AGAIN.title), await draft("正定县开展机构编制政策培训"), await draft(FIRST.title.replace("正定", "平山"))];
    const p = await signIn("niulifeng");
    await p.goto(`${running.url}/drafts/${again.id}`);
    const suggested = p.locator("[data-duplicates] li");
    await expect(suggested.count()).resolves.toBe(1);
    await expect(suggested.first().getAttribute("data-duplicate")).resolves.toBe(String(first.id));
    await expect(suggested.first().textContent()).resolves.toMatch(/标题相似 \d+%.*正文相似 \d+%/);
    expect(await p.locator(`[data-duplicate="${other.id}"], [data-duplicate="${elsewhere.id}"]`).count()).toBe(0);

    // A number that cannot be compared is said beside the field, the number kept.
    await p.fill("form.merge input[name=with]", "abc");
    await p.click("form.merge button[type=submit]");
    await expect(p.locator("#err-merge-originalId").textContent()).resolves.toContain("「abc」不是稿件编号");
    await expect(p.inputValue("form.merge input[name=with]")).resolves.toBe("abc");

    await p.locator("[data-duplicates] a.button", { hasText: "对照" }).click();
    await p.waitForURL(new RegExp(`/drafts/${again.id}/compare\\?with=${first.id}$`));
    const mine = (await p.locator("[data-side=mine]").boundingBox())!;
    const theirs = (await p.locator("[data-side=other]").boundingBox())!;
    expect(mine.x).toBeLessThan(theirs.x); // side by side on a desk
    expect(Math.abs(mine.y - theirs.y)).toBeLessThan(2);
    await expect(p.locator("[data-side=mine] .compare-body").textContent()).resolves.toContain("会议还通报了前期改革进展");
    await expect(p.locator("[data-side=other] .compare-body").textContent()).resolves.not.toContain("会议还通报了前期改革进展");
    await expect(p.locator("pre.diff .add").allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringContaining("会议还通报了前期改革进展")]));
    await expect(p.locator("[data-similarity]").textContent()).resolves.toContain("同一报送单位");
    // Nothing merged by looking.
    expect((await draft(AGAIN.title)).duplicateOfId).toBeNull();

    await p.click("button[data-merge]");
    await expect(p.locator(".flash").textContent()).resolves.toBe(`已作为重复稿件并入 #${first.id}`);
    expect(p.url()).toMatch(new RegExp(`/drafts/${first.id}$`));
    await expect(p.locator(".banner-duplicates").textContent()).resolves.toContain(`#${again.id}`);
    await expect(p.locator(".facts").textContent()).resolves.toContain("共收到 2 次");
    await expect(p.locator(".log").textContent()).resolves.toContain(`牛立峰 · 重复报送 #${again.id} 并入此稿`);

    await p.goto(`${running.url}/drafts/${again.id}`);
    await expect(p.locator(".banner-merged a").getAttribute("href")).resolves.toBe(`/drafts/${first.id}`);
    // Its own mail, not an empty original: the sentence only this one had.
    await expect(p.locator(".original").textContent()).resolves.toContain("会议还通报了前期改革进展");
    await expect(p.locator(".original h2").textContent()).resolves.toContain(`已并入 #${first.id}`);
    await p.context().close();
  });

  it("finds rules by keyword, edits one in place with a bad regular expression said in Chinese, and tries a new rule against a draft before saving", async () => {
    const target = await draft(FIRST.title);
    const rulesBefore = await t.app.db.routingRule.count();
    const p = await signIn("yaolin");
    await p.goto(`${running.url}/admin/rules?q=${encodeURIComponent("公益一类")}`);
    await expect(p.locator("table.rules tbody tr[data-rule]").count()).resolves.toBe(1);
    await expect(p.locator("[data-rule-count]").textContent()).resolves.toMatch(new RegExp(`共 ${rulesBefore} 条，符合 1 条`));
    const rule = await t.app.db.routingRule.findFirstOrThrow({ where: { pattern: "公益一类" } });

    await p.click(`[data-edit-rule="${rule.id}"]`);
    const edit = p.locator(`form[data-rule-edit="${rule.id}"]`);
    await edit.locator("input[name=pattern]").fill("公益(一类");
    await edit.locator("input[name=isRegex]").check();
    await edit.locator("button[value=save]").click();
    const error = p.locator(`#err-rule-${rule.id}-pattern`);
    await expect(error.textContent()).resolves.toBe("正则表达式有误：圆括号不配对。如只需按文字匹配，请取消「正则表达式」");
    expect(await p.locator("body").innerText()).not.toMatch(/Invalid regular expression|Unterminated/);
    await expect(p.inputValue(`form[data-rule-edit="${rule.id}"] input[name=pattern]`)).resolves.toBe("公益(一类");
    expect((await t.app.db.routingRule.findUniqueOrThrow({ where: { id: rule.id } })).pattern).toBe("公益一类");

    await p.fill(`form[data-rule-edit="${rule.id}"] input[name=pattern]`, "公益一类");
    await p.uncheck(`form[data-rule-edit="${rule.id}"] input[name=isRegex]`);
    await p.fill(`form[data-rule-edit="${rule.id}"] input[name=weight]`, "5");
    await p.click(`form[data-rule-edit="${rule.id}"] button[value=save]`);
    await expect(p.locator(".flash").textContent()).resolves.toBe("规则已保存，立即生效");
    expect((await t.app.db.routingRule.findUniqueOrThrow({ where: { id: rule.id } })).weight).toBe(5);
    expect(await t.app.db.auditEvent.count({ where: { action: "rule.update", entityId: String(rule.id) } })).toBe(1);

    // A new rule, tried first: what it would change for the draft, and nothing saved.
    await p.goto(`${running.url}/admin/rules`);
    const add = p.locator("form[action^='/admin/rules']:has(input[name=_form][value='rule:new'])");
    await add.locator("select[name=kind]").selectOption("column");
    await add.locator("select[name=columnId]").selectOption({ label: "监督检查" });
    await add.locator("input[name=pattern]").fill("推进会");
    await add.locator("input[name=weight]").fill("10");
    await add.locator("input[name=draftId]").fill(String(target.id));
    await add.locator("button[value=try]").click();
    await expect(p.locator("[data-changes]").textContent()).resolves.toContain("栏目：事业单位改革 → 监督检查");
    expect(await t.app.db.routingRule.count()).toBe(rulesBefore);
    await expect(p.inputValue("form:has(input[name=_form][value='rule:new']) input[name=pattern]")).resolves.toBe("推进会");
    await p.context().close();
  });

  it("prints the 通报 with its 文号 and date and exports the same to Word", async () => {
    const p = await signIn("yaolin");
    await p.goto(`${running.url}/stats/bulletin`);
    await p.fill("input[name=docNumber]", "冀编办信〔2026〕3号");
    await p.fill("input[name=date]", "2026-12-01");
    await p.click("form.bulletin-fields button[type=submit]");
    await expect(p.locator("[data-doc-number]").textContent()).resolves.toBe("冀编办信〔2026〕3号");
    await expect(p.locator("[data-date]").textContent()).resolves.toBe("2026年12月1日");
    await expect(p.locator("form.bulletin-fields").isHidden()).resolves.toBe(false);
    await p.emulateMedia({ media: "print" });
    await expect(p.locator("form.bulletin-fields").isHidden()).resolves.toBe(true); // not printed
    await p.emulateMedia({ media: "screen" });

    const [download] = await Promise.all([p.waitForEvent("download"), p.click("a[data-docx]")]);
    expect(download.suggestedFilename()).toMatch(/^信息报送情况通报-\d{4}\.docx$/);
    const text = (await mammoth.extractRawText({ path: (await download.path())! })).value;
    expect(text).toContain("冀编办信〔2026〕3号");
    expect(text).toContain("2026年12月1日");
    expect(text).toContain("正定县编办");
    expect(text).toContain("河北省机构编制委员会办公室信息中心");
    expect(await t.app.db.auditEvent.count({ where: { action: "bulletin.export", actor: "user:yaolin" } })).toBe(1);

    await p.fill("input[name=date]", "");
    await p.evaluate(() => ((document.querySelector("input[name=date]") as HTMLInputElement).type = "text"));
    await p.fill("input[name=date]", "2026-13-45");
    await p.click("form.bulletin-fields button[type=submit]");
    await expect(p.locator("#err-date").textContent()).resolves.toContain("须为有效日期");
    await expect(p.inputValue("input[name=docNumber]")).resolves.toBe("冀编办信〔2026〕3号");
    await p.context().close();
  });
});
