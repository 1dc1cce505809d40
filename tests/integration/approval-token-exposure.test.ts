// Security review H2: an approver's out-of-office or a bounce quoting an approval request brought
// the live GW- token back into the intake, where it was listed with its subject on 运行状态 — an
// information-centre user read it there and forged a 同意 (DKIM off). Now: no stored row, no page
// and no log line holds a token, and a token that came back in such mail is void (the raw mail is
// kept, and so is the mailbox), with the approver sent one fresh request and the info
// administrators told. Through the real server, the real Maildir intake and the SQLite file.
import fs from "node:fs";
import Database from "better-sqlite3";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Maildir } from "../../src/sources/maildir.js";
import { emailReplies } from "../../src/approvals/reply-records.js";
import { serve, type Running } from "../../src/serve.js";
import { Client } from "../support/http-client.js";
import { outOfOffice, postfixBounce } from "../support/automatic-mail.js";
import * as shapes from "../../fixtures/replies/tools/shapes.js";

const HEAD = "zhangcaiyan@hebbb.example";
const PW = "Demo-pass-2026";
const TOKEN = /GW-[A-Z2-7]{26}/;
/** Any fragment of a token, in any width (and a whole one in any case): what must appear nowhere. */
const FRAGMENT = /[GＧ][WＷ]\s?[-－]\s?[A-Z2-7Ａ-Ｚ２-７]{4,}|[Gg][Ww]-[A-Za-z2-7]{26}/u;
let t: TestEnv;
let md: Maildir;
let running: Running;
const logs: string[] = [];
let n = 0;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PW);
  md = new Maildir(t.env.MAILDIR!);
  running = await serve(t.app, (l) => logs.push(l));
});
afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

async function ingest(raw: Buffer) {
  md.deliver(raw);
  await running.pollNow();
  await flushOutbox(t.app.db, t.app.config);
}
async function sentRequest(draftId: number, nth: "first" | "last" = "last") {
  const row = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId }, orderBy: { id: nth === "first" ? "asc" : "desc" } });
  const raw = fs.readFileSync(row.emlPath!);
  const m = await simpleParser(raw);
  const request = { subject: m.subject!, messageId: m.messageId!, text: m.text ?? "", html: typeof m.html === "string" ? m.html : null };
  const head = raw.toString("latin1").split(/\r?\n\r?\n/)[0]!;
  return { request, token: TOKEN.exec(request.subject)![0], head, subject: row.subject };
}
async function awaitingHead() {
  const i = ++n;
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: `报送：正定县事业单位分类改革进展（第${i}期）`, body: `第${i}期：正定县推进事业单位分类改革，公益一类事业单位编制核定工作有序开展。` }));
  await running.pollNow();
  const d = await t.app.db.draft.findFirstOrThrow({ where: { title: { contains: `第${i}期` } } });
  const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  return { draftId: d.id, ...(await sentRequest(d.id)) };
}

/** Every text cell of every table of the SQLite file, as an administrator with the file would read it. */
function databaseText(): string {
  const db = new Database(t.app.config.dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>;
    return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all(), (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v))).join("\n");
  } finally {
    db.close();
  }
}
async function infoCentre(): Promise<Client> {
  const c = new Client(running.url);
  expect((await c.signIn("lizhijian", PW)).status).toBe(302);
  return c;
}
const tokenRow = async (draftId: number, messageIdOf: string) =>
  t.app.db.approvalToken.findFirstOrThrow({ where: { requestMessageId: messageIdOf, reviewStep: { draftId } } });

