// The structured log as an operator reads it: JSON lines with a level, the time, the mailbox and
// the intake id of each message, apart from `ingest --json`'s stdout; and what it must never
// hold — a message's text or subject (a classified one's least of all, Art. 10), a mailbox
// password, an outgoing mail's subject. Through the real CLI over a real Maildir and SQLite file.
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freshApp, jsonLines, repoRoot, submission, tempDir, type IngestLine } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { queueReceipts } from "../../src/approvals/requests.js";
import { flushOutbox } from "../../src/notify/outbox.js";
import { streamLogger } from "../../src/util/log.js";

const run = promisify(execFile);
const tag = Math.random().toString(36).slice(2, 10).toUpperCase();

interface Line {
  level: string;
  time: string;
  msg: string;
  mailbox?: string;
  intakeId?: number;
  outcome?: string;
  draftId?: number;
  [k: string]: unknown;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(repoRoot, "bin/gateway.mjs"), ...args], { env, cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const parse = (text: string): Line[] => text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Line);

describe("structured logs", () => {
  it("ingest: one story per intake id in the log file, stdout pure JSON, no message text or subject in the log", async () => {
    const dir = tempDir();
    const maildir = path.join(dir, "maildir");
    const md = new Maildir(maildir);
    md.ensure();
    const plainBody = `11月20日，石家庄市编办召开机构编制工作会议，部署年度重点任务（会议纪要${tag}）。`;
    const plainSubject = `石家庄市编办召开工作会议${tag}`;
    const secretBody = `秘密★1年\n\n拟将某局内设机构由九个调整为七个（甲方案${tag}）。`;
    const secretSubject = `报送：关于某局机构编制调整的请示${tag}`;
    md.deliver(submission({ from: "xxk@sjz-bb.example", subject: plainSubject, body: plainBody }));
    md.deliver(submission({ from: "zdbb@zd-gov.example", subject: secretSubject, body: secretBody }));
    md.deliver(Buffer.alloc(3000, 0x07)); // not a mail: fails with its reason
    const logFile = path.join(dir, "logs", "gateway.log");
    const env = { ...process.env, DATA_DIR: dir, MAILDIR: maildir, LOG_LEVEL: "debug", LOG_FILE: logFile };
    expect((await cli(["units", "import", path.join(repoRoot, "prisma/seed/units.demo.csv")], env)).code).toBe(0);

    const r = await cli(["ingest", "--maildir", maildir, "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    // stdout: the results and nothing else.
    const out = r.stdout.split("\n").filter((l) => l.trim());
    const results = jsonLines<IngestLine>(r.stdout);
    expect(results).toHaveLength(out.length);
    expect(results.map((x) => x.outcome).sort()).toEqual(["draft", "failed", "quarantined"]);

    // The log: JSON lines (0600), with level and time; every message's lines carry its mailbox and intake id.
    expect(fs.statSync(logFile).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(logFile, "utf8");
    const lines = parse(text);
    for (const l of lines) {
      expect(l.level).toMatch(/^(trace|debug|info|warn|error|fatal)$/);
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
    }
    const decided = lines.filter((l) => /^intake (draft|quarantined|failed)/.test(l.msg));
    expect(decided.map((l) => l.outcome).sort()).toEqual(["draft", "failed", "quarantined"]);
    for (const l of decided) {
      expect(l.mailbox).toBe(`maildir:${maildir}`);
      expect(typeof l.intakeId).toBe("number");
      // The story of one message: its extraction and its decision, under one id.
      expect(lines.filter((x) => x.intakeId === l.intakeId && x.msg !== l.msg).length, `intake ${l.intakeId}`).toBeGreaterThan(0);
    }
    const draft = decided.find((l) => l.outcome === "draft")!;
    expect(draft.level).toBe("info");
    expect(draft.draftId).toBe(results.find((x) => x.outcome === "draft")!.draftId);
    expect(decided.find((l) => l.outcome === "quarantined")!.level).toBe("warn");
    expect(decided.find((l) => l.outcome === "failed")!.level).toBe("warn");

    // Never the text: neither of the ordinary message nor of the classified one, nor their subjects.
    for (const secret of [plainBody, plainSubject, secretSubject, "甲方案", "内设机构", "召开机构编制工作会议", tag]) expect(text, secret).not.toContain(secret);
  });

  it("an IMAP password never reaches the log or the terminal, even when the server cannot be reached", async () => {
    const dir = tempDir();
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const password = `Pw-${tag}-secret`;
    const logFile = path.join(dir, "gateway.log");
    const env = { ...process.env, DATA_DIR: dir, LOG_LEVEL: "debug", LOG_FILE: logFile, IMAP_BACKOFF_MS: "50", IMAP_BACKOFF_MAX_MS: "50" };
    const r = await cli(["ingest", "--imap", `imap://gwuser:${password}@127.0.0.1:${port}/INBOX`, "--json"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("收取 imap://gwuser:");
    for (const where of [r.stdout, r.stderr, fs.readFileSync(logFile, "utf8")]) expect(where).not.toContain(password);
  });

  it("the outbox logs each mail it sends by id and kind, never its subject", async () => {
    const captured: string[] = [];
    const log = streamLogger("debug", { write: (s: string) => void captured.push(s) });
    const t = await freshApp({}, { log });
    try {
      const md = new Maildir(t.env.MAILDIR!);
      const subject = `石家庄市编办召开工作会议${tag}`;
      md.deliver(submission({ from: "xxk@sjz-bb.example", subject, body: `石家庄市编办召开会议，部署年度重点任务（纪要${tag}）。` }));
      const [r] = await t.app.maildirIntake().runOnce();
      expect(r!.outcome).toBe("draft");
      expect(await queueReceipts(t.app.db, t.app.config)).toBe(1);
      expect(await flushOutbox(t.app.db, t.app.config, log)).toMatchObject({ sent: 1 });
      const lines = parse(captured.join(""));
      const mail = await t.app.db.outboundMail.findFirstOrThrow({ where: { kind: "receipt" } });
      expect(lines.find((l) => l.msg === "mail sent")).toMatchObject({ level: "info", mailId: mail.id, kind: "receipt", draftId: r!.draftId });
      expect(mail.subject).toContain(tag);
      expect(captured.join("")).not.toContain(tag);
    } finally {
      await t.app.close();
    }
  });
});
