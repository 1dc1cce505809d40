// The outbox keeps every message: with the SMTP server down it is marked failed with the error
// and a backoff time, and it is delivered when the server is back. Receipts are queued once per
// draft however many sweeps (one per mailbox poller) overlap.
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { queueReceipts } from "../../src/approvals/requests.js";
import { startSmtpCapture } from "../support/smtp-capture.js";
import { flushOutbox, queueMail } from "../../src/notify/outbox.js";
import { loadConfig } from "../../src/config/index.js";

let t: TestEnv | undefined;
let u: TestEnv | undefined;
afterAll(async () => {
  await t?.app.close();
  await u?.app.close();
});

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
});