describe("a token that came back in unrequested mail", () => {
  it("an out-of-office quoting the request: nowhere on 运行状态, in the database or the log; void; one fresh request; the info administrator told", async () => {
    const { draftId, request, token } = await awaitingHead();
    await ingest(outOfOffice({ from: HEAD, fromName: "张才彦", to: "gateway@hebbb.example", subject: request.subject, inReplyTo: request.messageId, id: `ooo-${draftId}@hebbb.example` }));

    const ignored = await t.app.db.intakeMessage.findFirstOrThrow({ where: { messageId: `<ooo-${draftId}@hebbb.example>` } });
    expect(ignored.outcome).toBe("ignored");
    expect(ignored.subject).toContain("自动回复");
    expect(ignored.subject).toContain("GW-〔已隐去〕");

    const status = await (await (await infoCentre()).req("/admin/status")).text();
    expect(status).toContain("自动回复");
    expect(status).not.toMatch(FRAGMENT);
    expect(databaseText()).not.toContain(token.slice(3));
    expect(logs.join("\n")).not.toMatch(FRAGMENT);

    // Whoever read the token elsewhere (the intake mailbox, the raw kept in DATA_DIR) approves nothing with it.
    expect((await tokenRow(draftId, request.messageId)).voidedAt).not.toBeNull();
    await ingest(shapes.qqMail({ request, from: HEAD, fromName: "张才彦", own: ["同意"] }));
    expect((await t.app.db.draft.findUniqueOrThrow({ where: { id: draftId } })).status).toBe("division_review");
    const replies = await emailReplies(t.app.db, draftId);
    expect(replies.map((r) => r.outcome)).toEqual(["邀请作废", "未生效"]);
    expect(replies[1]!.made).toContain("该审批邀请已作废");

    // The approver: a fresh request after the out-of-office, and one more after the reply to the void one.
    const requests = await t.app.db.outboundMail.findMany({ where: { kind: "approval_request", draftId }, orderBy: { id: "asc" } });
    expect(requests.map((r) => /^【.+?】/.exec(r.subject)![0])).toEqual(["【待审核】", "【重新发送】", "【重新发送】"]);
    const news = await t.app.db.outboundMail.findMany({ where: { kind: "approval_news", draftId } });
    expect(news.map((m) => m.subject)).toEqual([expect.stringContaining("张才彦自动回复（可能不在岗）")]);
    expect(news[0]!.text).toContain("已向审批人重新发送一次");

    // The fresh request still works: the approver, back, replies 同意 to it.
    const fresh = await sentRequest(draftId);
    expect(fresh.token).not.toBe(token);
    await ingest(shapes.qqMail({ request: fresh.request, from: HEAD, fromName: "张才彦", own: ["同意"] }));
    const step = await t.app.db.reviewStep.findFirstOrThrow({ where: { draftId, stage: "division_head" } });
    expect([step.status, step.channel]).toEqual(["approved", "email"]);
  });

  it("a second out-of-office for the fresh request voids it too, and sends nothing more (no mail loop)", async () => {
    const { draftId, request } = await awaitingHead();
    await ingest(outOfOffice({ from: HEAD, fromName: "张才彦", to: "gateway@hebbb.example", subject: request.subject, inReplyTo: request.messageId, id: `ooo1-${draftId}@hebbb.example` }));
    const fresh = await sentRequest(draftId);
    await ingest(outOfOffice({ from: HEAD, fromName: "张才彦", to: "gateway@hebbb.example", subject: fresh.request.subject, inReplyTo: fresh.request.messageId, id: `ooo2-${draftId}@hebbb.example` }));
    expect((await tokenRow(draftId, fresh.request.messageId)).voidedAt).not.toBeNull();
    expect(await t.app.db.outboundMail.count({ where: { kind: "approval_request", draftId } })).toBe(2);
    const news = await t.app.db.outboundMail.findMany({ where: { kind: "approval_news", draftId }, orderBy: { id: "asc" } });
    expect(news.at(-1)!.text).toContain("未重新发送");
  });

  it("a bounce carrying the request's headers (encoded subject): void, no fresh request to the failing address, the info administrator told", async () => {
    const { draftId, request, token, head } = await awaitingHead();
    expect(head).not.toContain(token); // the subject is sent as encoded words: only decoding finds it
    await ingest(postfixBounce({ to: "gateway@hebbb.example", failedRecipient: HEAD, requestHeaders: head, id: `dsn-${draftId}@mx.hebbb.example` }));
    const row = await t.app.db.intakeMessage.findFirstOrThrow({ where: { messageId: `<dsn-${draftId}@mx.hebbb.example>` } });
    expect(row.outcome).toBe("ignored");
    expect(row.error).toContain("退信");
    expect((await tokenRow(draftId, request.messageId)).voidedAt).not.toBeNull();
    expect(await t.app.db.outboundMail.count({ where: { kind: "approval_request", draftId } })).toBe(1);
    const news = await t.app.db.outboundMail.findMany({ where: { kind: "approval_news", draftId } });
    expect(news.map((m) => m.subject)).toEqual([expect.stringContaining("审批邮件被退信")]);
    const status = await (await (await infoCentre()).req("/admin/status")).text();
    expect(status).toContain("Undelivered Mail Returned to Sender");
    expect(status).not.toMatch(FRAGMENT);
    expect(databaseText()).not.toContain(token.slice(3));
    expect(logs.join("\n")).not.toMatch(FRAGMENT);
  });

  it("a submission forwarding the request (token in its text): the token is void, the 原件 shows none", async () => {
    const { draftId, request, token } = await awaitingHead();
    await ingest(
      submission({
        from: "zdbb@zd-gov.example",
        subject: "报送：正定县编制核定情况（附转发的审批邮件）",
        body: `正定县编制核定工作情况如下，公益一类事业单位编制核定完成。\n\n-------- 转发的邮件 --------\n主题：${request.subject}\n\n请审核。`,
      }),
    );
    expect((await tokenRow(draftId, request.messageId)).voidedAt).not.toBeNull();
    const d = await t.app.db.draft.findFirstOrThrow({ where: { title: { contains: "编制核定情况" } } });
    const admin = new Client(running.url);
    await admin.signIn("niulifeng", PW);
    const page = await (await admin.req(`/drafts/${d.id}`)).text();
    expect(page).toContain("编制核定");
    const original = /<section class="card original">[\s\S]*?<\/section>/.exec(page)?.[0] ?? "";
    expect(original).toContain("审批编号 GW-〔已隐去〕");
    expect(original).not.toContain(token);
    expect(logs.join("\n")).not.toMatch(FRAGMENT);
  });
});
