// Charsets, fax header lines, titles and 文号: the class of faults where a byte or a line
// decides what the officer reads as the title or the body.
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeDeclared, decodeUnknown, htmlToText, repairLatin1Mojibake } from "../../src/extract/text.js";
import { isFaxHeaderLine, splitFaxHeaders } from "../../src/compose/fax-header.js";
import { chooseTitle, documentNumber } from "../../src/compose/draft-text.js";
import { textBlocks } from "../../src/extract/tables.js";

describe("charsets", () => {
  const utf8 = Buffer.from("关于机构编制工作的报告，今年以来成效显著，下一步继续推进。");
  const stray = Buffer.concat([utf8.subarray(0, 30), Buffer.from([0xff]), utf8.subarray(30)]);
  it("keeps UTF-8 with a stray byte UTF-8, declared or not", () => {
    expect(decodeDeclared(stray, "utf-8").text).toContain("下一步继续推进");
    expect(decodeUnknown(stray).text).toContain("下一步继续推进");
  });
  it("reads GBK labelled utf-8 as GB18030 (the label fails as a whole), and gb2312 as GBK", () => {
    const gbk = iconv.encode("关于机构编制工作的报告", "gbk");
    expect(decodeDeclared(gbk, "utf-8")).toMatchObject({ text: "关于机构编制工作的报告", repaired: true });
    expect(decodeDeclared(iconv.encode("张喆镕", "gbk"), "gb2312").text).toBe("张喆镕");
  });
  it("repairs raw GBK file names read as Latin-1, and leaves real Latin-1 alone", () => {
    expect(repairLatin1Mojibake(iconv.decode(iconv.encode("秘密★1年 请示.pdf", "gbk"), "latin1"))).toBe("秘密★1年 请示.pdf");
    expect(repairLatin1Mojibake("Résumé.pdf")).toBe("Résumé.pdf");
    expect(repairLatin1Mojibake("报告.pdf")).toBe("报告.pdf");
  });
  it("converts HTML without link targets or image URLs, tables as tables", () => {
    const t = htmlToText('<p>请<a href="javascript:alert(1)">点此</a><img src="https://t.example/p.gif"></p><table><tr><th>单位</th><th>编制</th></tr><tr><td>正定|县</td><td>12</td></tr></table>');
    expect(t).not.toMatch(/javascript|t\.example/);
    expect(t).toContain("| 单位 | 编制 |\n| --- | --- |\n| 正定｜县 | 12 |");
    expect(textBlocks(t).map((b) => b.kind)).toEqual(["paragraph", "table"]);
    expect(textBlocks(t)[1]!.rows).toEqual([["单位", "编制"], ["正定｜县", "12"]]);
  });
});

describe("fax header lines", () => {
  it.each([
    "NOV-18-2026 09:12 FROM: +86 312 3051234 T0: 0311 87801234 P.",
    "NOV-18-2026 09:12 FROM: BAODING BB +86 312 3086512 To: 0311 87801234 P.O1/0O1",
    "2026-11-18 10:40  FAX 0317-2212316  任丘市编办  P.1/1",
    "11/18/2026 14:05 0312-3086512 保定市编办 PAGE 02/03",
    "2026年11月18日 09:12 保定市编办 0312-3086512 第1页",
  ])("recognises %s", (line) => expect(isFaxHeaderLine(line)).toBe(true));
  it.each(["2026年11月18日上午9:30，保定市召开机构编制工作会议，电话0312-3086512。", "保定市加强县级机构编制部门自身建设", "联系电话：0312-3086512", "省委编办："])("leaves %s alone", (line) => expect(isFaxHeaderLine(line)).toBe(false));
  it("takes the header line off every page and keeps it", () => {
    const r = splitFaxHeaders("NOV-18-2026 09:12 FROM: +86 312 3051234 T0: 0311 87801234 P.01/02\n保定市机构编制委员会办公室\n正文一\n\nNOV-18-2026 09:13 FROM: +86 312 3051234 T0: 0311 87801234 P.02/02\n正文二");
    expect(r.headers).toHaveLength(2);
    expect(r.text).toBe("保定市机构编制委员会办公室\n正文一\n\n正文二");
  });
});

describe("titles and 文号", () => {
  it("skips letterhead, 文号 and the addressee line to the document's title", () => {
    const t = chooseTitle("Facsimile received from +86 312 3086512", ["保定市机构编制委员会办公室\n保编办〔2026〕7号\n省委编办：\n保定市加强县级机构编制部门自身建设\n今年以来……"]);
    expect(t.title).toBe("保定市加强县级机构编制部门自身建设");
  });
  it("treats 传真： as a prefix and a bare 传真 subject as generic", () => {
    expect(chooseTitle("传真：唐山市推进事业单位登记管理改革", ["省编办：\n正文"]).title).toBe("唐山市推进事业单位登记管理改革");
    expect(chooseTitle("传真", ["省编办：\n唐山市推进事业单位登记管理改革\n正文"]).title).toBe("唐山市推进事业单位登记管理改革");
    expect(chooseTitle("来自0315-2801122的传真", ["省编办：\n唐山市推进事业单位登记管理改革"]).title).toBe("唐山市推进事业单位登记管理改革");
  });
  it("reads the 文号, also as OCR writes its brackets", () => {
    expect(documentNumber(["邢台市机构编制委员会办公室\n邢编办〔2026〕9号\n关于……"])).toBe("邢编办〔2026〕9号");
    expect(documentNumber(["威编办 [2026] 15号"])).toBe("威编办〔2026〕15号");
    expect(documentNumber(["正文没有文号"])).toBeNull();
  });
});
