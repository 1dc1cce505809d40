// Security review M3 and L2: one administrator alone must not be able to approve in a 处长's name,
// and 三员分立 must not be left without a holder. The review's two paths, end to end against the
// real server and the Maildir intake:
//   (a) the system administrator resets the 处长's second factor and password, reads the one-time
//       password on 账号, signs in as the 处长 and approves;
//   (b) the security administrator re-registers the 处长's address to one they control and
//       approves by e-mail.
import fs from "node:fs";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Maildir } from "../../src/sources/maildir.js";
import { serve, type Running } from "../../src/serve.js";
import { Client, errorText, signInAdministrator } from "../support/http-client.js";
import * as shapes from "../../fixtures/replies/tools/shapes.js";

const PW = "Demo-pass-2026";
const HEAD = "zhangcaiyan@hebbb.example";
const PRIVATE = "sec.private@qq.example";
let t: TestEnv;
let md: Maildir;
let running: Running;
let sys: Client;
let sec: Client;
let n = 0;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PW);
  md = new Maildir(t.env.MAILDIR!);
  running = await serve(t.app, () => undefined);
  sys = await signInAdministrator(running.url, "xitong", PW);
  sec = await signInAdministrator(running.url, "anquan", PW);
});
afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

async function ingest(raw: Buffer) {
  md.deliver(raw);
  await t.app.maildirIntake().runOnce();
  await flushOutbox(t.app.db, t.app.config);
}
async function asSent(id: number) {
  const row = await t.app.db.outboundMail.findUniqueOrThrow({ where: { id } });
  await flushOutbox(t.app.db, t.app.config);
  const sent = await t.app.db.outboundMail.findUniqueOrThrow({ where: { id } });
  const m = await simpleParser(fs.readFileSync(sent.emlPath!));
  return { row, text: m.text ?? "", request: { subject: m.subject!, messageId: m.messageId!, text: m.text ?? "", html: typeof m.html === "string" ? m.html : null } };
}
async function awaitingHead() {
  const i = ++n;
  await ingest(submission({ from: "zdbb@zd-gov.example", subject: `报送：分类改革进展（第${i}期）`, body: `第${i}期：正定县推进事业单位分类改革，公益一类事业单位编制核定工作有序开展。` }));
  const d = await t.app.db.draft.findFirstOrThrow({ where: { title: { contains: `第${i}期` } } });
  const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  const row = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: d.id }, orderBy: { id: "desc" } });
  return { draftId: d.id, to: row.toAddress, ...(await asSent(row.id)) };
}
const headStep = (draftId: number) => t.app.db.reviewStep.findFirstOrThrow({ where: { draftId, stage: "division_head" } });
const lastMail = (kind: string, to: string) => t.app.db.outboundMail.findFirstOrThrow({ where: { kind, toAddress: to }, orderBy: { id: "desc" } });

describe("(a) the system administrator and the 处长's password", () => {
  it("cannot reset an approver's second factor from the web, and never sees the approver's one-time password", async () => {
    const { draftId } = await awaitingHead();
    const head = await t.app.db.user.findUniqueOrThrow({ where: { username: "zhangcaiyan" } });
    const r1 = await sys.post(`/admin/users/${head.id}/second-factor/reset`, { _csrf: await sys.csrf("/admin/users") });
    expect(r1.status).toBe(403);
    expect(errorText(await r1.text())).toContain("只能在服务器上");

    const before = await t.app.db.outboundMail.count({ where: { kind: "one_time_password" } });
    const r2 = await sys.post(`/admin/users/${head.id}/reset`, { _csrf: await sys.csrf("/admin/users") });
    expect(r2.status).toBe(302);
    const page = await (await sys.req("/admin/users")).text();
    expect(page).toContain(`一次性密码已发送到其登记邮箱 ${HEAD}`);
    expect(page).not.toMatch(/一次性密码：\S/);

    // What the administrator can read of the mail (the outbox row, 运行状态's mail detail) holds a placeholder.
    const mailRow = await lastMail("one_time_password", HEAD);
    expect(await t.app.db.outboundMail.count({ where: { kind: "one_time_password" } })).toBe(before + 1);
    expect(mailRow.text).toContain("〔一次性密码，发送时填入〕");
    const info = new Client(running.url);
    await info.signIn("lizhijian", PW);
    const detail = await (await info.req(`/admin/outbox/${mailRow.id}`)).text();
    expect(detail).toContain("〔一次性密码，发送时填入〕");

    // Guessing is all the administrator has left: the old password no longer signs in, and nothing approves.
    const as = new Client(running.url);
    expect((await as.signIn("zhangcaiyan", PW)).headers.get("location")).toBeNull(); // refused, no session
    expect((await headStep(draftId)).status).toBe("pending");

    // The 处长, with the mail in their own mailbox, signs in and must choose a password.
    const sent = await asSent(mailRow.id);
    const once = /一次性密码：\s*\n?\s*([A-Za-z0-9]{16})/.exec(sent.text)?.[1];
    expect(once).toBeTruthy();
    const own = new Client(running.url);
    expect((await own.signIn("zhangcaiyan", once!)).headers.get("location")).toMatch(/^\/password/);
    const audit = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "user.password_reset", entityId: String(head.id) }, orderBy: { id: "desc" } });
    expect(JSON.parse(audit.detail).oneTimePassword).toBe(`mailed to ${HEAD}`);
    // Put the demo password back for the next cases (as the 处长 would choose one).
    const r3 = await own.post("/password", { current: once!, next: "Zhang-caiyan-2026", confirm: "Zhang-caiyan-2026", _csrf: await own.csrf("/password") });
    expect(r3.status).toBe(302);
  });

  it("a non-approver's one-time password is still shown once to the administrator who hands it over", async () => {
    const u = await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } });
    await sys.post(`/admin/users/${u.id}/reset`, { _csrf: await sys.csrf("/admin/users") });
    expect(await (await sys.req("/admin/users")).text()).toMatch(/一次性密码：[A-Za-z0-9]{16}/);
  });
});

