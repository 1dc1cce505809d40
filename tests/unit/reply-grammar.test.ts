// The closed grammar of decisions and the pieces of reading a reply: signatures, attributions,
// localised quote headers, HTML quote structure, and the check that a quote is the request's.
import { describe, expect, it } from "vitest";
import { readDecision } from "../../src/approvals/decision.js";
import { isSignatureLine, splitReply } from "../../src/approvals/reply-text.js";
import { htmlReplyText } from "../../src/approvals/reply-html.js";
import { foreignQuoteLines } from "../../src/approvals/reply-body.js";

describe("closed grammar", () => {
  it.each([
    ["同意", "approve"],
    ["同意。", "approve"],
    ["同意！", "approve"],
    ["同意，请发布", "approve"],
    ["同意,请发布。", "approve"],
    ["同意发布", "approve"],
    ["批准", "approve"],
    ["可以发布", "approve"],
    ["Approved", "approve"],
    ["同 意", "approve"],
    ["同意 但标题需修改", "comment"],
    ["同意。 但……", "comment"],
    ["同意! 但……", "comment"],
    ["同意\n但标题需修改", "comment"],
    ["同意。标题改为《正定县事业单位分类改革取得新进展》后发布", "comment"],
    ["同意。请删去第三段后再发布", "comment"],
    ["同意。报马主任审批", "comment"],
    ["同意？", "comment"],
    ["同意吗", "comment"],
    ["原则同意，但……", "comment"],
    ["好的", "comment"],
    ["OK", "comment"],
    ["不同意，数据需核对", "send_back"],
    ["退回：数据有误", "send_back"],
    ["不同意发布，口径与年报不一致", "send_back"],
    ["不同意", "comment"],
    ["退回。", "comment"],
    ["不同意见请告知", "comment"],
    ["退回的那份已经改好了吗", "comment"],
    ["", "empty"],
  ])("%j → %s", (text, kind) => {
    expect(readDecision(text).kind).toBe(kind);
  });

  it("keeps the send-back reason as written, from the same line or the next", () => {
    expect(readDecision("不同意，数据需核对。")).toEqual({ kind: "send_back", reason: "数据需核对。" });
    expect(readDecision("退回\n请补充改革后机构数量")).toEqual({ kind: "send_back", reason: "请补充改革后机构数量" });
  });

  it("says why a phrase with more text is not an approval", () => {
    const d = readDecision("同意，但标题需修改");
    expect(d.kind === "comment" && d.why).toContain("审批用语之后还有其他内容");
  });
});

describe("reading a reply", () => {
  it("signature lines are a closed set: names, the office, titles, phones — nothing that can carry a condition", () => {
    expect(isSignatureLine("张才彦", ["张才彦"])).toBe(true);
    expect(isSignatureLine("河北省机构编制委员会办公室 事业处 处长", [])).toBe(true);
    expect(isSignatureLine("电话：0311-87901234", [])).toBe(true);
    expect(isSignatureLine("张才彦 但标题需修改", ["张才彦"])).toBe(false);
    expect(isSignatureLine("事业处意见：暂缓", [])).toBe(false);
    expect(splitReply("同意\n--\n但标题需修改").own).toBe("同意\n--\n但标题需修改");
    expect(splitReply("同意\n-- \n张才彦\n事业处", ["张才彦"]).own).toBe("同意");
  });

  it.each([
    ["Von", "Gesendet", "An", "Betreff"],
    ["De ", "Envoyé ", "À ", "Objet "],
    ["De", "Enviado", "Para", "Asunto"],
    ["Da", "Inviato", "A", "Oggetto"],
    ["Van", "Verzonden", "Aan", "Onderwerp"],
    ["差出人", "送信日時", "宛先", "件名"],
    ["寄件者", "寄件日期", "收件者", "主旨"],
  ])("cuts at a localised Outlook header block (%s: …)", (from, sent, to, subject) => {
    const text = `同意\n\n${from}: 网关 <g@hebbb.example>\n${sent}: 2026-11-26 10:00\n${to}: 张才彦\n${subject}: 【待审核】…\n\n如何审批：回复“同意”`;
    expect(splitReply(text).own).toBe("同意");
  });

  it.each([
    ["Am 26.11.2026 um 10:00 schrieb 网关 <g@hebbb.example>:"],
    ["Le jeu. 26 nov. 2026 à 10:00, 网关 <g@hebbb.example> a écrit :"],
    ["El jue, 26 nov 2026 a las 10:00, 网关 (<g@hebbb.example>) escribió:"],
    ["Il giorno gio 26 nov 2026 alle ore 10:00 网关 <g@hebbb.example> ha scritto:"],
    ["Op do 26 nov 2026 om 10:00 schreef 网关 <g@hebbb.example>:"],
    ["Em qui., 26 de nov. de 2026 às 10:00, 网关 <g@hebbb.example> escreveu:"],
    ["In data 26 novembre 2026 10:00:31 \"网关\" <g@hebbb.example> ha scritto:"],
    ["tor. 26. nov. 2026 kl. 10:00 skrev 网关 <g@hebbb.example>:"],
  ])("drops a localised attribution line above a quote: %s", (attr) => {
    expect(splitReply(`同意\n\n${attr}\n> 如何审批：回复“同意”`).own).toBe("同意");
  });

  it("reads Gmail's attribution wrapped so that its last line is just \">:\"", () => {
    expect(splitReply("同意\n\nOn Thu, Nov 26, 2026 at 10:00 AM 网关 <g@hebbb.example\n> wrote:\n\n> 原文").own).toBe("同意");
    expect(splitReply("同意\n\ntor. 26. nov. 2026 kl. 10:00 skrev 网关 <g@hebbb.example\n>:\n\n> 原文").own).toBe("同意");
  });

  it("drops Outlook mobile's signature with its link, and a Danish quote header", () => {
    expect(splitReply("同意\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\nFrom: 网关\nSent: Thursday\n\n原文").own).toBe("同意");
    expect(splitReply("同意\n\nGesendet von Outlook für Android<https://aka.ms/AAb9ysg>").own).toBe("同意");
    expect(splitReply("同意\n\n-------- Oprindelig besked --------\nFra: 网关 <g@hebbb.example>\nDato: 26.11.2026\n\n原文").own).toBe("同意");
  });

  it("does not take an own line for the start of a wrapped attribution", () => {
    expect(splitReply("同意\n张三 <z@hebbb.example> 于2026年11月26日写道：\n> 原文").own).toBe("同意");
  });

  it("reads HTML without wrapping, block elements as lines, the quote marked", () => {
    const long = `同意 但${"数字请与统计年报核对，".repeat(10)}`;
    expect(htmlReplyText(`<div>${long}</div><blockquote><div>原文</div></blockquote>`)).toBe(`${long}\n> 原文`);
    expect(htmlReplyText("<p>第一段</p><p>第二段<br>第二行</p>")).toBe("第一段\n第二段\n第二行");
  });

  it("finds words typed inside the quote: a quote that is not the request cannot approve", () => {
    const request = { subject: "【待审核】标题", text: "信息名称：标题\n【正文】\n第一段。\n如何审批：回复“同意”", html: null };
    expect(foreignQuoteLines(["> 信息名称：标题", "> 【正文】", "> 发件人: 网关", "> 第一段。"], request)).toEqual([]);
    expect(foreignQuoteLines(["> 第一段。", "> 但第二段要改", "> 如何审批"], request)).toEqual(["但第二段要改"]);
  });
});
