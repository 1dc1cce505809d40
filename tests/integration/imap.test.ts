// IMAP intake against a real Dovecot (tests/support/dovecot.ts): nothing lost, nothing doubled,
// whatever fails when — the gateway killed with -9 before and after its commit, Dovecot stopped
// in the middle of a FETCH, the folder deleted and recreated (new UIDVALIDITY), another client
// expunging between SEARCH and FETCH, a 1,000-message backlog, a message over the size cap,
// two pollers on one database, and `gateway serve` bringing new mail by IDLE without a poll.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, gatewayCli, jsonLines, spawnGateway, submission, type TestEnv, type IngestLine } from "../helpers.js";
import { Dovecot, type DovecotUser } from "../support/dovecot.js";
import { ImapIntake, type ImapIntakeHooks } from "../../src/sources/imap/intake.js";
import { parseImapUrl, redactUrl } from "../../src/sources/imap/account.js";
import { uidSet } from "../../src/sources/imap/connection.js";
import { certificateHint, throttleDelayMs } from "../../src/sources/imap/errors.js";
import type { IngestResult } from "../../src/pipeline/contracts.js";
import { serve } from "../../src/serve.js";

// The test Dovecot keeps its default Maildir++ layout, whose hierarchy delimiter is ".": the
// configured "Gateway/Processed" is created as "Gateway.Processed".
const PROCESSED = "Gateway.Processed";
const FAILED = "Gateway.Failed";
const QUARANTINE = "Gateway.Quarantine";

const NAMES = ["normal", "killafter", "killbefore", "restart", "uidv", "expunge", "backlog", "big", "lease", "idle"] as const;
type Name = (typeof NAMES)[number];
const USERS: Record<Name, DovecotUser> = Object.fromEntries(NAMES.map((n) => [n, { user: n, pass: `pw-${n}-secret` }])) as Record<Name, DovecotUser>;

type Line = IngestLine;

let dovecot: Dovecot;
const envs: TestEnv[] = [];

beforeAll(async () => {
  dovecot = new Dovecot({ users: Object.values(USERS) });
  await dovecot.start();
}, 30_000);

afterAll(async () => {
  for (const t of envs) await t.app.close().catch(() => undefined);
  await dovecot?.destroy();
});

async function env(name: Name, extra: Record<string, string> = {}): Promise<TestEnv> {
  const t = await freshApp({ IMAP_URL: dovecot.url("INBOX", USERS[name]), IMAP_BACKOFF_MS: "100", IMAP_BACKOFF_MAX_MS: "1000", ...extra });
  envs.push(t);
  return t;
}

function intakeFor(t: TestEnv, opts: { hooks?: ImapIntakeHooks; url?: string; log?: (l: string) => void } = {}): ImapIntake {
  const made = ImapIntake.create({ db: t.app.db, pipeline: t.app.pipeline, config: t.app.config, url: opts.url ?? t.env.IMAP_URL!, hooks: opts.hooks, log: opts.log });
  if (!made.ok) throw new Error(made.error);
  return made.intake;
}

const SENDERS = ["zdbb@zd-gov.example", "psbb@ps-gov.example", "qabb@qa-gov.example", "xxk@hd-bb.example", "stranger@mail163.example"];

/** `n` distinct submissions (distinct titles and bodies, so none is a content duplicate of another). */
function generated(tag: string, n: number, from = 0): Buffer[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return submission({
      from: SENDERS[i % SENDERS.length]!,
      subject: `报送：${tag}第${i}号机构编制工作动态`,
      body: `${(i % 28) + 1}日，县编办召开会议，部署${tag}编制核定工作（编号${tag}-${i}）。会议要求压实责任，按期完成。\n\n县编办\n2026年11月20日\n`,
      messageId: `<${tag}-${i}@imap-test.example>`,
    });
  });
}

