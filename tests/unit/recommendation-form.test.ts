import { describe, expect, it } from "vitest";
import { parseRecommendation } from "../../src/officers/recommendation-form.js";

describe("信息员推荐表 (Attachment 4)", () => {
  it("reads DOCX table text (one cell per line) with spaced labels", () => {
    const text = ["《河北机构编制网》信息员推荐表", "姓    名", "王晓红", "性 别", "女", "年 龄", "34", "所在单位", "正定县机构编制委员会办公室", "职    务", "综合股副股长", "政治面貌", "中共党员", "固定电话", "0311-88021745", "手    机", "13903110000", "通讯地址", "正定县常山东路6号", "电子邮件", "WangXH@zd-gov.example", "邮政编码", "050800", "个人发表作品情况", "在《机构与行政》发表文章2篇", "本单位推荐意见", "同意推荐。（单位盖章）"].join("\n");
    expect(parseRecommendation(text)).toEqual({
      name: "王晓红", sex: "女", age: 34, unitName: "正定县机构编制委员会办公室", post: "综合股副股长", politicalStatus: "中共党员",
      phone: "0311-88021745", mobile: "13903110000", address: "正定县常山东路6号", email: "wangxh@zd-gov.example", postcode: "050800",
      publications: "在《机构与行政》发表文章2篇", unitOpinion: "同意推荐。",
    });
  });

  it("reads PDF/OCR text with label and value on one line, and typed mail with colons", () => {
    const pdf = "《河北机构编制网》信息员推荐表\n姓 名  李强    性 别  男    年 龄  41\n所在单位  武安市编办\n电子邮件  liqiang@wa-gov.example    邮政编码  056300";
    expect(parseRecommendation(pdf)).toMatchObject({ name: "李强", sex: "男", age: 41, unitName: "武安市编办", email: "liqiang@wa-gov.example", postcode: "056300" });
    const typed = "信息员推荐表\n姓名：赵敏\n电子邮件：zhaomin@zb-gov.example";
    expect(parseRecommendation(typed)).toMatchObject({ name: "赵敏", email: "zhaomin@zb-gov.example", sex: null });
  });

  it("is not fooled by ordinary text", () => {
    expect(parseRecommendation("关于做好信息报送工作的通知\n姓名：略")).toBeNull();
  });
});
