// Approve by replying to an e-mail, end to end with real servers: the request goes out over SMTP
// (a capturing smtp-server), replies are composed as mail clients write them and delivered to the
// test Dovecot by IMAP APPEND, and the IMAP poller applies them. A forged, replayed, forwarded or
// ambiguous reply approves nothing. The key cases of issue #12 run here against Dovecot; the
// rest of them through the Maildir in approvals-forged.test.ts.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { startSmtpCapture, type CapturedMail } from "../support/smtp-capture.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Dovecot } from "../support/dovecot.js";
import { ImapIntake } from "../../src/sources/imap/intake.js";
import type { Actor } from "../../src/domain/roles.js";
import * as shapes from "../../fixtures/replies/tools/shapes.js";

let t: TestEnv;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let dovecot: Dovecot;
let intake: ImapIntake;
let admin: Actor;
let n = 0;

const HEAD = "zhangcaiyan@hebbb.example"; // 张才彦, 事业处处长
const LEADER = "mayun@hebbb.example"; // 马云, 副主任

const mailbox = { user: "xinxi", pass: "intake-test-pass" };

beforeAll(async () => {
  smtp = await startSmtpCapture();
  dovecot = new Dovecot({ users: [mailbox] });
  await dovecot.start();
  t = await freshApp({ SMTP_URL: smtp.url, IMAP_URL: dovecot.url("INBOX", mailbox) });
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  const made = ImapIntake.create({ db: t.app.db, pipeline: t.app.pipeline, config: t.app.config, url: t.env.IMAP_URL! });
  if (!made.ok) throw new Error(made.error);
  intake = made.intake;
}, 60_000);

afterAll(async () => {
  await t?.app.close();
  await smtp?.stop();
  await dovecot?.destroy();
});

const deliver = (m: Buffer) => dovecot.append("INBOX", m, { user: mailbox });

async function poll() {
  const run = await intake.runOnce();
  if (!run.ok) throw new Error(`IMAP pass failed: ${run.reason}`);
  await flushOutbox(t.app.db, t.app.config);
  return run.results;
}

/** A new 事业处 item sent for 处长审核; returns it with the request mail the head received. */
async function itemAwaitingHead(important = false): Promise<{ draftId: number; request: CapturedMail }> {
  const i = ++n;
  await deliver(submission({ from: "zdbb@zd-gov.example", subject: `报送：正定县事业单位分类改革进展（第${i}期）`, body: `第${i}期：正定县推进事业单位分类改革，公益一类事业单位编制核定工作有序开展。` }));
  const [r] = await poll();
  let d = await t.app.db.draft.findUniqueOrThrow({ where: { id: r!.draftId! } });
  if (important) d = await t.app.review.triage(admin, d.id, d.version, { unitId: d.unitId, columnId: d.columnId, divisionId: d.divisionId, important: true });
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  const request = await smtp.waitFor((m) => m.to.includes(HEAD) && m.parsed.subject!.includes(`第${i}期`) && m.parsed.subject!.startsWith("【待审核】"));
  return { draftId: d.id, request };
}

interface ReplyOpts {
  from: string;
  to?: CapturedMail;
  body: string;
  subject?: string;
  inReplyTo?: string | null;
  extraHeaders?: string[];
  quote?: "outlook" | "qq" | "gmail" | "none";
}