/** The message with a binary attachment of `bytes` random bytes (stored, not extracted). */
function withAttachment(msg: Buffer, bytes: number): Buffer {
  const text = msg.toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split).split("\r\n").filter((l) => !/^(Content-Type|Content-Transfer-Encoding|MIME-Version):/i.test(l));
  const boundary = `b-${Math.random().toString(36).slice(2)}`;
  const data = Array.from({ length: Math.ceil(bytes / 4) }, () => Math.floor(Math.random() * 2 ** 32));
  const blob = Buffer.from(new Uint32Array(data).buffer).subarray(0, bytes);
  return Buffer.concat([
    Buffer.from([...head, "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="${boundary}"`, "", `--${boundary}`, "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", ""].join("\r\n"), "latin1"),
    Buffer.from(text.slice(split + 4).trim() + "\r\n", "latin1"),
    Buffer.from([`--${boundary}`, 'Content-Type: application/zip; name="cailiao.zip"', 'Content-Disposition: attachment; filename="cailiao.zip"', "Content-Transfer-Encoding: base64", "", blob.toString("base64").replace(/.{76}/g, "$&\r\n"), `--${boundary}--`, ""].join("\r\n")),
  ]);
}

async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, ms = 30_000, step = 50): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, step));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** The invariants of every scenario: each ledger row final, each draft from exactly one intake row. */
async function expectConsistent(t: TestEnv): Promise<void> {
  const db = t.app.db;
  expect(await db.intakeMessage.count({ where: { status: "received" } })).toBe(0);
  const drafts = await db.draft.findMany({ select: { id: true, title: true } });
  expect(new Set(drafts.map((d) => d.title)).size).toBe(drafts.length);
  const origins = await db.intakeMessage.groupBy({ by: ["draftId"], where: { outcome: "draft" }, _count: true });
  expect(origins.every((o) => o._count === 1)).toBe(true);
  expect(origins.length).toBe(drafts.length);
}

describe("IMAP URL and UID sets", () => {
  it("parses imap/imaps URLs with percent-encoded parts and XOAUTH2, and refuses bad ones", () => {
    const a = parseImapUrl("imap://intake%40hebbb.example:p%40ss%3Aw@mail.hebbb.example:1143/%E6%8A%A5%E9%80%81");
    expect(a.ok && a.account).toMatchObject({ host: "mail.hebbb.example", port: 1143, secure: false, starttls: undefined, user: "intake@hebbb.example", pass: "p@ss:w", folder: "报送" });
    const b = parseImapUrl("imaps://u:token@outlook.office365.example/INBOX?auth=xoauth2");
    expect(b.ok && b.account).toMatchObject({ port: 993, secure: true, pass: null, accessToken: "token", tokenFile: null });
    const c = parseImapUrl("imaps://intake@outlook.office365.example/INBOX?auth=xoauth2&token_file=%2Fvar%2Flib%2Fgateway%2Fintake.token");
    expect(c.ok && c.account).toMatchObject({ user: "intake", pass: null, accessToken: null, tokenFile: "/var/lib/gateway/intake.token" });
    expect(parseImapUrl("imaps://intake@outlook.office365.example/INBOX?auth=xoauth2")).toMatchObject({ ok: false, error: expect.stringContaining("访问令牌") });
    expect(parseImapUrl("imaps://intake@host/INBOX?auth=xoauth2&token_file=intake.token")).toMatchObject({ ok: false, error: expect.stringContaining("绝对路径") });
    expect(parseImapUrl("imaps://intake:pw@host/INBOX?token_file=%2Ft")).toMatchObject({ ok: false, error: expect.stringContaining("auth=xoauth2") });
    expect(parseImapUrl("imap://u:p@127.0.0.1/").ok && (parseImapUrl("imap://u:p@127.0.0.1/") as { account: { folder: string; starttls: boolean } }).account).toMatchObject({ folder: "INBOX", starttls: false });
    expect(parseImapUrl("http://u:p@host/INBOX").ok).toBe(false);
    expect(parseImapUrl("imap://host/INBOX").ok).toBe(false);
    expect(uidSet([7, 1, 2, 3, 9, 10, 3])).toBe("1:3,7,9:10");
    // Passwords never shown, even with a raw "@" in them or when the URL cannot be parsed.
    expect(redactUrl("imap://u:p@ss@host/INBOX")).toBe("imap://u:***@host/INBOX");
    expect(redactUrl("imap://intake%40hebbb.example:p%40ss@mail.hebbb.example/%E6%8A%A5%E9%80%81")).toBe("imap://intake%40hebbb.example:***@mail.hebbb.example/报送");
    expect(redactUrl("imap://intake:secret")).toBe("imap://…（无法解析，不予显示）");
    expect(parseImapUrl("imap://intake:secret")).toMatchObject({ ok: false, error: expect.not.stringContaining("secret") });
    expect(parseImapUrl("imap://intake@host/INBOX")).toMatchObject({ ok: false, error: expect.stringContaining("缺少密码") });
    const spaced = parseImapUrl("imap://intake:pa ss@host/Sent Items");
    expect(spaced.ok && spaced.account).toMatchObject({ pass: "pa ss", folder: "Sent Items" });
    // Exchange's hint beyond what imapflow already waited is what is left to wait.
    expect(throttleDelayMs(Object.assign(new Error("throttled"), { code: "ETHROTTLE", throttleReset: 600_000, throttleWaited: 150_000 }))).toBe(450_000);
    expect(throttleDelayMs(new Error("other"))).toBeNull();
    // A certificate refused: advice that fits the cause.
    expect(certificateHint("SELF_SIGNED_CERT_IN_CHAIN")).toContain("NODE_EXTRA_CA_CERTS");
    expect(certificateHint("CERT_HAS_EXPIRED")).toContain("有效期");
    expect(certificateHint("ERR_TLS_CERT_ALTNAME_INVALID")).toContain("服务器名");
    expect(certificateHint("ECONNREFUSED")).toBe("");
  });
});

