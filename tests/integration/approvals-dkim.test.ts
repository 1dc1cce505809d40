// APPROVAL_DKIM=required: a reply decides only with a DKIM signature of the approver's own domain
// over the whole body and its From, Subject and Content-Type — verified here with mailauth against
// DNS records made by this test (no network), or read from Authentication-Results, but only the
// receiving server's own (TRUSTED_AUTHSERV_ID, topmost, the only instance with that id). Replies
// are signed with mailauth's signer, as the approver's (or the attacker's) mail server would, and
// delivered through the real intake (Maildir).
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dkimSign } from "mailauth/lib/dkim/sign.js";
import { simpleParser } from "mailparser";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Maildir } from "../../src/sources/maildir.js";

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), p: publicKey.export({ type: "spki", format: "der" }).toString("base64") };
}
const approverKey = keyPair();
const attackerKey = keyPair();
// The approver's domain and an attacker's own domain, each with a key and a DMARC policy that passes.
const dns: Record<string, string[][]> = {
  "gw2026._domainkey.hebbb.example": [[`v=DKIM1; k=rsa; p=${approverKey.p}`]],
  "_dmarc.hebbb.example": [["v=DMARC1; p=reject; adkim=s; aspf=r"]],
  "s1._domainkey.evil.example": [[`v=DKIM1; k=rsa; p=${attackerKey.p}`]],
  "_dmarc.evil.example": [["v=DMARC1; p=reject; adkim=r; aspf=r"]],
};
async function resolver(name: string, rr: string): Promise<unknown> {
  // A DNS server that does not answer for this selector.
  if (name.startsWith("down._domainkey.")) throw Object.assign(new Error(`queryTxt ETIMEOUT ${name}`), { code: "ETIMEOUT" });
  const hit = rr === "TXT" ? dns[name.toLowerCase()] : undefined;
  if (hit) return hit;
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
}

const HEAD = "zhangcaiyan@hebbb.example";
let t: TestEnv;
let md: Maildir;
let n = 0;

beforeAll(async () => {
  t = await freshApp({ APPROVAL_DKIM: "required", TRUSTED_AUTHSERV_ID: "mx.hebbb.example" }, { dnsResolver: resolver });
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  md = new Maildir(t.env.MAILDIR!);
});

afterAll(async () => {
  await t?.app.close();
});

interface Request {
  draftId: number;
  subject: string;
  messageId: string;
}

async function awaitingHead(): Promise<Request> {
  const i = ++n;
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: `正定县事业单位分类改革（DKIM ${i}）`, body: `第${i}次：正定县推进事业单位分类改革。` }));
  const [r] = await t.app.maildirIntake().runOnce();
  const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: r!.draftId! } });
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  // Without SMTP_URL the mail as sent is the development outbox's .eml: the only place with the token.
  const row = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: d.id } });
  expect(fs.statSync(row.emlPath!).mode & 0o777).toBe(0o600);
  const mail = await simpleParser(fs.readFileSync(row.emlPath!));
  return { draftId: d.id, subject: mail.subject!, messageId: row.messageId };
}

function reply(req: Request, o: { from?: string; top?: string[]; body?: string } = {}): Buffer {
  // Header lines above as raw bytes (a 0xA0 byte stays one byte), the rest UTF-8.
  const top = Buffer.from((o.top ?? []).map((l) => `${l}\r\n`).join(""), "latin1");
  const rest = Buffer.from(
    [
      `From: ${o.from ?? HEAD}`,
      "To: gateway@hebbb.example",
      `Subject: =?UTF-8?B?${Buffer.from(`回复：${req.subject}`).toString("base64")}?=`,
      `Message-ID: <dkim-${Math.random().toString(36).slice(2)}@hebbb.example>`,
      `In-Reply-To: ${req.messageId}`,
      `References: ${req.messageId}`,
      "Date: Thu, 26 Nov 2026 10:05:00 +0800",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      o.body ?? "同意",
      "",
    ].join("\r\n"),
  );
  return Buffer.concat([top, rest]);
}

async function signed(raw: Buffer, o: { domain?: string; selector?: string; pem?: string; headerList?: string; bodyLength?: number } = {}): Promise<Buffer> {
  // mailauth reads the keys from signatureData; its typings list only the single-key form.
  const r = await dkimSign(raw, {
    signatureData: [{ signingDomain: o.domain ?? "hebbb.example", selector: o.selector ?? "gw2026", privateKey: o.pem ?? approverKey.pem, ...(o.bodyLength ? { maxBodyLength: o.bodyLength } : {}) }],
    ...(o.headerList ? { headerList: o.headerList } : {}),
  } as never);
  return Buffer.concat([Buffer.from(r.signatures), raw]);
}

async function decide(raw: Buffer) {
  md.deliver(raw);
  const [r] = await t.app.maildirIntake().runOnce();
  await flushOutbox(t.app.db, t.app.config);
  return r!;
}

const status = async (id: number) => (await t.app.db.draft.findUniqueOrThrow({ where: { id } })).status;

/** The step is still pending, the refusal audited with its reason, and the registered approver told. */
async function refusedAndTold(req: Request, reason: RegExp) {
  expect(await status(req.draftId)).toBe("division_review");
  const ev = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "approval.refused", entityId: String(req.draftId) }, orderBy: { id: "desc" } });
  expect((JSON.parse(ev.detail) as { reason: string }).reason).toMatch(reason);
  const told = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "refusal", draftId: req.draftId }, orderBy: { id: "desc" } });
  expect(told.toAddress).toBe(HEAD);
  expect(told.text).toMatch(reason);
}

