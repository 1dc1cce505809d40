// The IMAP intake against servers unlike the default test Dovecot: one that signs in with
// XOAUTH2 tokens (Dovecot's oauth2 passdb asking a token introspection endpoint, as Exchange
// Online and OAuth-enabled Coremail work), one without the MOVE extension (COPY + \Deleted +
// UID EXPUNGE instead) and without IDLE (polled), Coremail's and Exchange's quirks (through a
// proxy that adds them to Dovecot), TLS (imaps and STARTTLS, the certificate verified), and
// `gateway serve` polling several mailboxes at once.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, gatewayCli, jsonLines, submission, tempDir, type IngestLine, type TestEnv } from "../helpers.js";
import { Dovecot, type DovecotUser } from "../support/dovecot.js";
import { ImapQuirksProxy } from "../support/imap-quirks-proxy.js";
import { ImapFlow } from "imapflow";
import { ImapIntake, type ImapIntakeHooks } from "../../src/sources/imap/intake.js";
import { serve } from "../../src/serve.js";

const PROCESSED = "Gateway.Processed";
const envs: TestEnv[] = [];

afterAll(async () => {
  for (const t of envs) await t.app.close().catch(() => undefined);
});

async function env(url: string, extra: Record<string, string> = {}): Promise<TestEnv> {
  const t = await freshApp({ IMAP_URL: url, IMAP_BACKOFF_MS: "50", IMAP_BACKOFF_MAX_MS: "200", ...extra });
  envs.push(t);
  return t;
}

function intakeFor(t: TestEnv, url: string, hooks?: ImapIntakeHooks): ImapIntake {
  const made = ImapIntake.create({ db: t.app.db, pipeline: t.app.pipeline, config: t.app.config, url, hooks });
  if (!made.ok) throw new Error(made.error);
  return made.intake;
}

function mails(tag: string, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) =>
    submission({
      from: "zdbb@zd-gov.example",
      subject: `报送：${tag}第${i}号工作动态`,
      body: `县编办${tag}工作（编号${tag}-${i}）：完成事业单位编制核定，压实责任，按期推进。\n\n县编办\n2026年11月20日\n`,
      messageId: `<${tag}-${i}@servers-test.example>`,
    }),
  );
}

