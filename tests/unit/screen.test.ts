import { describe, expect, it } from "vitest";
import { screenClassified } from "../../src/screen/classification.js";

const screen = (subject: string, body: string, attachments: Array<{ filename: string | null; text: string }> = []) => screenClassified({ subject, body, attachments });

describe("classification marks (Art. 10)", () => {
  it.each([
    ["秘密★1年", "秘密★1年\n\n关于……的报告"],
    ["机密★长期", "机密 ★ 长期\n正文"],
    ["绝密", "绝密\n\n正文"],
    ["密级：秘密", "密级：秘密\n正文"],
  ])("finds %s in the first lines of the body", (_mark, body) => {
    const m = screen("报送信息", body);
    expect(m).not.toBeNull();
    expect(m!.where).toContain("正文");
  });

  it("finds a faxed mark whose ★ OCR misread", () => {
    expect(screen("Fax from 03196122380", "", [{ filename: "fax.tif", text: "秘密娘 1 年\n\n关于某局机构编制调整的请示" }])?.mark).toBe("秘密娘 1 年");
    expect(screen("", "", [{ filename: "fax.tif", text: "机密大长期\n正文" }])).not.toBeNull();
  });

  it("finds marks in the subject, a file name and an attachment's text", () => {
    expect(screen("【机密】关于编制调整的请示", "见附件")?.where).toBe("邮件主题");
    expect(screen("报送", "见附件", [{ filename: "秘密★5年 编制方案.docx", text: "" }])?.where).toContain("附件名");
    expect(screen("报送", "见附件", [{ filename: "方案.pdf", text: "\n秘密★1年\n关于……" }])?.where).toContain("附件「方案.pdf」");
  });

  it("lets ordinary news about secrecy work through", () => {
    expect(screen("县编办开展保密宣传月活动", "为做好保守国家秘密工作，县编办组织涉密人员培训，学习保密法。机关工作秘密管理……")).toBeNull();
    expect(screen("保密工作总结", "今年以来，全县保守秘密工作成效明显，2026年组织培训3次。")).toBeNull();
  });
});
