// Issue #12 case by case, through the real intake (Maildir, default configuration: DKIM off,
// no SMTP — the mail as sent is the development outbox's .eml): replies built in the shapes of
// the approvers' mail clients (fixtures/replies/tools/shapes.ts) answer real requests. Every
// forged or ambiguous reply leaves the step pending, is audited, and the approver is told; every
// reply that is not exactly an approval phrase is a comment; replies to the gateway's own
// notices are neither submissions nor decisions.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Maildir } from "../../src/sources/maildir.js";
import { emailReplies, noticeReplies } from "../../src/approvals/reply-records.js";
import { queueReceipts } from "../../src/approvals/requests.js";
import { composeReply } from "../../src/demo/reply.js";
import * as shapes from "../../fixtures/replies/tools/shapes.js";

const HEAD = "zhangcaiyan@hebbb.example";
let t: TestEnv;
let md: Maildir;
let n = 0;

beforeAll(async () => {
  t = await freshApp();
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  md = new Maildir(t.env.MAILDIR!);
});
afterAll(async () => {
  await t?.app.close();
});

async function asSent(outboundId: number): Promise<shapes.RequestMail> {
  const row = await t.app.db.outboundMail.findUniqueOrThrow({ where: { id: outboundId } });
  const m = await simpleParser(fs.readFileSync(row.emlPath!));
  return { subject: m.subject!, messageId: m.messageId!, text: m.text ?? "", html: typeof m.html === "string" ? m.html : null };
}

async function ingest(raw: Buffer) {
  md.deliver(raw);
  const results = await t.app.maildirIntake().runOnce();
  await flushOutbox(t.app.db, t.app.config);
  expect(results).toHaveLength(1);
  return results[0]!;
}

/** A new 事业处 item awaiting 处长审核, and the request mail as 张才彦 received it. */
async function awaitingHead(): Promise<{ draftId: number; request: shapes.RequestMail }> {
  const i = ++n;
  const r = await ingest(submission({ from: "zdbb@zd-gov.example", subject: `报送：正定县事业单位分类改革进展（第${i}期）`, body: `第${i}期：正定县推进事业单位分类改革，公益一类事业单位编制核定工作有序开展。` }));
  const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: r.draftId! } });
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  const row = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: d.id } });
  return { draftId: d.id, request: await asSent(row.id) };
}

const answer = (shape: shapes.Shape, request: shapes.RequestMail, own: string[], o: Partial<shapes.ReplySpec> = {}) => shape({ request, from: HEAD, fromName: "张才彦", own, ...o });
const status = async (id: number) => (await t.app.db.draft.findUniqueOrThrow({ where: { id } })).status;
const flags = async (id: number) => JSON.parse((await t.app.db.draft.findUniqueOrThrow({ where: { id } })).flags) as string[];

async function expectComment(draftId: number, own: string) {
  expect(await status(draftId)).toBe("division_review");
  const replies = await emailReplies(t.app.db, draftId);
  expect(replies.at(-1)).toMatchObject({ outcome: "意见", ownText: own, from: HEAD, approver: "张才彦", stage: "处长审核" });
  expect(await flags(draftId)).toContain("mail_comment");
  // The approver gets a new request saying how to approve in one line; the info administrator hears of the comment.
  const again = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId, subject: { startsWith: "【意见已记录】" } }, orderBy: { id: "desc" } });
  expect(again.toAddress).toBe(HEAD);
  expect(again.text).toContain(own.split("\n")[0]!);
  const news = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_news", draftId }, orderBy: { id: "desc" } });
  expect(news.toAddress).toBe("niulifeng@hebbb.example");
  expect(news.text).toContain("作为意见记录");
}

async function expectRefusedAndTold(draftId: number, reason: RegExp) {
  expect(await status(draftId)).toBe("division_review");
  const replies = await emailReplies(t.app.db, draftId);
  expect(replies.at(-1)!.outcome).toBe("未生效");
  expect(replies.at(-1)!.made).toMatch(reason);
  const told = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "refusal", draftId }, orderBy: { id: "desc" } });
  expect(told.toAddress).toBe(HEAD);
  expect(told.text).toMatch(reason);
  expect(await flags(draftId)).toContain("mail_refused");
}