async function waitUntil(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

describe("XOAUTH2 against Dovecot's oauth2 passdb", () => {
  // The identity provider's token introspection endpoint (RFC 7662): the tokens it considers
  // active, and every token Dovecot asked it about.
  const active = new Map<string, string>();
  const asked: string[] = [];
  let provider: http.Server;
  let dovecot: Dovecot;
  const oauthUser: DovecotUser = { user: "oauth", pass: "pw-oauth-delivery-only" };
  const passwordUser: DovecotUser = { user: "plain", pass: "pw-plain-secret" };
  const secondOauthUser: DovecotUser = { user: "oauth2nd", pass: "pw-oauth2nd-delivery-only" };

  beforeAll(async () => {
    provider = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const token = new URLSearchParams(body).get("token") ?? "";
        asked.push(token);
        const user = active.get(token);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(user ? { active: "true", username: user } : { active: "false" }));
      });
    });
    await new Promise<void>((r) => provider.listen(0, "127.0.0.1", r));
    const port = (provider.address() as net.AddressInfo).port;
    dovecot = new Dovecot({ users: [oauthUser, passwordUser, secondOauthUser], oauth2IntrospectionUrl: `http://127.0.0.1:${port}/introspect` });
    await dovecot.start();
  }, 30_000);

  afterAll(async () => {
    await dovecot?.destroy();
    await new Promise<void>((r) => (provider ? provider.close(() => r()) : r()));
  });

  it("signs in with the token of its token file, read again at every connect, and refuses a revoked or missing one loudly", async () => {
    const tokenFile = path.join(tempDir("gw-oauth-"), "intake.token");
    const url = `imap://oauth@127.0.0.1:${dovecot.port}/INBOX?auth=xoauth2&token_file=${encodeURIComponent(tokenFile)}`;
    const t = await env(url);

    // The server offers XOAUTH2 alone, as Exchange Online does (offered OAUTHBEARER, imapflow takes that).
    const greeting = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(dovecot.port, "127.0.0.1");
      sock.once("data", (d) => (sock.destroy(), resolve(d.toString())));
      sock.once("error", reject);
    });
    expect(greeting).toContain("AUTH=XOAUTH2");
    expect(greeting).not.toContain("AUTH=OAUTHBEARER");

    // 1. The provider's current token.
    active.set("tok-first-3f9a", "oauth");
    fs.writeFileSync(tokenFile, "tok-first-3f9a\n");
    await dovecot.append("INBOX", mails("甲", 2), { user: oauthUser });
    const first = await intakeFor(t, url).runOnce();
    expect(first.ok && first.results.map((r) => r.outcome)).toEqual(["draft", "draft"]);
    expect(asked).toContain("tok-first-3f9a");
    expect(await dovecot.count("INBOX", oauthUser)).toBe(0);
    expect(await dovecot.count(PROCESSED, oauthUser)).toBe(2);

    // 2. The token expired and was refreshed in the file: the next pass uses the new one, no restart.
    active.clear();
    active.set("tok-second-77c1", "oauth");
    fs.writeFileSync(tokenFile, "tok-second-77c1\n");
    await dovecot.append("INBOX", mails("乙", 1), { user: oauthUser });
    const second = await intakeFor(t, url).runOnce();
    expect(second.ok && second.results.map((r) => r.outcome)).toEqual(["draft"]);
    expect(asked).toContain("tok-second-77c1");

    // 3. Revoked at the provider: no sign-in, nothing read or moved, the reason on the mailbox
    // row (without the token), and one attempt only: retries would count towards a lockout.
    active.clear();
    await dovecot.append("INBOX", mails("丙", 1), { user: oauthUser });
    const asks = asked.length;
    const refused = await intakeFor(t, url).runOnce(undefined, 4);
    expect(asked.length).toBe(asks + 1);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toBe("error");
    const error = !refused.ok && refused.reason === "error" ? refused.error : "";
    expect(error).toMatch(/^IMAP 登录被拒绝：XOAUTH2 访问令牌无效或已过期(，\S+)?（oauth）/);
    expect(error).not.toContain("tok-second-77c1");
    expect(await dovecot.count("INBOX", oauthUser)).toBe(1);
    const row = await t.app.db.mailbox.findFirstOrThrow({ where: { kind: "imap" } });
    expect(row.lastError).toBeTruthy();
    expect(row.lastError).not.toContain("tok-second-77c1");
    expect(row.name).toBe(`imap:oauth@127.0.0.1:${dovecot.port}/INBOX`);

    // 4. The token file is gone: the error names the file, and no sign-in is attempted.
    fs.rmSync(tokenFile);
    const before = asked.length;
    const missing = await intakeFor(t, url).runOnce(undefined, 1);
    expect(!missing.ok && missing.reason === "error" && missing.error).toMatch(/令牌文件.*intake\.token.*ENOENT/);
    expect(asked.length).toBe(before);

    expect(await t.app.db.draft.count()).toBe(3);
    expect(await t.app.db.intakeMessage.count({ where: { status: "received" } })).toBe(0);
  }, 60_000);

  it("gateway serve polls every mailbox of IMAP_URL, each on its own connection and status row", async () => {
    active.set("tok-serve-51d0", "oauth2nd");
    const tokenFile = path.join(tempDir("gw-oauth-"), "intake.token");
    fs.writeFileSync(tokenFile, "tok-serve-51d0");
    const oauthUrl = `imap://oauth2nd@127.0.0.1:${dovecot.port}/INBOX?auth=xoauth2&token_file=${encodeURIComponent(tokenFile)}`;
    // The same mailbox twice, and one unusable URL, beside the two good ones: polled once, logged.
    const t = await env(`${dovecot.url("INBOX", passwordUser)}\n  ${oauthUrl} ${dovecot.url("INBOX", passwordUser)} imap://nouser.example/INBOX`, { PORT: "0" });
    const log: string[] = [];
    const running = await serve(t.app, (l) => log.push(l));
    try {
      await waitUntil("both connected", async () => (await t.app.db.mailbox.count({ where: { kind: "imap", connected: true } })) === 2);
      await dovecot.append("INBOX", mails("丁", 2), { user: passwordUser });
      await dovecot.append("INBOX", mails("戊", 3), { user: secondOauthUser });
      await waitUntil("five drafts", async () => (await t.app.db.draft.count()) === 5);
    } finally {
      await running.stop();
    }
    expect(log.filter((l) => /^imap intake: imap:\/\/\S+$/.test(l))).toHaveLength(2);
    expect(log.some((l) => /listed twice/.test(l))).toBe(true);
    expect(log.some((l) => /imap intake not started: IMAP 地址缺少用户名/.test(l))).toBe(true);
    expect(log.join("\n")).not.toContain(passwordUser.pass);
    const rows = await t.app.db.mailbox.findMany({ where: { kind: "imap" }, orderBy: { name: "asc" } });
    expect(rows.map((r) => r.name)).toEqual([`imap:oauth2nd@127.0.0.1:${dovecot.port}/INBOX`, `imap:plain@127.0.0.1:${dovecot.port}/INBOX`]);
    for (const r of rows) expect(r).toMatchObject({ connected: false, lastError: null, leaseOwner: null, backlog: 0 });
    const byMailbox = await t.app.db.intakeMessage.groupBy({ by: ["mailboxId"], _count: true, orderBy: { mailboxId: "asc" } });
    expect(byMailbox.map((g) => g._count).sort()).toEqual([2, 3]);
    expect(await dovecot.count(PROCESSED, passwordUser)).toBe(2);
    expect(await dovecot.count(PROCESSED, secondOauthUser)).toBe(3);
    expect(await dovecot.count("INBOX", passwordUser)).toBe(0);
    expect(await dovecot.count("INBOX", secondOauthUser)).toBe(0);
  }, 60_000);
});

