// Approve by replying to an e-mail, end to end with real servers: the request goes out over SMTP
// (a capturing smtp-server), replies are composed as mail clients write them and delivered to the
// test Dovecot by IMAP APPEND, and the IMAP poller applies them. A forged, replayed, forwarded or
// ambiguous reply approves nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { startSmtpCapture, type CapturedMail } from "../support/smtp-capture.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Dovecot } from "../support/dovecot.js";
import { ImapIntake } from "../../src/pipeline/imap-intake.js";
import type { Actor } from "../../src/domain/roles.js";

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
    expect(request.parsed.text).toContain("回复“同意”");
    expect(request.parsed.messageId).toMatch(/^<gw-approval\./);
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
    expect(smtp.mails.some((m) => m.to.includes("attacker@evil.example") || m.to.includes("niulifeng@hebbb.example"))).toBe(false);
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
    await deliverReply({ from: HEAD, to: request, body: "同意。报马主任审批", quote: "gmail" });
    expect(await status(draftId)).toBe("leader_review");
    await flushOutbox(t.app.db, t.app.config);
    const leaderRequest = await smtp.waitFor((m) => m.to.includes(LEADER) && m.parsed.subject!.includes(request.parsed.subject!.replace(/^【待审核】/, "").replace(/ \[审批编号.*$/, "")));
    expect(leaderRequest.parsed.text).toContain("处长审核意见：报马主任审批");
    await deliverReply({ from: LEADER, to: leaderRequest, body: "同意" });
    expect(await status(draftId)).toBe("approved");
    const steps = await t.app.db.reviewStep.findMany({ where: { draftId }, orderBy: { id: "asc" } });
    expect(steps.map((s) => [s.stage, s.status, s.channel])).toEqual([
      ["division_head", "approved", "email"],
      ["deputy_director", "approved", "email"],
    ]);
  });
});