describe("misread replies decide nothing", () => {
  // Case 1: HTML-only replies whose one typed line is 同意 followed by more (Outlook, Foxmail in HTML mode, phones).
  it.each([
    ["同意。 但第三段的数据请与统计年报核对，标题中的“进展”改为“新进展”后再发布，谢谢。", shapes.foxmail],
    ["同意! 但请把第三段删去，数字以统计年报为准，核对后再发布。此外标题太长，请压缩到二十字以内。", shapes.outlookWeb("zh")],
    ["同意 但第二段的数字请与编办统计年报再核对一遍，核对无误后再发布，标题也请改一改。", shapes.netease],
  ])("HTML only: %s is a comment", async (own, shape) => {
    const { draftId, request } = await awaitingHead();
    const r = await ingest(answer(shape, request, [own]));
    expect(r.outcome).toBe("reply");
    await expectComment(draftId, own);
    // The token is still valid after a comment: the ledger keeps the reply's subject without it.
    const token = /GW-([A-Z2-7]{26})/.exec(request.subject)![1]!;
    const kept = await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: r.intakeId } });
    expect(kept.subject).toContain("GW-〔已隐去〕");
    expect(kept.subject).not.toContain(token);
    expect(await t.app.db.auditEvent.count({ where: { detail: { contains: token } } })).toBe(0);
  });

  // Case 4: a condition on the second line, or conditional wording outside any list of words.
  it.each([
    [["同意", "但标题需修改"]],
    [["同意。标题改为《正定县事业单位分类改革取得新进展》后发布"]],
    [["同意。请删去第三段后再发布"]],
    [["同意", "", "栏目请改为“机构编制工作动态”"]],
  ])("%j is a comment", async (own) => {
    const { draftId, request } = await awaitingHead();
    await ingest(answer(shapes.qqMail, request, own));
    await expectComment(draftId, own.join("\n"));
  });

  it("words typed inside the quoted request make 同意 a comment", async () => {
    const { draftId, request } = await awaitingHead();
    const raw = answer(shapes.iphone, request, ["同意"]).toString("latin1");
    // iPhone Mail keeps what is typed inside the quote quoted: the text part gets a "> " line of the approver's own.
    const text = Buffer.from(/\r\n\r\n([A-Za-z0-9+/=\r\n]+)\r\n--/.exec(raw.slice(raw.indexOf("text/plain")))![1]!.replace(/\r\n/g, ""), "base64").toString("utf8");
    const edited = text.replace("> 【正文】", "> 【正文】\n> 但第一段的数字请核对");
    const patched = raw.replace(Buffer.from(text).toString("base64").replace(/.{76}/g, "$&\r\n"), Buffer.from(edited).toString("base64").replace(/.{76}/g, "$&\r\n"));
    expect(patched).not.toBe(raw);
    await ingest(Buffer.from(patched, "latin1"));
    expect(await status(draftId)).toBe("division_review");
    const last = (await emailReplies(t.app.db, draftId)).at(-1)!;
    expect(last.outcome).toBe("意见");
    expect(last.made).toContain("但第一段的数字请核对");
  });
});

describe("replies that say more than their text decide nothing", () => {
  it("a text part saying 同意 beside an HTML part saying more is a comment", async () => {
    const { draftId, request } = await awaitingHead();
    const raw = answer(shapes.qqMail, request, ["同意"]).toString("latin1");
    const htmlB64 = /text\/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)\r\n--/.exec(raw)![1]!;
    const html = Buffer.from(htmlB64.replace(/\r\n/g, ""), "base64").toString("utf8").replace("<div>同意</div>", "<div>同意</div><div>但标题需修改</div>");
    await ingest(Buffer.from(raw.replace(htmlB64, Buffer.from(html).toString("base64").replace(/.{76}/g, "$&\r\n")), "latin1"));
    expect(await status(draftId)).toBe("division_review");
    expect((await emailReplies(t.app.db, draftId)).at(-1)!.made).toContain("纯文本部分与 HTML 部分内容不一致");
  });

  it("同意 with a document attached is a comment: the attachment may carry changes", async () => {
    const { draftId, request } = await awaitingHead();
    const plain = answer(shapes.huawei(), request, ["同意"]).toString("latin1");
    const [head, body] = [plain.slice(0, plain.indexOf("\r\n\r\n")), plain.slice(plain.indexOf("\r\n\r\n") + 4)];
    const b = "mixed-boundary-1";
    const mixed = [
      head.replace(/^Content-Type: .*$/m, `Content-Type: multipart/mixed; boundary="${b}"`).replace(/^Content-Transfer-Encoding: .*\r\n?/m, ""),
      "",
      `--${b}`,
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      body.trim(),
      `--${b}`,
      `Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="=?UTF-8?B?${Buffer.from("修改稿.docx").toString("base64")}?="`,
      `Content-Disposition: attachment; filename="=?UTF-8?B?${Buffer.from("修改稿.docx").toString("base64")}?="`,
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("PK\x03\x04 not really a document").toString("base64"),
      `--${b}--`,
      "",
    ].join("\r\n");
    await ingest(Buffer.from(mixed, "latin1"));
    expect(await status(draftId)).toBe("division_review");
    expect((await emailReplies(t.app.db, draftId)).at(-1)!.made).toContain("回复带有附件（修改稿.docx）");
  });
});

