// Clean-up suggestions (src/compose/cleanup.ts): what is found, what is left alone.
import { describe, expect, it } from "vitest";
import { applySuggestion, fullWidthPunctuation, isIdCard, joinBrokenLines, personalData, suggestCleanup } from "../../src/compose/cleanup.js";

describe("personal data", () => {
  it("finds phone, mobile, ID-card and bank-card numbers as written", () => {
    const found = personalData("电话0316-3212119，（0311）87801234，手机139 3166 1234，身份证130982199003151239，卡号6222 0212 3456 7890 128。");
    expect(found).toEqual([
      { kind: "id_card", value: "130982199003151239" },
      { kind: "bank_card", value: "6222 0212 3456 7890 128" },
      { kind: "mobile", value: "139 3166 1234" },
      { kind: "phone", value: "0316-3212119" },
      { kind: "phone", value: "（0311）87801234" },
    ]);
  });
  it("leaves alone what only looks like them: a wrong check digit, a credit code, dates, counts, 文号", () => {
    expect(isIdCard("130982199003151234")).toBe(false);
    expect(personalData("统一社会信用代码12130181MB0X12345K，2026年11月19日，共1023项，冀机编办〔2026〕12号，编制20261119名")).toEqual([]);
  });
});

describe("text clean-ups", () => {
  it("joins lines broken inside a sentence, not list items, table rows or new paragraphs", () => {
    const body = "培训围绕法人年度报告、变更登记和注销登记等内容进行了\n讲解，并现场解答了问题。\n一、统计范围为全市。\n二、请于12月20日前报送。\n| 单位 | 编制 |\n| --- | --- |";
    expect(joinBrokenLines(body)).toBe("培训围绕法人年度报告、变更登记和注销登记等内容进行了讲解，并现场解答了问题。\n一、统计范围为全市。\n二、请于12月20日前报送。\n| 单位 | 编制 |\n| --- | --- |");
  });
  it("makes punctuation full width in Chinese text, not inside numbers, times or addresses", () => {
    expect(fullWidthPunctuation("11月19日,县编办召开会议.会议时间9:30,网址 www.a.example/b?c=1,比例1.5")).toBe("11月19日，县编办召开会议。会议时间9:30，网址 www.a.example/b?c=1，比例1.5");
  });
  it("removes a signature block and a repeated title when accepted", () => {
    const body = "县编办召开会议\n\n正文内容。\n\n-- \n县编办 刘洋\n联系电话：0316-3212119";
    const s = suggestCleanup("县编办召开会议", body);
    const sig = s.find((x) => x.kind === "signature")!;
    const title = s.find((x) => x.kind === "title_repeat")!;
    expect(applySuggestion(applySuggestion(body, sig)!, title)).toBe("正文内容。");
    expect(applySuggestion("别的正文", sig)).toBeNull();
  });
});

describe("low-confidence OCR words on the draft page", () => {
  it("highlights each occurrence in escaped text", async () => {
    const { markLowWords } = await import("../../src/web/mark-words.js");
    expect(String(markLowWords("编制<b>核定</b>笃理", JSON.stringify(["笃理", "<b>"])))).toBe('编制<mark class="low-ocr" title="OCR 置信度低，请对照原件核对">&lt;b&gt;</mark>核定&lt;/b&gt;<mark class="low-ocr" title="OCR 置信度低，请对照原件核对">笃理</mark>');
    expect(String(markLowWords("a<b", null))).toBe("a&lt;b");
  });
});