describe("a server without MOVE or IDLE", () => {
  let dovecot: Dovecot;
  const user: DovecotUser = { user: "nomove", pass: "pw-nomove-secret" };

  beforeAll(async () => {
    // Dovecot's own list less MOVE and IDLE: the capability the gateway sees after login.
    dovecot = new Dovecot({
      users: [user],
      extraConfig: "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ NAMESPACE CHILDREN UNSELECT UIDPLUS ESEARCH SEARCHRES LIST-EXTENDED LIST-STATUS SPECIAL-USE",
    });
    await dovecot.start();
  }, 30_000);

  afterAll(async () => {
    await dovecot?.destroy();
  });

  it("acknowledges by COPY, \\Deleted and UID EXPUNGE of its own UIDs only: each message once, another client's deleted mail untouched", async () => {
    const caps = await dovecot.with(async (c) => [...c.capabilities.keys()]);
    expect(caps).toContain("UIDPLUS");
    expect(caps).not.toContain("MOVE");
    expect(caps).not.toContain("IDLE");

    const url = dovecot.url("INBOX", user);
    const t = await env(url);
    await dovecot.append("INBOX", mails("己", 5), { user });
    // After the gateway listed the folder, someone's mail client marks a message of its own
    // \Deleted without expunging it: a plain EXPUNGE would take it along, UID EXPUNGE must not.
    let othersUid = 0;
    const hooks: ImapIntakeHooks = {
      afterSearch: async () => {
        if (othersUid) return;
        othersUid = await dovecot.with(async (c) => {
          const r = await c.append("INBOX", mails("庚", 1)[0]!, ["\\Seen", "\\Deleted"]);
          return r ? (r.uid ?? -1) : -1;
        }, user);
      },
    };
    const run = await intakeFor(t, url, hooks).runOnce();
    expect(run.ok && run.results.map((r) => r.outcome)).toEqual(["draft", "draft", "draft", "draft", "draft"]);
    expect(run.ok && run.moved).toBe(5);
    expect(await dovecot.count(PROCESSED, user)).toBe(5);
    const left = await dovecot.with(async (c) => {
      const lock = await c.getMailboxLock("INBOX");
      try {
        return ((await c.search({ all: true }, { uid: true })) || []) as number[];
      } finally {
        lock.release();
      }
    }, user);
    expect(othersUid).toBeGreaterThan(0);
    expect(left).toEqual([othersUid]);
    expect(await t.app.db.draft.count()).toBe(5);
  }, 60_000);

  it("gateway serve without IDLE polls: new mail becomes a draft within the poll interval, not at the next reconciliation", async () => {
    const url = dovecot.url("INBOX", user);
    const t = await env(url, { PORT: "0", POLL_INTERVAL_MS: "500", IMAP_RECONCILE_MS: "600000" });
    const before = await dovecot.count(PROCESSED, user);
    const waiting = await dovecot.count("INBOX", user); // left by the test before, if it ran
    const running = await serve(t.app, () => undefined);
    try {
      await waitUntil("connected", async () => (await t.app.db.mailbox.count({ where: { kind: "imap", connected: true } })) === 1);
      await waitUntil("first pass over", async () => (await dovecot.count("INBOX", user)) === 0);
      const drafts = await t.app.db.draft.count();
      for (const [i, m] of mails("辛", 2).entries()) {
        const t0 = Date.now();
        await dovecot.append("INBOX", m, { user });
        await waitUntil(`draft ${i} by polling`, async () => (await t.app.db.draft.count()) === drafts + i + 1, 10_000);
        expect(Date.now() - t0).toBeLessThan(3_000); // polled every 0.5 s; the reconciliation is 10 minutes away
      }
    } finally {
      await running.stop();
    }
    // Stopped gracefully: every committed message was moved before the connection closed.
    expect(await dovecot.count(PROCESSED, user)).toBe(before + waiting + 2);
    expect(await dovecot.count("INBOX", user)).toBe(0);
  }, 60_000);
});