describe("forged and ambiguous senders decide nothing", () => {
  it("a subject with two different tokens approves nothing", async () => {
    const a = await awaitingHead();
    const b = await awaitingHead();
    const tokenB = /GW-[A-Z2-7]{26}/.exec(b.request.subject)![0];
    await ingest(answer(shapes.qqMail, { ...a.request, subject: `${a.request.subject} ${tokenB}` }, ["同意"]));
    expect(await status(a.draftId)).toBe("division_review");
    expect(await status(b.draftId)).toBe("division_review");
  });

  // Case 5 (DKIM off): two From fields, the approver's first.
  it("two From fields approve nothing; the approver is told, the refusal audited", async () => {
    const { draftId, request } = await awaitingHead();
    const raw = answer(shapes.qqMail, request, ["同意"]).toString("latin1").replace(/^(From: .*)$/m, "$1\r\nFrom: attacker@evil.example");
    const r = await ingest(Buffer.from(raw, "latin1"));
    expect(r.reason).toContain("2 个 From 字段");
    await expectRefusedAndTold(draftId, /邮件头有歧义.*2 个 From 字段/);
  });

  it("a Sender other than the From approves nothing", async () => {
    const { draftId, request } = await awaitingHead();
    const raw = answer(shapes.gmail("zh"), request, ["同意"]).toString("latin1").replace(/^(From: .*)$/m, "$1\r\nSender: attacker@evil.example");
    await ingest(Buffer.from(raw, "latin1"));
    await expectRefusedAndTold(draftId, /Sender 字段（attacker@evil\.example）与 From 字段/);
  });

  it("the approver's From on a line starting with a vertical tab approves nothing, with DKIM off too", async () => {
    const { draftId, request } = await awaitingHead();
    const raw = answer(shapes.qqMail, request, ["同意"]).toString("latin1").replace(/^From: .*$/m, `From: attacker@evil.example\r\n\x0bFrom: ${HEAD}`);
    await ingest(Buffer.from(raw, "latin1"));
    await expectRefusedAndTold(draftId, /邮件头有歧义/);
  });

  it("a submission whose sender is ambiguous is not attributed to the registered unit it names", async () => {
    const raw = submission({ from: "zdbb@zd-gov.example", subject: "报送：正定县工作动态", body: "正定县编办召开机构编制工作会议。" }).toString("latin1").replace(/^(From: .*)$/m, "$1\r\nFrom: someone@evil.example");
    const r = await ingest(Buffer.from(raw, "latin1"));
    expect(r.outcome).toBe("draft");
    const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: r.draftId! } });
    expect(d).toMatchObject({ unitId: null, unitConfirmed: false });
    expect(d.unitReason).toContain("发件人无法确定（邮件头中有 2 个 From 字段）");
  });

  it("a reply that cannot be parsed fails alone, and the others in its batch are decided", async () => {
    const a = await awaitingHead();
    const b = await awaitingHead();
    md.deliver(Buffer.alloc(0));
    md.deliver(answer(shapes.coremail, a.request, ["同意"]));
    md.deliver(answer(shapes.coremail, b.request, ["不同意，数据需与统计年报核对"]));
    const results = await t.app.maildirIntake().runOnce();
    expect(results.map((r) => r.outcome).sort()).toEqual(["failed", "reply", "reply"]);
    expect(await status(a.draftId)).toBe("approved");
    expect(await status(b.draftId)).toBe("triage");
  });
});

