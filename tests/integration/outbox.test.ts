// The outbox keeps every message: with the SMTP server down it is marked failed with the error
// and a backoff time, and it is delivered when the server is back. Receipts are queued once per
// draft however many sweeps (one per mailbox poller) overlap.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshApp, repoRoot, submission, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { queueReceipts } from "../../src/approvals/requests.js";
import { startSmtpCapture } from "../support/smtp-capture.js";
import { flushOutbox, queueMail } from "../../src/notify/outbox.js";
import { loadConfig } from "../../src/config/index.js";

let t: TestEnv | undefined;
let u: TestEnv | undefined;
let v: TestEnv | undefined;
afterAll(async () => {
  await t?.app.close();
  await u?.app.close();
  await v?.app.close();
});

/** Another gateway process flushing the same outbox (tests/support/flush-outbox-child.ts). */
function flushInChild(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "tests/support/flush-outbox-child.ts")], { env, cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.stderr.on("data", (c: Buffer) => (err += c));
    child.on("exit", (code) => (code === 0 ? resolve((JSON.parse(out.trim().split("\n").at(-1)!) as { sent: number }).sent) : reject(new Error(`flush child exited ${code}: ${err}`))));
  });
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

describe("outbox", () => {
  it("keeps a message when SMTP is down and delivers it when SMTP is back", async () => {
    t = await freshApp({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
    await t.app.db.$transaction((tx) =>
      queueMail(tx, t!.app.config, { kind: "receipt", to: "zdbb@zd-gov.example", subject: "【回执】已收到：测试", template: "receipt", data: { unitName: "正定县编办", title: "测试", draftId: 1, receivedAt: "2026年11月26日" } }),
    );
    expect(await flushOutbox(t.app.db, t.app.config)).toEqual({ sent: 0, failed: 1 });
    const failed = await t.app.db.outboundMail.findFirstOrThrow();
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    // Not due yet: the next flush leaves it alone.
    expect(await flushOutbox(t.app.db, t.app.config)).toEqual({ sent: 0, failed: 0 });

    const smtp = await startSmtpCapture();
    try {
      await t.app.db.outboundMail.update({ where: { id: failed.id }, data: { nextAttemptAt: new Date() } }); // time passes
      const config = { ...t.app.config, smtpUrl: loadConfig({ SMTP_URL: smtp.url }).smtpUrl };
      expect(await flushOutbox(t.app.db, config)).toEqual({ sent: 1, failed: 0 });
      const mail = await smtp.waitFor((m) => m.to.includes("zdbb@zd-gov.example"));
      expect(mail.parsed.subject).toBe("【回执】已收到：测试");
      expect(mail.parsed.text).toContain("正定县编办");
      expect((await t.app.db.outboundMail.findFirstOrThrow()).status).toBe("sent");
    } finally {
      await smtp.stop();
    }
  });

  it("queues one receipt per draft when sweeps overlap", async () => {
    u = await freshApp();
    const senders = ["zdbb@zd-gov.example", "psbb@ps-gov.example", "qabb@qa-gov.example"];
    const md = new Maildir(u.env.MAILDIR!);
    senders.forEach((from, i) => md.deliver(submission({ from, subject: `报送：第${i}号工作动态`, body: `县编办第${i}号工作动态：完成编制核定。\n\n县编办\n2026年11月20日\n` })));
    await u.app.maildirIntake().runOnce();
    expect(await u.app.db.draft.count({ where: { unitConfirmed: true } })).toBe(3);
    await Promise.all([queueReceipts(u.app.db, u.app.config), queueReceipts(u.app.db, u.app.config), queueReceipts(u.app.db, u.app.config)]);
    const receipts = await u.app.db.outboundMail.findMany({ where: { kind: "receipt" } });
    expect(receipts.map((r) => r.toAddress).sort()).toEqual([...senders].sort());
  });

  it("sends each message once when flushes overlap, in this process and in two others", async () => {
    const smtp = await startSmtpCapture({ delayMs: 5 });
    try {
      v = await freshApp({ SMTP_URL: smtp.url });
      const config = v.app.config;
      // More than one claim batch (50), so the other processes find rows left to claim.
      const N = 120;
      await v.app.db.$transaction(async (tx) => {
        for (let i = 0; i < N; i++)
          await queueMail(tx, config, { kind: "receipt", to: `unit${i}@zd-gov.example`, subject: `【回执】已收到：第${i}号`, template: "receipt", data: { unitName: "正定县编办", title: `第${i}号`, draftId: i, receivedAt: "2026年11月26日" } });
      });
      // Three overlapping flushes here (the Maildir pass's and the timer's, and one more) and two gateway processes.
      const [here, a, b] = await Promise.all([
        Promise.all([flushOutbox(v.app.db, config), flushOutbox(v.app.db, config), flushOutbox(v.app.db, config)]).then((rs) => rs.reduce((n, r) => n + r.sent, 0)),
        flushInChild(v.env),
        flushInChild(v.env),
      ]);
      expect(here + a + b).toBe(N);
      const ids = smtp.mails.map((m) => m.parsed.messageId);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      expect(await v.app.db.outboundMail.count({ where: { status: "sent", claimedBy: null } })).toBe(N);
      // The work really was shared: more than one sender claimed rows.
      expect([here, a, b].filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await smtp.stop();
    }
  });

  it("takes over the claim of a flush that died while sending, and sends that message once more", async () => {
    const smtp = await startSmtpCapture();
    try {
      const w = await freshApp({ SMTP_URL: smtp.url });
      try {
        await w.app.db.$transaction((tx) => queueMail(tx, w.app.config, { kind: "receipt", to: "zdbb@zd-gov.example", subject: "【回执】已收到：中断", template: "receipt", data: { unitName: "正定县编办", title: "中断", draftId: 1, receivedAt: "2026年11月26日" } }));
        const row = await w.app.db.outboundMail.findFirstOrThrow();
        // A fresh claim by another process is left alone; one older than the lease is taken over.
        await w.app.db.outboundMail.update({ where: { id: row.id }, data: { status: "sending", claimedBy: "4242:dead", claimedAt: new Date(), attempts: 1 } });
        expect(await flushOutbox(w.app.db, w.app.config)).toEqual({ sent: 0, failed: 0 });
        await w.app.db.outboundMail.update({ where: { id: row.id }, data: { claimedAt: new Date(Date.now() - 11 * 60_000) } });
        expect(await flushOutbox(w.app.db, w.app.config)).toEqual({ sent: 1, failed: 0 });
        expect((await smtp.waitFor(() => true)).parsed.messageId).toBe(row.messageId);
      } finally {
        await w.app.close();
      }
    } finally {
      await smtp.stop();
    }
  });

  it("writes the development outbox readable by the gateway alone", async () => {
    const w = await freshApp();
    try {
      await w.app.db.$transaction((tx) => queueMail(tx, w.app.config, { kind: "receipt", to: "zdbb@zd-gov.example", subject: "【回执】已收到：开发模式", template: "receipt", data: { unitName: "正定县编办", title: "开发模式", draftId: 1, receivedAt: "2026年11月26日" } }));
      expect(await flushOutbox(w.app.db, w.app.config)).toEqual({ sent: 1, failed: 0 });
      const row = await w.app.db.outboundMail.findFirstOrThrow();
      expect(fs.statSync(row.emlPath!).mode & 0o777).toBe(0o600);
      expect(fs.statSync(w.app.config.outboxDir).mode & 0o777).toBe(0o700);
      expect(fs.readFileSync(row.emlPath!, "utf8")).toContain("X-Gateway-Kind: receipt");
    } finally {
      await w.app.close();
    }
  });
});