describe("IMAP intake against a real Dovecot", () => {
  it("a normal batch through the CLI: the same outcomes as the Maildir path, each message moved to its folder", async () => {
    const t = await env("normal");
    const mailDir = path.join(fixturesDir, "mail");
    const expected = JSON.parse(fs.readFileSync(path.join(mailDir, "expected.json"), "utf8")) as Array<{ file: string; outcome: string; unit: string | null; column: string | null; division: string | null; title: string | null }>;
    // Dovecot refuses to store a 0-byte message, so the empty fixture cannot be delivered by IMAP.
    const fixtures = expected.filter((e) => fs.statSync(path.join(mailDir, e.file)).size > 0);
    const classified = submission({ from: "zdbb@zd-gov.example", subject: "关于调整县直机构编制的请示（秘密★1年）", body: "秘密★1年\n\n关于调整县直机构编制的请示……" });
    const uids = await dovecot.append("INBOX", [...fixtures.map((e) => fs.readFileSync(path.join(mailDir, e.file))), classified], { user: USERS.normal });

    const { stdout } = await gatewayCli(["ingest", "--imap", t.env.IMAP_URL!, "--once", "--json"], t.env);
    const lines = jsonLines<Line>(stdout);
    expect(lines).toHaveLength(fixtures.length + 1);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(["column", "division", "draftId", "file", "messageId", "outcome", "reason", "title", "unit"]);
    for (const [i, e] of fixtures.entries()) {
      const l = lines.find((x) => x.file?.endsWith(`;UID=${uids[i]}`))!;
      expect(l, e.file).toBeDefined();
      expect({ outcome: l.outcome, unit: l.unit, column: l.column, division: l.division }, e.file).toEqual({ outcome: e.outcome, unit: e.unit, column: e.column, division: e.division });
      if (e.title && e.outcome !== "failed") expect(l.title, e.file).toBe(e.title);
    }
    expect(lines.find((x) => x.file?.endsWith(`;UID=${uids[uids.length - 1]}`))!.outcome).toBe("quarantined");

    const notFailed = fixtures.filter((e) => e.outcome !== "failed").length;
    expect(await dovecot.count("INBOX", USERS.normal)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.normal)).toBe(notFailed);
    expect(await dovecot.count(FAILED, USERS.normal)).toBe(fixtures.length - notFailed);
    expect(await dovecot.count(QUARANTINE, USERS.normal)).toBe(1);
    expect(await t.app.db.draft.count()).toBe(fixtures.filter((e) => e.outcome === "draft").length);
    const mb = await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } });
    expect(mb.name).toBe(`imap:normal@127.0.0.1:${dovecot.port}/INBOX`);
    expect(mb).toMatchObject({ backlog: 0, lastError: null, leaseOwner: null });
    expect(mb.uidValidity).not.toBeNull();
    expect(mb.lastPollAt).not.toBeNull();
    const row = await t.app.db.intakeMessage.findFirstOrThrow({ where: { uid: uids[0] } });
    expect(row.sourceKey).toBe(`${mb.uidValidity}:${uids[0]}`);
    expect(row.uidValidity).toBe(mb.uidValidity);
    await expectConsistent(t);
    // The originals are kept, in pack files (one per batch, not one file per message), and read
    // back byte for byte; nothing of the classified message is stored.
    for (const r of await t.app.db.intakeMessage.findMany({ where: { outcome: { not: "quarantined" } } })) {
      expect(createHash("sha256").update(t.app.blobs.get(r.sha256)).digest("hex")).toBe(r.sha256);
      expect(fs.existsSync(t.app.blobs.pathOf(r.sha256))).toBe(false);
    }
    const quarantined = await t.app.db.intakeMessage.findFirstOrThrow({ where: { outcome: "quarantined" } });
    expect(t.app.blobs.has(quarantined.sha256)).toBe(false);
    expect(await t.app.db.blobPack.count()).toBe(await t.app.db.intakeMessage.count({ where: { outcome: { not: "quarantined" } } }));

    // Nothing left to do: a second run reports nothing and creates nothing.
    const again = await intakeFor(t).runOnce();
    expect(again).toMatchObject({ ok: true, results: [], moved: 0 });
    expect(await t.app.db.draft.count()).toBe(fixtures.filter((e) => e.outcome === "draft").length);
  }, 60_000);

  it("kill -9 after the commit, before the MOVE: the rerun only moves, exactly one draft each", async () => {
    const N = 250;
    const t = await env("killafter", { INGEST_BATCH: String(N) });
    await dovecot.append("INBOX", generated("甲", N), { user: USERS.killafter, parallel: 4 });
    const child = spawnGateway(["ingest", "--imap", t.env.IMAP_URL!, "--json"], t.env);
    child.stdout.resume();
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const probe = new Database(t.app.config.dbFile, { readonly: true, timeout: 15_000 });
    let frozen: number[] = [];
    try {
      const count = (sql: string) => (probe.prepare(sql).get() as { n: number }).n;
      // Ledger rows exist once every source of the batch is fetched; the CLI sends nothing more
      // until its MOVE. The server side of its connection is frozen now, so that MOVE hangs.
      await waitUntil("the ledger rows of the batch", () => count("SELECT count(*) AS n FROM IntakeMessage") > 0, 60_000, 2);
      frozen = await dovecot.signalSessions(USERS.killafter.user, "SIGSTOP");
      expect(frozen.length).toBeGreaterThan(0);
      await waitUntil("the batch committed", () => count("SELECT count(*) AS n FROM IntakeMessage WHERE status = 'done'") === N, 60_000, 5);
      await new Promise((r) => setTimeout(r, 300)); // into the MOVE
      child.kill("SIGKILL");
      await exited;
    } finally {
      probe.close();
      // The MOVE the CLI sent is still unread in the frozen session: it must never run.
      for (const pid of frozen) process.kill(pid, "SIGKILL");
    }
    expect(child.signalCode).toBe("SIGKILL");
    expect(await t.app.db.draft.count()).toBe(N);
    expect(await dovecot.count("INBOX", USERS.killafter)).toBe(N); // committed, not one moved

    const { stdout } = await gatewayCli(["ingest", "--imap", t.env.IMAP_URL!, "--json"], t.env);
    expect(jsonLines(stdout)).toHaveLength(0); // decided before: nothing to report, only to move
    expect(await t.app.db.draft.count()).toBe(N);
    expect(await t.app.db.intakeMessage.count()).toBe(N);
    expect(await dovecot.count("INBOX", USERS.killafter)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.killafter)).toBe(N);
    await expectConsistent(t);
  }, 90_000);

  it("kill -9 before the commit: the rerun redoes the batch, exactly one draft each", async () => {
    const N = 250;
    const t = await env("killbefore", { INGEST_BATCH: String(N) });
    await dovecot.append("INBOX", generated("乙", N), { user: USERS.killbefore, parallel: 4 });
    const child = spawnGateway(["ingest", "--imap", t.env.IMAP_URL!, "--json"], t.env);
    child.stdout.resume();
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const probe = new Database(t.app.config.dbFile, { timeout: 15_000 });
    try {
      const rows = probe.prepare("SELECT count(*) AS n FROM IntakeMessage");
      await waitUntil("the ledger rows of the batch", () => (rows.get() as { n: number }).n > 0, 60_000, 2);
      // The write lock: while the test holds it the CLI cannot commit the batch.
      probe.prepare("BEGIN IMMEDIATE").run();
      expect((probe.prepare("SELECT count(*) AS n FROM Draft").get() as { n: number }).n).toBe(0);
      expect((probe.prepare("SELECT count(*) AS n FROM IntakeMessage WHERE status = 'received'").get() as { n: number }).n).toBe(N);
      child.kill("SIGKILL");
      await exited;
      probe.prepare("ROLLBACK").run();
    } finally {
      probe.close();
    }
    expect(child.signalCode).toBe("SIGKILL");
    expect(await t.app.db.draft.count()).toBe(0);
    expect(await dovecot.count("INBOX", USERS.killbefore)).toBe(N);

    const { stdout } = await gatewayCli(["ingest", "--imap", t.env.IMAP_URL!, "--json"], t.env);
    const lines = jsonLines<Line>(stdout);
    expect(lines).toHaveLength(N);
    expect(lines.every((l) => l.outcome === "draft")).toBe(true);
    expect(await t.app.db.draft.count()).toBe(N);
    expect(await t.app.db.intakeMessage.count()).toBe(N);
    expect(await dovecot.count("INBOX", USERS.killbefore)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.killbefore)).toBe(N);
    await expectConsistent(t);
  }, 90_000);

  it("Dovecot stopped in the middle of a FETCH and started again: the poller recovers, no partial draft", async () => {
    // Messages of ~1.5 MB in batches of 10: a batch is ~15 MB, more than the socket buffers
    // hold, so the server is still sending when it is stopped.
    const N = 40;
    const t = await env("restart", { INGEST_BATCH: "10" });
    const msgs = Array.from({ length: N }, (_, i) => withAttachment(generated("丙", 1, i)[0]!, 1_100_000));
    const hashes = new Set(msgs.map((m) => createHash("sha256").update(m).digest("hex")));
    await dovecot.append("INBOX", msgs, { user: USERS.restart, parallel: 4 });
    let fetched = 0;
    let stopped = false;
    let restarted: Promise<void> | null = null;
    const log: string[] = [];
    const intake = intakeFor(t, {
      log: (l) => log.push(l),
      hooks: {
        onFetchMessage: async () => {
          // The first message of the third FETCH: Dovecot goes away while the FETCH is open.
          if (++fetched === 21 && !stopped) {
            stopped = true;
            await dovecot.stop();
            restarted = new Promise((r) => setTimeout(r, 1000)).then(() => dovecot.start());
          }
        },
      },
    });
    intake.start();
    try {
      await waitUntil("Dovecot stopped", () => restarted != null, 60_000);
      // Whole batches only (the first two may be committed, settling or only opened in the
      // ledger — `received`, redone after the restart — by now); nothing of the batch whose
      // FETCH was cut.
      const committed = await t.app.db.intakeMessage.count({ where: { status: { not: "received" } } });
      expect([0, 10, 20]).toContain(committed);
      expect(await t.app.db.draft.count()).toBe(committed);
      expect(await t.app.db.intakeMessage.count()).toBeLessThanOrEqual(20);
      await restarted;
      await waitUntil("every message ingested and moved", async () => (await t.app.db.draft.count()) === N && (await dovecot.count("INBOX", USERS.restart)) === 0, 45_000, 200);
    } finally {
      await intake.stop();
    }
    // The cut FETCH was an error (logged, reconnected), not a short batch.
    expect(log.some((l) => /Connection not available|连接已断开|NoConnection|ECONNRESET/i.test(l)), log.join("\n")).toBe(true);
    const rows = await t.app.db.intakeMessage.findMany({ select: { sha256: true, outcome: true } });
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => hashes.has(r.sha256) && r.outcome === "draft")).toBe(true);
    expect(await dovecot.count(PROCESSED, USERS.restart)).toBe(N);
    const mb = await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } });
    expect(mb).toMatchObject({ lastError: null, backlog: 0, connected: false, leaseOwner: null });
    await expectConsistent(t);
  }, 90_000);

  it("folder deleted and recreated (new UIDVALIDITY): new mail ingested, old mail not doubled, an alert", async () => {
    const folder = "Submissions";
    const t = await env("uidv");
    const url = dovecot.url(folder, USERS.uidv);
    const old = generated("丁", 5);
    await dovecot.append(folder, old, { user: USERS.uidv });
    const first = await intakeFor(t, { url }).runOnce();
    expect(first.ok && first.results.map((r) => r.outcome)).toEqual(Array(5).fill("draft"));
    const before = (await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } })).uidValidity;

    // An administrator deletes the folder, recreates it and restores it from a backup, while
    // new submissions arrive in it.
    await dovecot.with(async (c) => {
      await c.mailboxDelete(folder);
      await c.mailboxCreate(folder);
    }, USERS.uidv);
    await dovecot.append(folder, [...old, ...generated("丁", 3, 5)], { user: USERS.uidv });

    const second = await intakeFor(t, { url }).runOnce();
    expect(second.ok).toBe(true);
    const outcomes = second.results.map((r) => r.outcome).sort();
    expect(outcomes).toEqual([...Array(3).fill("draft"), ...Array(5).fill("duplicate")]);
    const mb = await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } });
    expect(mb.uidValidity).not.toBe(before);
    expect(await t.app.db.draft.count()).toBe(8);
    const alerts = await t.app.db.alert.findMany({ where: { kind: "uidvalidity_changed" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toContain(String(before));
    expect(await dovecot.count(folder, USERS.uidv)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.uidv)).toBe(13);
    await expectConsistent(t);
  }, 60_000);

  it("another client expunges messages between SEARCH and FETCH: the rest is ingested, nothing invented", async () => {
    const t = await env("expunge");
    const uids = await dovecot.append("INBOX", generated("戊", 10), { user: USERS.expunge });
    const gone = [uids[1]!, uids[4]!, uids[9]!];
    let seen: number[] = [];
    const intake = intakeFor(t, {
      hooks: {
        afterSearch: async (found) => {
          seen = found;
          await dovecot.with(async (c) => {
            const lock = await c.getMailboxLock("INBOX");
            try {
              await c.messageDelete(uidSet(gone), { uid: true });
            } finally {
              lock.release();
            }
          }, USERS.expunge);
        },
      },
    });
    const r = await intake.runOnce();
    expect(r.ok).toBe(true);
    expect(seen).toEqual(uids);
    expect(r.results).toHaveLength(7);
    expect(r.results.every((x) => x.outcome === "draft")).toBe(true);
    expect(await t.app.db.intakeMessage.count()).toBe(7);
    expect(await t.app.db.intakeMessage.count({ where: { uid: { in: gone } } })).toBe(0);
    expect(await dovecot.count("INBOX", USERS.expunge)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.expunge)).toBe(7);
    await expectConsistent(t);
  }, 60_000);

  it("a 1,000-message backlog: every message once, in UID batches", async () => {
    const N = 1000;
    const t = await env("backlog");
    await dovecot.append("INBOX", generated("己", N), { user: USERS.backlog, parallel: 8 });
    const results: IngestResult[] = [];
    const t0 = performance.now();
    const r = await intakeFor(t).runOnce((x) => results.push(x));
    const secs = (performance.now() - t0) / 1000;
    expect(r.ok).toBe(true);
    expect(results).toHaveLength(N);
    expect(results.every((x) => x.outcome === "draft")).toBe(true);
    expect(await t.app.db.draft.count()).toBe(N);
    expect(await dovecot.count("INBOX", USERS.backlog)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.backlog)).toBe(N);
    const mb = await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } });
    expect(mb.backlog).toBe(0);
    expect(secs).toBeLessThan(60); // ~1–2 s here; the margin is for a shared, busy machine
    await expectConsistent(t);
  }, 90_000);

  it("a message over the size cap: failed and visible, left whole on the server in the Failed folder", async () => {
    const t = await env("big", { LIMIT_MESSAGE_BYTES: "200000" });
    const big = submission({ from: "zdbb@zd-gov.example", subject: "报送：正定县机构编制资料汇编（大附件）", body: "正定县机构编制资料汇编。".repeat(12_000), messageId: "<big-1@imap-test.example>" });
    expect(big.length).toBeGreaterThan(200_000);
    const small = generated("庚", 2);
    await dovecot.append("INBOX", [small[0]!, big, small[1]!], { user: USERS.big });
    const first = await intakeFor(t).runOnce();
    expect(first.ok).toBe(true);
    expect(first.results.map((l) => l.outcome).sort()).toEqual(["draft", "draft", "failed"]);
    const failed = first.results.find((l) => l.outcome === "failed")!;
    expect(failed.messageId).toBe("<big-1@imap-test.example>");
    expect(failed.reason).toContain("超过上限");

    const row = await t.app.db.intakeMessage.findFirstOrThrow({ where: { status: "failed" } });
    expect(row).toMatchObject({ errorCode: "MESSAGE_TOO_LARGE", outcome: "failed", messageId: "<big-1@imap-test.example>", subject: "报送：正定县机构编制资料汇编（大附件）", fromAddress: "zdbb@zd-gov.example", rawPath: null });
    expect(row.size).toBe(big.length);
    expect(await t.app.db.auditEvent.count({ where: { action: "intake.failed", entityId: String(row.id) } })).toBe(1);
    // Nothing lost: the very bytes are in the Failed folder.
    const kept = await dovecot.with(async (c) => {
      const lock = await c.getMailboxLock(FAILED);
      try {
        const m = await c.fetchOne("*", { source: true });
        return m ? m.source! : Buffer.alloc(0);
      } finally {
        lock.release();
      }
    }, USERS.big);
    expect(createHash("sha256").update(kept).digest("hex")).toBe(createHash("sha256").update(big).digest("hex"));
    expect(await dovecot.count("INBOX", USERS.big)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.big)).toBe(2);
    await expectConsistent(t);

    // Retryable: the cap is raised, the web screen's retry sets the row back to `received`
    // (as AdminService.retryIntake does), and the next pass reads it from the Failed folder.
    await t.app.db.intakeMessage.update({ where: { id: row.id }, data: { status: "received", outcome: null } });
    const retry = await gatewayCli(["ingest", "--imap", t.env.IMAP_URL!, "--json"], { ...t.env, LIMIT_MESSAGE_BYTES: "2000000" });
    expect(jsonLines<Line>(retry.stdout).map((l) => [l.messageId, l.outcome])).toEqual([["<big-1@imap-test.example>", "draft"]]);
    const retried = await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(retried).toMatchObject({ status: "done", outcome: "draft", sha256: createHash("sha256").update(big).digest("hex") });
    expect(await t.app.db.intakeMessage.count()).toBe(3);
    expect(await dovecot.count(FAILED, USERS.big)).toBe(0);
    expect(await dovecot.count(PROCESSED, USERS.big)).toBe(3);
    await expectConsistent(t);
  }, 60_000);

  it("two gateway processes on one database: one poller holds the mailbox, the other stands by", async () => {
    const t = await env("lease", { IMAP_RECONCILE_MS: "60000" });
    const a = intakeFor(t);
    const b = intakeFor(t);
    expect(a.owner).not.toBe(b.owner);
    a.start();
    try {
      await waitUntil("A holds the lease", async () => (await t.app.db.mailbox.findFirst({ where: { kind: "imap" } }))?.leaseOwner === a.owner);
      const busy = await b.runOnce();
      expect(busy).toMatchObject({ ok: false, reason: "busy", owner: a.owner });
    } finally {
      await a.stop();
    }
    await dovecot.append("INBOX", generated("辛", 2), { user: USERS.lease });
    const after = await b.runOnce();
    expect(after.ok && after.results.length).toBe(2);
  }, 60_000);

  it("gateway serve with IMAP_URL: IDLE brings new mail to a draft within seconds, without a poll", async () => {
    const t = await env("idle", { IMAP_RECONCILE_MS: "600000", PORT: "0" });
    const log: string[] = [];
    const running = await serve(t.app, (l) => log.push(l));
    try {
      await waitUntil("connected", async () => (await t.app.db.mailbox.findFirst({ where: { kind: "imap" } }))?.connected === true);
      await new Promise((r) => setTimeout(r, 1000)); // past the first pass, into IDLE
      for (const [i, m] of generated("壬", 3).entries()) {
        const t0 = Date.now();
        await dovecot.append("INBOX", m, { user: USERS.idle });
        await waitUntil(`draft ${i} from IDLE`, async () => (await t.app.db.draft.count()) === i + 1, 15_000, 20);
        expect(Date.now() - t0).toBeLessThan(15_000); // ~0.1 s here; the reconciliation is 10 min away
      }
    } finally {
      await running.stop();
    }
    expect(log.filter((l) => l.startsWith("intake draft:"))).toHaveLength(3);
    expect(await dovecot.count(PROCESSED, USERS.idle)).toBe(3);
    const mb = await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } });
    expect(mb).toMatchObject({ connected: false, leaseOwner: null, lastError: null });
  }, 60_000);
});