describe("replies that were missed now decide", () => {
  it.each([
    ["bottom-posted (Thunderbird, with a signature)", shapes.thunderbird({ signature: ["张才彦", "河北省机构编制委员会办公室 事业处", "电话：0311-87901234"] }), ["同意"], "bottom"],
    ["interleaved (Thunderbird)", shapes.thunderbird(), ["同意"], "interleaved"],
    ["Gmail (zh) attribution 姓名 <addr> 于…写道：", shapes.gmail("zh"), ["同意"], "top"],
    ["GBK without a charset label (Huawei)", shapes.huawei({ charset: "gbk-unlabelled" }), ["同意"], "top"],
    ["同意，请发布 (QQ Mail)", shapes.qqMail, ["同意，请发布"], "top"],
    ["Outlook (de), header block Von/Gesendet/An/Betreff", shapes.outlook("de"), ["同意"], "top"],
  ] as const)("%s approves", async (_name, shape, own, posting) => {
    const { draftId, request } = await awaitingHead();
    await ingest(answer(shape, request, [...own], { posting }));
    expect(await status(draftId)).toBe("approved");
    const last = (await emailReplies(t.app.db, draftId)).at(-1)!;
    expect(last).toMatchObject({ outcome: "同意", ownText: own.join("\n") });
    expect(await flags(draftId)).toContain("mail_approved");
    const step = await t.app.db.reviewStep.findFirstOrThrow({ where: { draftId, stage: "division_head" } });
    expect(step).toMatchObject({ status: "approved", channel: "email", decidedByLabel: "张才彦", opinion: own.join("") });
    const news = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_news", draftId } });
    expect(news.subject).toContain("张才彦同意");
  });

  it("the demo's `gateway reply` answers the development outbox's request as a mail client would", async () => {
    const { draftId } = await awaitingHead();
    const row = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId } });
    await ingest(await composeReply(fs.readFileSync(row.emlPath!), "同意"));
    expect(await status(draftId)).toBe("approved");
  });

  it("不同意见请告知 is not a refusal: it is a comment", async () => {
    const { draftId, request } = await awaitingHead();
    await ingest(answer(shapes.coremail, request, ["不同意见请告知"]));
    await expectComment(draftId, "不同意见请告知");
  });

  it("不同意 with a reason sends back; the info administrator is told", async () => {
    const { draftId, request } = await awaitingHead();
    await ingest(answer(shapes.outlook("zh"), request, ["不同意，数据需与编办统计年报核对。"]));
    expect(await status(draftId)).toBe("triage");
    expect(await flags(draftId)).toContain("mail_sent_back");
    const news = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_news", draftId } });
    expect(news.text).toContain("数据需与编办统计年报核对");
  });
});

describe("replies to the gateway's own notices", () => {
  it.each([
    ["收到 to a 回执, threaded", "receipt", true],
    ["同意 to a 已发布 notice, threading headers stripped (subject mark only)", "published", false],
  ] as const)("%s is neither a submission nor a decision, and is kept", async (_name, kind, threaded) => {
    const { draftId, request } = await awaitingHead();
    await ingest(answer(shapes.qqMail, request, ["同意"]));
    const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
    const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: draftId } });
    if (kind === "published") await t.app.review.act(admin, d.id, d.version, "publish", {});
    await queueReceipts(t.app.db, t.app.config); // serve's sweep
    await flushOutbox(t.app.db, t.app.config);
    const notice = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind, draftId } });
    const unit = await asSent(notice.id);
    const drafts = await t.app.db.draft.count();
    const raw = shapes.qqMail({ request: unit, from: "zdbb@zd-gov.example", fromName: "正定县编办", own: [kind === "receipt" ? "收到" : "同意"] });
    const stripped = threaded ? raw : Buffer.from(raw.toString("latin1").replace(/^(In-Reply-To|References): .*\r\n/gm, ""), "latin1");
    const r = await ingest(stripped);
    expect(r.outcome).toBe("reply");
    expect(r.reason).toContain(kind === "receipt" ? "回执" : "已发布通知");
    expect(r.reason).toContain("不作为报送");
    expect(await t.app.db.draft.count()).toBe(drafts);
    const kept = await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: r.intakeId } });
    expect(kept.rawPath).toBeTruthy();
    const listed = (await noticeReplies(t.app.db))[0]!;
    expect(listed).toMatchObject({ intakeId: r.intakeId, from: "zdbb@zd-gov.example", how: threaded ? "邮件头表明是对该通知的回复" : "主题带有网关通知的标记" });
    expect(listed.ownText).toBe(kind === "receipt" ? "收到" : "同意");
    if (threaded) {
      expect(listed.draftId).toBe(draftId);
      expect((await emailReplies(t.app.db, draftId)).at(-1)).toMatchObject({ outcome: "单位回复通知", from: "zdbb@zd-gov.example", ownText: "收到" });
    }
  });
});
