// The decision stage as decideMessage runs it — screen (Art. 10), identify, route, compose and
// the flags that hold 送审 — over plain data: no database, no parser, no thread. What each case
// checks is what the information administrator then sees on the draft: its outcome, its unit,
// column and division with their reasons, its title and body, and the notes beside it.
import { describe, expect, it } from "vitest";
import { decideMessage } from "../../src/pipeline/decide.js";
import type { Prepared } from "../../src/pipeline/contracts.js";
import { extracted, part, reference } from "../support/stage-data.js";

type Draft = Extract<Prepared, { kind: "draft" }>;
const decide = (...args: Parameters<typeof extracted>) => decideMessage(extracted(...args), reference());
function draft(p: Prepared): Draft {
  expect(p.kind).toBe("draft");
  return p as Draft;
}

describe("decide: screen (Art. 10) comes first", () => {
  it("quarantines a message whose body carries a 密级 mark, and carries on nothing but its envelope", () => {
    const p = decide({ subject: "报送：关于某局机构编制调整的请示", text: "秘密★1年\n\n关于某局机构编制调整的请示\n\n拟将某局内设机构由九个调整为七个。" });
    expect(p.kind).toBe("quarantined");
    if (p.kind !== "quarantined") return;
    expect(p.mark.mark).toBe("秘密★1年");
    expect(p.mark.where).toMatch(/正文/);
    expect(p.parsed).toMatchObject({ subject: "", text: "", headers: [], fromAddress: "xxk@sjz-bb.example" });
  });

  it("screens the text of attachments, the texts that are not body text (a DOCX header), and file names — neutralised for display", () => {
    const inText = decide({ text: "详见附件。" }, [part(0, "qingshi.pdf", { method: "pdf-text", text: "机密★5年\n关于某中心机构编制调整的请示" })]);
    expect(inText.kind).toBe("quarantined");
    const inHeader = decide({ text: "详见附件。" }, [part(0, "qingshi.docx", { method: "docx", text: "关于某中心的请示", screenTexts: [{ where: "页眉", text: "绝密" }] })]);
    expect(inHeader.kind).toBe("quarantined");
    // A right-to-left override in the name would make the screen show another name than the file's.
    const inName = decide({ text: "详见附件。" }, [part(0, "【机密】\u202Efdp.docx", { method: "docx", text: "关于某中心的请示" })]);
    expect(inName.kind).toBe("quarantined");
    if (inName.kind === "quarantined") expect(inName.mark.where).not.toContain("\u202E");
  });

  it("lets ordinary news about secrecy work through as a draft", () => {
    const d = draft(decide({ subject: "正定县编办开展保密宣传月活动", text: "11月20日，正定县编办组织开展保密宣传月活动，学习《保守国家秘密法》，强调工作秘密管理要求。" }));
    expect(d.title).toBe("正定县编办开展保密宣传月活动");
  });

  it("ignores automatic mail (out-of-office, bounces) with its reason, and passes an extraction failure on as it is", () => {
    const auto = decide({ automatic: "自动回复" });
    expect(auto).toMatchObject({ kind: "ignored", reason: expect.stringContaining("自动回复") });
    expect(decideMessage({ kind: "failed", code: "NOT_A_MESSAGE", error: "不是邮件" }, reference())).toEqual({ kind: "failed", code: "NOT_A_MESSAGE", error: "不是邮件" });
  });
});

describe("decide: identify the unit", () => {
  it("names the unit of a registered address, and confirms it", () => {
    const d = draft(decide());
    expect(d.unit).toMatchObject({ unitId: 1, unitName: "石家庄市编办", confirmed: true });
    expect(d.flags).not.toContain("unit_unconfirmed");
  });

  it("never trusts a display name: an unregistered address is left for a person, flagged", () => {
    const d = draft(decide({ fromAddress: "someone@qq.example", fromName: "石家庄市编办" }));
    expect(d.unit).toMatchObject({ unitId: null, confirmed: false });
    expect(d.unit.reason).toContain("显示名「石家庄市编办」不作为依据");
    expect(d.flags).toContain("unit_unconfirmed");
  });

  it("names no unit when the header block is ambiguous", () => {
    const d = draft(decide({ senderProblems: ["两个 From 行"] }));
    expect(d.unit).toMatchObject({ unitId: null, confirmed: false });
    expect(d.unit.reason).toContain("两个 From 行");
  });

  it("identifies a fax by the sending machine's number, not the fax server's address, and takes its text from the pages", () => {
    const d = draft(
      decide({ subject: "Fax from 0311-88021745 - 1 page", fromAddress: "fax@hebbb.example", text: "传真件见附件。" }, [
        part(0, "fax000000120.tif", { method: "ocr", text: "关于乡镇编制核定工作的报告\n全县乡镇编制核定工作已经完成，现将有关情况报告如下。", pages: [{ pageNo: 1, method: "ocr", text: "…", confidence: 91 }], confidence: 91 }, "image/tiff"),
      ]),
    );
    expect(d.channel).toBe("fax");
    expect(d.unit).toMatchObject({ unitId: 2, unitName: "正定县编办", confirmed: true });
    expect(d.unit.reason).toContain("传真号码");
    expect(d.body).toContain("全县乡镇编制核定工作已经完成");
    expect(d.bodyReason).toMatch(/^传真正文（OCR 识别/);
  });
});

