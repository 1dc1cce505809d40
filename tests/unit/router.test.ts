import { describe, expect, it } from "vitest";
import { route, type RuleSet } from "../../src/route/router.js";

// Division ids: 1 综合处, 2 事业处, 3 市县乡处, 4 监督处; column 10 机构编制管理 is shared by 1–4.
const rules: RuleSet = {
  columns: [
    { id: 10, name: "机构编制管理", ownerIds: [1, 2, 3, 4], defaultDivisionId: 1 },
    { id: 11, name: "事业单位改革", ownerIds: [2], defaultDivisionId: null },
    { id: 12, name: "工作动态", ownerIds: [1, 2, 3, 4], defaultDivisionId: 1 },
  ],
  divisions: new Map([[1, "综合处"], [2, "事业处"], [3, "市县乡处"], [4, "监督处"]]),
  columnRules: [
    { columnId: 10, pattern: "编制核定", isRegex: false, weight: 2 },
    { columnId: 11, pattern: "事业单位分类", isRegex: false, weight: 3 },
    { columnId: 12, pattern: "召开", isRegex: false, weight: 1 },
  ],
  divisionCues: [
    { divisionId: 2, pattern: "事业单位", isRegex: false, weight: 2 },
    { divisionId: 3, pattern: "乡镇", isRegex: false, weight: 2 },
  ],
  importanceRules: [{ pattern: "省委", isRegex: false, weight: 1 }],
  prohibitedRules: [{ pattern: "邪教组织", isRegex: false }],
  fallbackDivisionId: 1,
};

describe("route", () => {
  it("takes the single owner of a specific column and says why", () => {
    const r = route(rules, "推进事业单位分类改革", "会议要求……");
    expect(r.columnName).toBe("事业单位改革");
    expect(r.divisionName).toBe("事业处");
    expect(r.columnReason).toContain("事业单位分类");
    expect(r.columnReason).toContain("标题+9");
    expect(r.divisionReason).toContain("附件2");
  });

  it("decides the division of 机构编制管理 by content cues", () => {
    const r = route(rules, "关于乡镇编制核定工作的报告", "对全县乡镇编制核定情况进行梳理");
    expect(r.columnName).toBe("机构编制管理");
    expect(r.divisionName).toBe("市县乡处");
    expect(r.divisionReason).toContain("乡镇");
  });

  it("sends 机构编制管理 without a cue to 综合处 triage", () => {
    const r = route(rules, "编制核定工作情况", "");
    expect(r.columnName).toBe("机构编制管理");
    expect(r.divisionName).toBe("综合处");
    expect(r.divisionReason).toContain("内容未指向具体处室");
  });

  it("leaves the column open on no hit, and on a tie, routing to the fallback", () => {
    const none = route(rules, "来函", "无关内容");
    expect(none.columnId).toBeNull();
    expect(none.divisionName).toBe("综合处");
    expect(none.columnReason).toContain("未命中");
    const tie = route(rules, "", "召开会议 编制核定"); // 工作动态 1 vs 机构编制管理 2 → not a tie
    expect(tie.columnName).toBe("机构编制管理");
    const tie2 = route({ ...rules, columnRules: [...rules.columnRules, { columnId: 12, pattern: "会议", isRegex: false, weight: 1 }] }, "", "召开会议 编制核定");
    expect(tie2.columnId).toBeNull();
    expect(tie2.columnReason).toContain("并列");
  });

  it("suggests leader review for important content", () => {
    expect(route(rules, "落实省委部署", "").importantHint).toContain("省委");
    expect(route(rules, "普通信息", "").importantHint).toBeNull();
  });
});
