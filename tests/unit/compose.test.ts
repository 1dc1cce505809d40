import { describe, expect, it } from "vitest";
import { chooseTitle, documentDate, fingerprint, stripSubjectPrefixes, unwrapForward } from "../../src/compose/draft-text.js";

describe("title", () => {
  it.each([
    ["报送：正定县召开编制工作会议", "正定县召开编制工作会议"],
    ["【报送】唐山市推进事业单位改革", "唐山市推进事业单位改革"],
    ["转发：Fw: 答复: 关于实名制管理的报告", "关于实名制管理的报告"],
    ["RE: 回复：平山县工作动态", "平山县工作动态"],
  ])("strips prefixes from %s", (subject, title) => {
    expect(stripSubjectPrefixes(subject)).toBe(title);
  });

  it("uses the document's own title line when the subject is generic", () => {
    const t = chooseTitle("报送信息", ["正文如下\n\n关于正定县乡镇机构改革情况的报告\n\n市编办：\n……"]);
    expect(t.title).toBe("关于正定县乡镇机构改革情况的报告");
    expect(t.reason).toContain("标题行");
    expect(chooseTitle("附件.docx", ["关于 加强 实名制管理的通知\n内容"]).title).toBe("关于加强实名制管理的通知");
  });
});

describe("document date", () => {
  it("reads the 落款 date in Arabic and Chinese numerals", () => {
    expect(documentDate(["正文\n\n正定县编办\n2026年11月18日"]).date?.toISOString().slice(0, 10)).toBe("2026-11-18");
    expect(documentDate(["正文\n\n正定县机构编制委员会办公室\n二〇二六年十一月二十一日"]).date?.toISOString().slice(0, 10)).toBe("2026-11-21");
    expect(documentDate(["正文\n正定县编办 二〇二六年九月三十日"]).date?.toISOString().slice(0, 10)).toBe("2026-09-30");
  });

  it("falls back to the first full date, and refuses impossible dates", () => {
    const r = documentDate(["2026年10月9日，全县召开会议。\n会议指出……"]);
    expect(r.date?.toISOString().slice(0, 10)).toBe("2026-10-09");
    expect(r.reason).toContain("首个完整日期");
    expect(documentDate(["2026年2月30日召开"]).date).toBeNull();
    expect(documentDate(["11月20日，县编办召开会议"]).date).toBeNull();
  });
});

describe("forward and fingerprint", () => {
  it("removes the forward header block but keeps the content", () => {
    const t = unwrapForward("请审阅\n\n-------- 原始邮件 --------\n发件人：张三 <a@b.example>\n发送时间：2026年11月20日\n主题：测试\n\n正文内容在这里");
    expect(t).not.toMatch(/发件人|原始邮件|发送时间/);
    expect(t).toContain("正文内容在这里");
  });

  it("ignores whitespace differences but not content", () => {
    expect(fingerprint("unit:1", "标题", "第一段\n\n第二段")).toBe(fingerprint("unit:1", "标题 ", "第一段\r\n第二段"));
    expect(fingerprint("unit:1", "标题", "第一段")).not.toBe(fingerprint("unit:2", "标题", "第一段"));
  });
});

describe("title of a faxed document", () => {
  it("skips the letterhead and document number to the first real line", () => {
    const t = chooseTitle("Fax from 03135222415 - 2 pages", ["张北县机构编制委员会办公室\n张北编办〔2026〕12号\n张北县做好2026年机构编制统计工作\n为全面准确掌握……"]);
    expect(t.title).toBe("张北县做好2026年机构编制统计工作");
  });
});