describe("decide: route column and division", () => {
  it("routes by the rules and says why", () => {
    const d = draft(decide({ subject: "推进事业单位分类改革工作", text: "会议要求加快推进事业单位分类改革，明确时间表和路线图，确保改革任务如期完成，各地要抓好落实。" }));
    expect(d.route).toMatchObject({ columnName: "事业单位改革", divisionName: "事业处" });
    expect(d.route.columnReason).toContain("事业单位分类");
  });

  it("leaves the column open when no rule hits, flagged for triage", () => {
    const d = draft(decide({ subject: "关于报送材料的函", text: "请按时报送有关材料，以便汇总上报，谢谢配合支持。如有问题请及时与我们联系沟通。" }));
    expect(d.route.columnId).toBeNull();
    expect(d.flags).toContain("no_column");
  });

  it("flags prohibited content and says it needs a person before 发布", () => {
    const d = draft(decide({ text: "某地发现邪教组织活动线索，已移交有关部门处理，请各地提高警惕，加强宣传教育引导群众。" }));
    expect(d.flags).toContain("prohibited_content");
    expect(d.screenNote).toContain("“邪教组织”");
  });
});

describe("decide: compose title, body and the notes beside the draft", () => {
  it("takes the body from the attachment when the mail says only 见附件", () => {
    const text = "关于乡镇编制核定工作的报告\n\n全县乡镇编制核定工作已经完成，现将有关情况报告如下：一是摸清底数，二是规范程序，三是严格审核。";
    const d = draft(decide({ subject: "报送材料", text: "详见附件。" }, [part(0, "baogao.pdf", { method: "pdf-text", text, pages: [{ pageNo: 1, method: "text-layer", text, confidence: null }], pageCount: 1 })]));
    expect(d.body).toContain("全县乡镇编制核定工作已经完成");
    expect(d.bodyReason).toContain("取附件正文");
    expect(d.title).toBe("关于乡镇编制核定工作的报告");
    expect(d.titleReason).toContain("正文标题行");
  });

  it("takes off the forward header of a forwarded submission", () => {
    const d = draft(decide({ subject: "转发：正定县编办召开工作会议", text: "-----原始邮件-----\n发件人：正定县编办\n主题：正定县编办召开工作会议\n\n11月20日，正定县编办召开工作会议，部署年度重点任务。" }));
    expect(d.bodyReason).toBe("邮件正文（已去掉转发头）");
    expect(d.body).not.toContain("原始邮件");
  });

  it("holds 送审 for an attachment that could not be read: 未能检查, with its reason", () => {
    const d = draft(decide({}, [part(0, "jiami.pdf", { method: "pdf-text", status: "failed", error: "PDF 已加密，无法读取" })]));
    expect(d.flags).toEqual(expect.arrayContaining(["unscreened", "attachment_failed"]));
    expect(d.screenNote).toContain("未能检查：「jiami.pdf」（PDF 已加密，无法读取）");
  });

  it("says which OCR pages were read with low confidence, and what was cut to the text limit", () => {
    const d = draft(
      decide({ flags: ["body_truncated:250000"] }, [part(0, "scan.pdf", { method: "ocr", text: "关于乡镇编制核定工作的报告", lowConfidencePages: [2], truncatedFrom: 300000, pages: [{ pageNo: 1, method: "ocr", text: "关于乡镇编制核定工作的报告", confidence: 88 }, { pageNo: 2, method: "ocr", text: "模糊", confidence: 41 }] })]),
    );
    expect(d.flags).toEqual(expect.arrayContaining(["low_ocr_confidence", "text_truncated"]));
    expect(d.screenNote).toContain("OCR 置信度低：scan.pdf 第2页");
    expect(d.screenNote).toContain("邮件正文共 250000 字");
  });

  it("fingerprints sender, title and body, so the same submission again is found as a duplicate", () => {
    const a = draft(decide());
    const b = draft(decide({ messageId: "<other@test.example>" }));
    const c = draft(decide({ text: "另一篇内容完全不同的稿件，讲述的是另一次会议的情况，与前一篇无关，篇幅也足够长。" }));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });
});