describe("(b) the security administrator and the 处长's registered address", () => {
  it("a new address waits for the person; the old address is told; a reply from the new one approves nothing", async () => {
    const p = await t.app.db.person.findFirstOrThrow({ where: { name: "张才彦" } });
    const res = await sec.post("/admin/people", { id: String(p.id), name: p.name, title: p.title ?? "", divisionId: String(p.divisionId ?? ""), leaderRank: p.leaderRank ?? "", email: PRIVATE, _csrf: await sec.csrf("/admin/people") });
    expect(res.status).toBe(302);
    expect(await (await sec.req("/admin/people")).text()).toContain("须本人确认后生效");
    const after = await t.app.db.person.findUniqueOrThrow({ where: { id: p.id } });
    expect([after.email, after.pendingEmail]).toEqual([HEAD, PRIVATE]);
    expect((await lastMail("address_notice", HEAD)).subject).toContain("有人申请变更");
    const confirmation = await lastMail("address_confirmation", PRIVATE);
    expect(confirmation.text).toContain("〔确认码，发送时填入〕");

    // The request still goes to the registered (old) address; the security administrator replies from theirs.
    const { draftId, to, request } = await awaitingHead();
    expect(to).toBe(HEAD);
    await ingest(shapes.qqMail({ request, from: PRIVATE, fromName: "张才彦", own: ["同意"] }));
    expect((await headStep(draftId)).status).toBe("pending");

    // The code in the mail to the new address does not confirm in the security administrator's own session.
    const code = /确认码：([A-Z2-9]{8})/.exec((await asSent(confirmation.id)).text)![1]!;
    const wrongSession = await sec.post("/account/email/confirm", { code, _csrf: await sec.csrf("/account/email") });
    expect(errorText(await wrongSession.text())).toContain("没有待确认的邮箱变更");
    expect((await t.app.db.person.findUniqueOrThrow({ where: { id: p.id } })).email).toBe(HEAD);

    // The person, signed in as themselves, confirms: the old request's token is void, a fresh one goes to the new address.
    const own = new Client(running.url);
    await own.signIn("zhangcaiyan", "Zhang-caiyan-2026");
    expect(errorText(await (await own.post("/account/email/confirm", { code: "WRONG123", _csrf: await own.csrf("/account/email") })).text())).toContain("确认码不正确");
    const ok = await own.post("/account/email/confirm", { code, _csrf: await own.csrf("/account/email") });
    expect(ok.status).toBe(302);
    expect((await t.app.db.person.findUniqueOrThrow({ where: { id: p.id } })).email).toBe(PRIVATE);
    // (The forged reply from the new address had voided its token and re-sent to the old address; that one is void now too.)
    const toOld = (await t.app.db.outboundMail.findMany({ where: { kind: "approval_request", draftId, toAddress: HEAD } })).map((m) => m.messageId);
    const oldTokens = await t.app.db.approvalToken.findMany({ where: { requestMessageId: { in: toOld } } });
    expect(oldTokens.length).toBe(2);
    expect(oldTokens.every((tk) => tk.voidedAt)).toBe(true);
    expect(oldTokens.map((tk) => tk.voidReason!.split(":")[0]).sort()).toEqual(["address_changed", "mail"]);
    await ingest(shapes.qqMail({ request, from: HEAD, fromName: "张才彦", own: ["同意"] }));
    expect((await headStep(draftId)).status).toBe("pending");
    const fresh = await lastMail("approval_request", PRIVATE);
    expect(fresh.subject).toContain("【重新发送】");
    expect((await lastMail("address_notice", HEAD)).subject).toContain("已变更");
    const actions = (await t.app.db.auditEvent.findMany({ where: { entityType: "person", entityId: String(p.id) }, orderBy: { id: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["person.email_change_requested", "person.email_confirm_failed", "person.email_changed"]));
  });
});

describe("L2: 三员分立 keeps a holder of each duty", () => {
  it("refuses to disable the last enabled security administrator and audit administrator, in Chinese", async () => {
    for (const username of ["anquan", "shenji"]) {
      const u = await t.app.db.user.findUniqueOrThrow({ where: { username } });
      const r = await sys.post(`/admin/users/${u.id}/disable`, { disabled: "1", _csrf: await sys.csrf("/admin/users") });
      expect(errorText(await r.text()), username).toMatch(/是唯一启用的(安全|审计)管理员/);
      expect((await t.app.db.user.findUniqueOrThrow({ where: { id: u.id } })).disabled).toBe(false);
    }
  });
});
