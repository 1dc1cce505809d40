import { describe, expect, it } from "vitest";
import { ownText, readDecision } from "../../src/approvals/reply-text.js";

const original = "以下信息报请您审核。\n如何审批：回复“同意”两个字即可。";

describe("reply decisions", () => {
  it.each([
    ["同意", "approve"],
    ["同意。", "approve"],
    ["批准！", "approve"],
    ["Approved", "approve"],
    ["同意。报马主任审批", "approve"],
    ["同意。但标题需修改", "comment"],
    ["同意？", "comment"],
    ["原则同意，但……", "comment"],
    ["同意，修改后发布", "comment"],
    ["不同意", "send_back"],
    ["退回：数据有误", "send_back"],
    ["请再核实一下数据", "comment"],
    ["", "empty"],
  ])("%j → %s", (text, kind) => {
    expect(readDecision(text).kind).toBe(kind);
  });

  it("takes the send-back reason from the same line or the next", () => {
    expect(readDecision("不同意，数据需核对")).toEqual({ kind: "send_back", reason: "数据需核对" });
    expect(readDecision("退回\n请补充改革后机构数量")).toEqual({ kind: "send_back", reason: "请补充改革后机构数量" });
  });

  it.each([
    ["Coremail/Outlook", `\n\n-----原始邮件-----\n发件人: 网关 <g@hebbb.example>\n发送时间: 2026年11月26日\n\n${original}`],
    ["QQ Mail/Foxmail", `\n\n------------------ 原始邮件 ------------------\n发件人: "网关"<g@hebbb.example>;\n\n${original}`],
    ["Outlook zh, no separator", `\n\n发件人： 网关 <g@hebbb.example>\n发送时间： 2026年11月26日\n${original}`],
    ["Gmail zh", `\n\n在 2026年11月26日周四 10:00，网关 <g@hebbb.example> 写道：\n> ${original}`],
    ["Gmail en, wrapped", `\n\nOn Thu, 26 Nov 2026 at 10:00, Gateway <g@hebbb.example>\nwrote:\n> ${original}`],
    ["Apple Mail", `\n\n发自我的iPhone\n\n> 在 2026年11月26日，10:00，网关 <g@hebbb.example> 写道：\n> ${original}`],
  ])("strips the quoted original (%s): an empty reply decides nothing", (_client, quote) => {
    expect(ownText(quote)).toBe("");
    expect(readDecision(quote).kind).toBe("empty");
    expect(readDecision(`同意${quote}`).kind).toBe("approve");
  });

  it("reads full-width and half-width colons alike", () => {
    expect(ownText("好的\n发件人: a\n同意")).toBe("好的");
    expect(ownText("好的\n发件人：a\n同意")).toBe("好的");
  });
});
