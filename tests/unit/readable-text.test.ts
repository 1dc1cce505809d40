// What pages show instead of a library's or engine's words (web/format.ts, admin/rules.ts):
// libvips and pdf.js messages, a RegExp's syntax error, raw byte counts.
import { describe, expect, it } from "vitest";
import { fileSize, readableProblem } from "../../src/web/format.js";
import { regexProblem } from "../../src/admin/rules.js";

describe("text a page shows", () => {
  it("drops a library's message inside the gateway's Chinese, once per repeated line", () => {
    const note = "未能检查：「会议现场.jpg」（图像无法解码：Input buffer has corrupt header: VipsJpeg: premature end of JPEG image VipsJpeg: JPEG datastream contains no image）。其内容未经密级检查（第十条），须人工查看原件后方可送审";
    expect(readableProblem(note)).toBe("未能检查：「会议现场.jpg」（图像无法解码）。其内容未经密级检查（第十条），须人工查看原件后方可送审");
    // As libvips writes it: one warning per line, inside the parentheses of the gateway's note.
    const stored = "未能检查：「会议现场.jpg」（图像无法解码：Input buffer has corrupt header: VipsJpeg: premature end of JPEG image\nVipsJpeg: JPEG datastream contains no image\nVipsJpeg: premature end of JPEG image）。其内容未经密级检查（第十条），须人工查看原件后方可送审\n未能提取文字：「附件2.pdf」";
    expect(readableProblem(stored)).toBe("未能检查：「会议现场.jpg」（图像无法解码）。其内容未经密级检查（第十条），须人工查看原件后方可送审；未能提取文字：「附件2.pdf」");
    expect(readableProblem("图像无法解码：Input buffer has corrupt header: VipsJpeg: premature end of JPEG image\nVipsJpeg: JPEG datastream contains no image")).toBe("图像无法解码");
    expect(readableProblem("VipsJpeg: premature end of JPEG image\nVipsJpeg: premature end of JPEG image")).toBe("图像无法解码（文件损坏或格式不受支持）");
    expect(readableProblem("OCR 失败：VipsJpeg")).toBe("OCR 失败");
    expect(readableProblem("Invalid PDF structure")).toBe("PDF 无法解析（文件损坏或格式不规范）");
  });

  it("keeps an address or a file name after a colon", () => {
    expect(readableProblem("发件地址：zdbb@zd-gov.example")).toBe("发件地址：zdbb@zd-gov.example");
    expect(readableProblem("未能检查：report.docx")).toBe("未能检查：report.docx");
  });

  it("says what is wrong with a regular expression in Chinese, and nothing for a good one", () => {
    expect(regexProblem("公益(一类")).toBe("正则表达式有误：圆括号不配对。如只需按文字匹配，请取消「正则表达式」");
    expect(regexProblem("[事业单位")).toContain("方括号不配对");
    expect(regexProblem("*改革")).toContain("缺少要重复的内容");
    expect(regexProblem("事业单位(分类|登记)")).toBeNull();
    for (const bad of ["(", "[", "*", "a{2,1}", "\\", "(?<x"]) expect(regexProblem(bad)).not.toMatch(/[A-Za-z]{3,}/);
  });

  it("gives sizes in 字节, KB and MB", () => {
    expect(fileSize(512)).toBe("512 字节");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});