/** A reply as a mail client writes it: 回复： subject, threading headers, the original quoted below. */
function reply(o: ReplyOpts): Buffer {
  const req = o.to!;
  const subject = o.subject ?? `回复：${req.parsed.subject}`;
  const inReplyTo = o.inReplyTo === undefined ? req.parsed.messageId! : o.inReplyTo;
  const original = req.parsed.text ?? "";
  const quotes = {
    outlook: `\n\n-----原始邮件-----\n发件人: 河北省编办信息报送网关 <gateway@hebbb.example>\n发送时间: 2026年11月26日 10:00\n收件人: ${o.from}\n主题: ${req.parsed.subject}\n\n${original}`,
    qq: `\n\n------------------ 原始邮件 ------------------\n发件人: "河北省编办信息报送网关"<gateway@hebbb.example>;\n发送时间: 2026年11月26日(星期四) 上午10:00\n\n${original}`,
    gmail: `\n\n在 2026年11月26日周四 10:00，河北省编办信息报送网关 <gateway@hebbb.example> 写道：\n${original.split("\n").map((l) => `> ${l}`).join("\n")}`,
    none: "",
  };
  const text = o.body + quotes[o.quote ?? "outlook"];
  const enc = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;
  return Buffer.from(
    [
      `From: ${o.from}`,
      "To: gateway@hebbb.example",
      `Subject: ${enc(subject)}`,
      `Message-ID: <reply-${Math.random().toString(36).slice(2)}@hebbb.example>`,
      ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`, `References: ${inReplyTo}`] : []),
      ...(o.extraHeaders ?? []),
      "Date: Thu, 26 Nov 2026 10:05:00 +0800",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(text).toString("base64").replace(/.{76}/g, "$&\r\n"),
      "",
    ].join("\r\n"),
  );
}

async function deliverReply(o: ReplyOpts) {
  await deliver(reply(o));
  const results = await poll();
  expect(results).toHaveLength(1);
  return results[0]!;
}

const status = async (id: number) => (await t.app.db.draft.findUniqueOrThrow({ where: { id } })).status;

describe("approve by reply", () => {
  it("sends the request with the 审批表 fields, instructions and a token, over SMTP", async () => {
    const { request } = await itemAwaitingHead();
    expect(request.parsed.subject).toMatch(/\[审批编号 GW-[A-Z2-7]{26}\]/);
    expect(request.parsed.text).toContain("信息名称：正定县事业单位分类改革进展");
    expect(request.parsed.text).toContain("拟发栏目：事业单位改革");
    expect(request.parsed.text).toContain("只回复以下用语之一，不加任何其他内容：同意、同意发布、同意，请发布");
    expect(request.parsed.text).toContain("其他任何内容（带条件的同意、修改意见、提问）都只作为意见记录");
    expect(request.parsed.messageId).toMatch(/^<gw-approval\./);
    // The token is in clear only in the mail as sent: not in the stored copy, not in the database.
    const token = /GW-([A-Z2-7]{26})/.exec(request.parsed.subject!)![1]!;
    const stored = await t.app.db.outboundMail.findUniqueOrThrow({ where: { messageId: request.parsed.messageId! } });
    expect(stored.subject).toContain("GW-〔已隐去〕");
    expect(stored.subject + stored.text + (stored.html ?? "")).not.toContain(token);
    expect(fs.readFileSync(t.app.config.dbFile).includes(token)).toBe(false);
  });

  it("同意 approves (处长审核), recorded with channel e-mail, and the approver is told", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const r = await deliverReply({ from: HEAD, to: request, body: "同意" });
    expect(r.outcome).toBe("reply");
    expect(await status(draftId)).toBe("approved");
    const step = await t.app.db.reviewStep.findFirstOrThrow({ where: { draftId, stage: "division_head" } });
    expect(step).toMatchObject({ status: "approved", channel: "email", decidedByLabel: "张才彦", opinion: "同意" });
    await smtp.waitFor((m) => m.to.includes(HEAD) && m.parsed.subject!.startsWith("【已记录】"));
  });

  it("不同意 (which contains 同意) sends back with the reason, never approves", async () => {
    const { draftId, request } = await itemAwaitingHead();
    await deliverReply({ from: HEAD, to: request, body: "不同意，数据需与编办统计年报核对。" });
    expect(await status(draftId)).toBe("triage");
    const step = await t.app.db.reviewStep.findFirstOrThrow({ where: { draftId } });
    expect(step).toMatchObject({ status: "returned", opinion: "数据需与编办统计年报核对。" });
  });

  it("an empty reply whose quoted original contains 同意 decides nothing", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const r = await deliverReply({ from: HEAD, to: request, body: "" });
    expect(r.reason).toContain("未生效");
    expect(await status(draftId)).toBe("division_review");
  });

  it.each([["原则同意，但标题请再斟酌。"], ["同意？"]])("%s is a comment, not a decision", async (body) => {
    const { draftId, request } = await itemAwaitingHead();
    const r = await deliverReply({ from: HEAD, to: request, body, quote: "qq" });
    expect(r.reason).toContain("意见");
    expect(await status(draftId)).toBe("division_review");
    const ev = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "approval.comment", entityId: String(draftId) } });
    expect(ev.detail).toContain(body.slice(0, 4));
  });

  it("a forged From without the token approves nothing, and the approver is warned", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const before = smtp.mails.length;
    await deliverReply({ from: HEAD, to: request, body: "同意", subject: `回复：正定县事业单位分类改革进展` });
    expect(await status(draftId)).toBe("division_review");
    const warn = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.parsed.subject!.startsWith("【未生效】"));
    expect(warn.to).toEqual([HEAD]);
  });

  it("a token copied into another item's thread approves neither item", async () => {
    const a = await itemAwaitingHead();
    const b = await itemAwaitingHead();
    await deliverReply({ from: HEAD, to: a.request, body: "同意", inReplyTo: b.request.parsed.messageId! });
    expect(await status(a.draftId)).toBe("division_review");
    expect(await status(b.draftId)).toBe("division_review");
  });

  it("a colleague the request was forwarded to cannot approve; the refusal goes to the registered approver, not the sender", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const before = smtp.mails.length;
    await deliverReply({ from: "niulifeng@hebbb.example", to: request, body: "同意", extraHeaders: ["Reply-To: attacker@evil.example"] });
    expect(await status(draftId)).toBe("division_review");
    const warn = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.parsed.subject!.startsWith("【未生效】"));
    expect(warn.to).toEqual([HEAD]);
    expect(warn.parsed.text).toContain("niulifeng@hebbb.example");
    const refusals = smtp.mails.slice(before).filter((m) => m.parsed.subject!.startsWith("【未生效】"));
    expect(refusals.map((m) => m.to)).toEqual([[HEAD]]);
    expect(smtp.mails.some((m) => m.to.includes("attacker@evil.example"))).toBe(false);
  });

  it("a replay after the decision decides nothing", async () => {
    const { draftId, request } = await itemAwaitingHead(true);
    await deliverReply({ from: HEAD, to: request, body: "同意" });
    expect(await status(draftId)).toBe("leader_review");
    const again = await deliverReply({ from: HEAD, to: request, body: "不同意，撤回" });
    expect(again.reason).toContain("已使用");
    expect(await status(draftId)).toBe("leader_review");
  });

  it("an expired token decides nothing", async () => {
    const { draftId, request } = await itemAwaitingHead();
    await t.app.db.approvalToken.updateMany({ where: { reviewStep: { draftId } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const r = await deliverReply({ from: HEAD, to: request, body: "同意" });
    expect(r.reason).toContain("过期");
    expect(await status(draftId)).toBe("division_review");
  });

  it("an out-of-office reply is neither a submission nor a decision", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const drafts = await t.app.db.draft.count();
    const r = await deliverReply({ from: HEAD, to: request, body: "我正在休假，11月30日返回。", subject: `自动回复：${request.parsed.subject}`, extraHeaders: ["Auto-Submitted: auto-replied"], quote: "none" });
    expect(r.outcome).toBe("ignored");
    expect(await status(draftId)).toBe("division_review");
    expect(await t.app.db.draft.count()).toBe(drafts);
  });

  it("an answer below the quote (bottom-posting) still decides", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const quoted = (request.parsed.text ?? "").split("\n").map((l) => `> ${l}`).join("\n");
    await deliverReply({ from: HEAD, to: request, body: `${quoted}\n\n同意`, quote: "none" });
    expect(await status(draftId)).toBe("approved");
  });

  it("the leader approves an important item by reply (Gmail quoting); the 审批表 gets 副主任批示", async () => {
    const { draftId, request } = await itemAwaitingHead(true);
    await deliverReply({ from: HEAD, to: request, body: "同意", quote: "gmail" });
    expect(await status(draftId)).toBe("leader_review");
    await flushOutbox(t.app.db, t.app.config);
    const leaderRequest = await smtp.waitFor((m) => m.to.includes(LEADER) && m.parsed.subject!.includes(request.parsed.subject!.replace(/^【待审核】/, "").replace(/ \[审批编号.*$/, "")));
    expect(leaderRequest.parsed.text).toContain("处长审核意见：同意");
    await deliverReply({ from: LEADER, to: leaderRequest, body: "同意" });
    expect(await status(draftId)).toBe("approved");
    const steps = await t.app.db.reviewStep.findMany({ where: { draftId }, orderBy: { id: "asc" } });
    expect(steps.map((s) => [s.stage, s.status, s.channel])).toEqual([
      ["division_head", "approved", "email"],
      ["deputy_director", "approved", "email"],
    ]);
  });

  // Issue #12, case 1, with the default configuration: Outlook sends HTML only, and a one-line
  // "同意 但……" longer than 80 characters once came out of the HTML as "同意" + a new line.
  it("an HTML-only 同意 但…… longer than 80 characters is a comment, shown to the info administrator", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const own = "同意 但第二段的数字请与编办统计年报再核对一遍，核对无误后再发布，标题中的“进展”也请改为“新进展”，谢谢。";
    expect(own.length).toBeGreaterThan(50);
    const before = smtp.mails.length;
    await deliver(shapes.outlook("zh", { htmlOnly: true })({ request: sent(request), from: HEAD, fromName: "张才彦", own: [own] }));
    const [r] = await poll();
    expect(r!.reason).toContain("意见");
    expect(await status(draftId)).toBe("division_review");
    const again = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(HEAD) && m.parsed.subject!.startsWith("【意见已记录】"));
    expect(again.parsed.subject).toMatch(/\[审批编号 GW-[A-Z2-7]{26}\]/);
    expect(again.parsed.text).toContain("正文只写“同意”两个字");
    const news = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes("niulifeng@hebbb.example") && m.parsed.subject!.startsWith("【邮件审批】"));
    expect(news.parsed.text).toContain(own);
    expect((await t.app.db.draft.findUniqueOrThrow({ where: { id: draftId } })).flags).toContain("mail_comment");
    // Replying 同意 to the gateway's answer approves: it carries a token of its own.
    await deliver(shapes.qqMail({ request: sent(again), from: HEAD, fromName: "张才彦", own: ["同意"] }));
    await poll();
    expect(await status(draftId)).toBe("approved");
  });

  // Issue #12, case 5 (DKIM off): "From: approver, attacker" names the approver first.
  it("a From with the approver and an attacker approves nothing; the approver is told", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const before = smtp.mails.length;
    const raw = shapes.qqMail({ request: sent(request), from: HEAD, fromName: "张才彦", own: ["同意"] }).toString("latin1").replace(/^From: .*$/m, `From: ${HEAD}, attacker@evil.example`);
    await deliver(Buffer.from(raw, "latin1"));
    const [r] = await poll();
    expect(r!.reason).toContain("From 字段含 2 个地址");
    expect(await status(draftId)).toBe("division_review");
    const warn = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.parsed.subject!.startsWith("【未生效】"));
    expect(warn.to).toEqual([HEAD]);
    expect(warn.parsed.text).toContain("邮件头有歧义");
    expect(await t.app.db.auditEvent.count({ where: { action: "approval.refused", entityId: String(draftId) } })).toBe(1);
  });

  // Issue #12, case 2, through Dovecot: the server keeps the vertical tab, and the reply decides nothing.
  it("the approver's From on a line starting with a vertical tab approves nothing", async () => {
    const { draftId, request } = await itemAwaitingHead();
    const before = smtp.mails.length;
    const raw = shapes.qqMail({ request: sent(request), from: "attacker@evil.example", fromName: "张才彦", own: ["同意"] }).toString("latin1").replace(/^(To: .*)$/m, `$1\r\n\x0bFrom: ${HEAD}`);
    await deliver(Buffer.from(raw, "latin1"));
    const [r] = await poll();
    expect(r!.reason).toContain("邮件头有歧义");
    expect(await status(draftId)).toBe("division_review");
    const warn = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.parsed.subject!.startsWith("【未生效】"));
    expect(warn.to).toEqual([HEAD]);
  });

  it.each([
    ["Foxmail, HTML only", shapes.foxmail],
    ["Gmail (zh), attribution wrapped", shapes.gmail("zh", { wrapAttribution: true })],
    ["Thunderbird, bottom-posted with a signature", shapes.thunderbird({ signature: ["张才彦", "河北省机构编制委员会办公室 事业处"] })],
    ["Huawei, GBK without a charset label", shapes.huawei({ charset: "gbk-unlabelled" })],
  ])("同意 from %s approves", async (_client, shape) => {
    const { draftId, request } = await itemAwaitingHead();
    await deliver(shape({ request: sent(request), from: HEAD, fromName: "张才彦", own: ["同意"], posting: "bottom" }));
    await poll();
    expect(await status(draftId)).toBe("approved");
  });
});

/** A captured request as the reply shapes quote it. */
function sent(m: CapturedMail): shapes.RequestMail {
  return { subject: m.parsed.subject!, messageId: m.parsed.messageId!, text: m.parsed.text ?? "", html: typeof m.parsed.html === "string" ? m.parsed.html : null };
}