describe("Coremail's and Exchange's quirks (a proxy in front of Dovecot)", () => {
  let dovecot: Dovecot;
  const coremail: DovecotUser = { user: "coremail", pass: "pw-coremail-secret" };
  const exchange: DovecotUser = { user: "exchange", pass: "pw-exchange-secret" };
  const proxies: ImapQuirksProxy[] = [];

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [coremail, exchange] });
    await dovecot.start();
  }, 30_000);

  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await dovecot?.destroy();
  });

  async function proxy(opts: ConstructorParameters<typeof ImapQuirksProxy>[1]): Promise<ImapQuirksProxy> {
    const p = new ImapQuirksProxy(dovecot.port, opts);
    await p.start();
    proxies.push(p);
    return p;
  }

  it("Coremail refuses SELECT without IMAP ID after login ('Unsafe Login'): the gateway sends it and ingests", async () => {
    const p = await proxy({ unsafeLoginUnlessIdAfterLogin: true });
    // The quirk is real for a client that identifies itself only before logging in.
    const bare = new ImapFlow({ host: "127.0.0.1", port: p.port, secure: false, doSTARTTLS: false, auth: coremail, logger: false, disableAutoIdle: true });
    bare.on("error", () => undefined);
    await bare.connect();
    await expect(bare.mailboxOpen("INBOX")).rejects.toMatchObject({ responseText: expect.stringContaining("Unsafe Login") });
    await bare.logout().catch(() => bare.close());

    const url = p.url(coremail);
    const t = await env(url);
    await dovecot.append("INBOX", mails("壬", 2), { user: coremail });
    const run = await intakeFor(t, url).runOnce();
    expect(run.ok && run.results.map((r) => r.outcome)).toEqual(["draft", "draft"]);
    expect(await dovecot.count(PROCESSED, coremail)).toBe(2);
    const mine = p.events.filter((e) => e.connection === Math.max(...p.events.map((x) => x.connection))).map((e) => e.command);
    const login = mine.findIndex((c) => c === "LOGIN" || c === "AUTHENTICATE");
    expect(login).toBeGreaterThanOrEqual(0);
    expect(mine.indexOf("ID", login)).toBeGreaterThan(login);
    expect(mine.indexOf("ID", login)).toBeLessThan(mine.indexOf("SELECT"));
    expect(p.events.filter((e) => e.answered === "unsafe-login")).toHaveLength(1); // the bare client's only
  }, 60_000);

  it("Exchange throttles a command with a Suggested Backoff Time: the gateway waits it out, then ingests each message once", async () => {
    const p = await proxy({ throttle: { command: "UID SEARCH", times: 1, backoffMs: 1500 } });
    const url = p.url(exchange);
    const t = await env(url);
    await dovecot.append("INBOX", mails("癸", 3), { user: exchange });
    const run = await intakeFor(t, url).runOnce();
    expect(run.ok && run.results.map((r) => r.outcome)).toEqual(["draft", "draft", "draft"]);
    const searches = p.events.filter((e) => e.command === "UID SEARCH");
    expect(searches[0]!.answered).toBe("throttled");
    expect(searches.length).toBeGreaterThanOrEqual(2);
    expect(searches[1]!.at - searches[0]!.at).toBeGreaterThanOrEqual(1500);
    expect(await dovecot.count(PROCESSED, exchange)).toBe(3);
    expect(await t.app.db.draft.count()).toBe(3);
    expect(await t.app.db.intakeMessage.count()).toBe(3);
  }, 60_000);
});