describe("approve by reply with DKIM required", () => {
  it("a reply signed by the approver's domain approves", async () => {
    const req = await awaitingHead();
    const r = await decide(await signed(reply(req)));
    expect(r.reason).toBe("张才彦通过邮件同意（处长审核）");
    expect(await status(req.draftId)).toBe("approved");
  });

  it("the same reply unsigned approves nothing", async () => {
    const req = await awaitingHead();
    const r = await decide(reply(req));
    expect(r.reason).toContain("DKIM");
    await refusedAndTold(req, /没有审批人所在域 hebbb\.example 的有效 DKIM 签名/);
  });

  it("a signed reply whose body was altered on the way approves nothing", async () => {
    const req = await awaitingHead();
    const tampered = Buffer.from((await signed(reply(req, { body: "不同意，口径有误" }))).toString().replace("不同意，口径有误", "同意"));
    await decide(tampered);
    await refusedAndTold(req, /DKIM/);
  });

  // Issue #12, case 2: the approver's From on a line that starts with VT, FF or 0xA0, the message
  // signed by the attacker's own domain, whose DKIM and DMARC pass for the attacker's own From.
  it.each([
    ["a vertical tab", "\x0b"],
    ["a form feed", "\x0c"],
    ["byte 0xA0", "\xa0"],
  ])("the approver's From on a line starting with %s, signed by the attacker's domain, approves nothing", async (_name, byte) => {
    const req = await awaitingHead();
    const raw = reply(req, { from: "attacker@evil.example", top: ["Received: from mail.evil.example by mx.hebbb.example", `${byte}From: ${HEAD}`] });
    await decide(await signed(raw, { domain: "evil.example", selector: "s1", pem: attackerKey.pem }));
    await refusedAndTold(req, /邮件头有歧义/);
  });

  it("a reply From the approver but signed by another domain (aligned with nothing of the approver's) approves nothing", async () => {
    const req = await awaitingHead();
    await decide(await signed(reply(req), { domain: "evil.example", selector: "s1", pem: attackerKey.pem }));
    await refusedAndTold(req, /evil\.example：签名有效，但不是审批人所在域 hebbb\.example 的签名/);
  });

  it("a DNS failure while verifying decides nothing, and the approver is told", async () => {
    const req = await awaitingHead();
    await decide(await signed(reply(req), { selector: "down" }));
    await refusedAndTold(req, /hebbb\.example：temperror（DNS failure: ETIMEOUT）/);
  });

  it("a signature that does not cover the Subject (which carries the token) approves nothing", async () => {
    const req = await awaitingHead();
    await decide(await signed(reply(req), { headerList: "from:to:date:message-id:content-type:mime-version" }));
    await refusedAndTold(req, /签名未覆盖 subject/);
  });

  it("a signature over only part of the body (l=) approves nothing", async () => {
    const req = await awaitingHead();
    const raw = reply(req, { body: "同意" });
    // The signed message ends in CRLF; the condition is appended after it as UTF-8, where l= leaves it unsigned.
    const appended = Buffer.concat([await signed(raw, { bodyLength: 4 }), Buffer.from("但标题需修改\r\n", "utf8")]);
    await decide(appended);
    await refusedAndTold(req, /只覆盖正文的一部分（l= 标签）/);
  });

  // Issue #12, case 3: Authentication-Results are the receiving server's only when topmost and alone with its id.
  it("Authentication-Results count only from our own server, topmost and alone", async () => {
    const own = "Authentication-Results: mx.hebbb.example; dkim=pass header.d=hebbb.example; dmarc=pass (p=reject) header.from=hebbb.example";
    const forged = "Authentication-Results: mx.hebbb.example; dkim=pass header.d=hebbb.example; dmarc=pass header.from=hebbb.example";

    const foreignId = await awaitingHead();
    await decide(reply(foreignId, { top: ["Authentication-Results: mx.evil.example; dkim=pass header.d=hebbb.example; dmarc=pass header.from=hebbb.example"] }));
    await refusedAndTold(foreignId, /DKIM/);

    // The sender's copy below the receiving server's own: two instances with our id — neither believed.
    const doubled = await awaitingHead();
    await decide(reply(doubled, { top: ["Authentication-Results: mx.hebbb.example; dkim=none; dmarc=none", "Received: from mail.evil.example by mx.hebbb.example", forged] }));
    await refusedAndTold(doubled, /2 个带有本机服务器标识 mx\.hebbb\.example 的认证结果/);

    // Ours, but not on top: another server's result sits above it.
    const below = await awaitingHead();
    await decide(reply(below, { top: ["Authentication-Results: relay.example.net; dkim=none", forged] }));
    await refusedAndTold(below, /不在最上方/);

    // Ours, passing — but for the attacker's domain.
    const otherDomain = await awaitingHead();
    await decide(reply(otherDomain, { top: ["Authentication-Results: mx.hebbb.example; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example"] }));
    await refusedAndTold(otherDomain, /不是“审批人所在域 hebbb\.example 的 DKIM 与 DMARC 均通过”/);

    const trusted = await awaitingHead();
    await decide(reply(trusted, { top: [own] }));
    expect(await status(trusted.draftId)).toBe("approved");
  });
});
