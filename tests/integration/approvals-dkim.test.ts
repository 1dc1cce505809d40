// APPROVAL_DKIM=required: a reply decides only if DKIM passes with DMARC alignment for the
// approver's domain — verified here with mailauth against a static DNS (no network in tests), or
// read from Authentication-Results, but only those written by our own server (TRUSTED_AUTHSERV_ID).
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dkimSign } from "mailauth/lib/dkim/sign.js";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { Maildir } from "../../src/sources/maildir.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");
const dns: Record<string, string[][]> = {
  "gw2026._domainkey.hebbb.example": [[`v=DKIM1; k=rsa; p=${p}`]],
  "_dmarc.hebbb.example": [["v=DMARC1; p=reject; adkim=s; aspf=r"]],
};
async function resolver(name: string, rr: string): Promise<unknown> {
  const hit = rr === "TXT" ? dns[name.toLowerCase()] : undefined;
  if (hit) return hit;
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
}

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

async function awaitingHead(): Promise<{ draftId: number; subject: string; messageId: string }> {
  const i = ++n;
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: `正定县事业单位分类改革（DKIM ${i}）`, body: `第${i}次：正定县推进事业单位分类改革。` }));
  const [r] = await t.app.maildirIntake().runOnce();
  const admin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
  const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: r!.draftId! } });
  await t.app.review.act(admin, d.id, d.version, "send_for_review", {});
  await flushOutbox(t.app.db, t.app.config);
  const request = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "approval_request", draftId: d.id } });
  return { draftId: d.id, subject: request.subject, messageId: request.messageId };
}

function reply(req: { subject: string; messageId: string }, extra: string[] = []): Buffer {
  return Buffer.from(
    [
      ...extra,
      "From: zhangcaiyan@hebbb.example",
      "To: gateway@hebbb.example",
      `Subject: =?UTF-8?B?${Buffer.from(`回复：${req.subject}`).toString("base64")}?=`,
      `Message-ID: <dkim-${Math.random().toString(36).slice(2)}@hebbb.example>`,
      `In-Reply-To: ${req.messageId}`,
      `References: ${req.messageId}`,
      "Date: Thu, 26 Nov 2026 10:05:00 +0800",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      "同意",
      "",
    ].join("\r\n"),
  );
}

async function signed(raw: Buffer): Promise<Buffer> {
  // mailauth reads the keys from signatureData; its typings list only the single-key form.
  const r = await dkimSign(raw, { signatureData: [{ signingDomain: "hebbb.example", selector: "gw2026", privateKey: pem }] } as never);
  return Buffer.concat([Buffer.from(r.signatures), raw]);
}

async function decide(raw: Buffer) {
  md.deliver(raw);
  const [r] = await t.app.maildirIntake().runOnce();
  return r!;
}

const status = async (id: number) => (await t.app.db.draft.findUniqueOrThrow({ where: { id } })).status;

describe("approve by reply with DKIM required", () => {
  it("a reply signed by the approver's domain approves", async () => {
    const req = await awaitingHead();
    await decide(await signed(reply(req)));
    expect(await status(req.draftId)).toBe("approved");
  });

  it("the same reply unsigned approves nothing", async () => {
    const req = await awaitingHead();
    const r = await decide(reply(req));
    expect(r.reason).toContain("DKIM");
    expect(await status(req.draftId)).toBe("division_review");
  });

  it("a signed reply whose body was altered on the way approves nothing", async () => {
    const req = await awaitingHead();
    const tampered = Buffer.from((await signed(reply(req))).toString().replace("同意\r\n", "同意。\r\n"));
    await decide(tampered);
    expect(await status(req.draftId)).toBe("division_review");
  });

  it("Authentication-Results count only from our own server", async () => {
    const forged = await awaitingHead();
    await decide(reply(forged, ["Authentication-Results: mx.evil.example; dkim=pass header.d=hebbb.example; dmarc=pass header.from=hebbb.example"]));
    expect(await status(forged.draftId)).toBe("division_review");
    const trusted = await awaitingHead();
    await decide(reply(trusted, ["Authentication-Results: mx.hebbb.example; dkim=pass header.d=hebbb.example; dmarc=pass header.from=hebbb.example"]));
    expect(await status(trusted.draftId)).toBe("approved");
  });
});