describe("TLS: imaps and STARTTLS, with the server's certificate verified", () => {
  let dovecot: Dovecot;
  const user: DovecotUser = { user: "tls", pass: "pw-tls-secret" };

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [user], tls: true });
    await dovecot.start();
  }, 30_000);

  afterAll(async () => {
    await dovecot?.destroy();
  });

  /** `gateway ingest --imap URL --json` in its own process (Node reads NODE_EXTRA_CA_CERTS at start). */
  async function ingest(t: TestEnv, url: string, trustCa: boolean): Promise<{ lines: IngestLine[]; stderr: string; code: number }> {
    const env = { ...t.env, NODE_EXTRA_CA_CERTS: trustCa ? dovecot.caFile : "" };
    try {
      const { stdout, stderr } = await gatewayCli(["ingest", "--imap", url, "--json"], env);
      return { lines: jsonLines<IngestLine>(stdout), stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { lines: jsonLines<IngestLine>(e.stdout), stderr: e.stderr, code: e.code };
    }
  }

  it("refuses a certificate it cannot verify, reads over imaps and STARTTLS once the CA is trusted, and skips the check only when told", async () => {
    const t = await env(dovecot.url("INBOX", user));
    const pw = encodeURIComponent(user.pass);
    const imaps = `imaps://${user.user}:${pw}@127.0.0.1:${dovecot.tlsPort}/INBOX`;
    await dovecot.append("INBOX", mails("子", 2), { user });

    // The test CA is not trusted: nothing is read, nothing moved, and the reason is the certificate.
    const refused = await ingest(t, imaps, false);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([]);
    expect(refused.stderr).toMatch(/服务器证书无法验证.*NODE_EXTRA_CA_CERTS.*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(refused.stderr).not.toContain(user.pass);
    expect(await dovecot.count("INBOX", user)).toBe(2);

    // Trusted: implicit TLS.
    const viaImaps = await ingest(t, imaps, true);
    expect(viaImaps.code).toBe(0);
    expect(viaImaps.lines.map((l) => l.outcome)).toEqual(["draft", "draft"]);

    // STARTTLS on the plain port, required (on loopback it is otherwise not asked for).
    await dovecot.append("INBOX", mails("丑", 1), { user });
    const starttls = await ingest(t, `imap://${user.user}:${pw}@127.0.0.1:${dovecot.port}/INBOX?starttls=required`, true);
    expect(starttls.code).toBe(0);
    expect(starttls.lines.map((l) => l.outcome)).toEqual(["draft"]);

    // A closed network's self-signed server, accepted explicitly.
    await dovecot.append("INBOX", mails("寅", 1), { user });
    const insecure = await ingest(t, `${imaps}?tls=insecure`, false);
    expect(insecure.code).toBe(0);
    expect(insecure.lines.map((l) => l.outcome)).toEqual(["draft"]);

    expect(await dovecot.count(PROCESSED, user)).toBe(4);
    expect(await t.app.db.draft.count()).toBe(4);
    // Dovecot's own record: the gateway's three sign-ins (imaps, STARTTLS, insecure imaps) were
    // over TLS; the test's own deliveries and counts sign in in the clear.
    const logins = fs.readFileSync(dovecot.logFile, "utf8").split("\n").filter((l) => /imap-login: (Info: )?Login: user=<tls>/.test(l));
    expect(logins.filter((l) => /\bTLS\b/.test(l))).toHaveLength(3);
  }, 90_000);
});

