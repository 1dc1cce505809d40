// A real Dovecot for the IMAP tests and bench: Debian's dovecot-imapd started as its own
// instance (own config file, loopback, an ephemeral port, passwd-file users, mail in a temp
// dir), nothing of the machine's own Dovecot touched. Messages are delivered by IMAP APPEND,
// the way a mail server's delivery agent would put them there for the gateway.
import { execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ImapFlow } from "imapflow";
import { testTmp } from "./global-setup.js";

const run = promisify(execFile);

/** Linux's USER_HZ, the unit of /proc/PID/stat's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export const DOVECOT_BIN = "/usr/sbin/dovecot";
export const DOVEADM_BIN = "/usr/bin/doveadm";

export interface DovecotUser {
  user: string;
  pass: string;
}

export interface DovecotOptions {
  users?: DovecotUser[];
  /** Extra lines appended to the generated config (e.g. to switch an extension off). */
  extraConfig?: string;
  /**
   * XOAUTH2 besides passwords: Dovecot's oauth2 passdb checks each token by
   * POSTing it to this RFC 7662 introspection endpoint (the test runs one).
   */
  oauth2IntrospectionUrl?: string;
  /**
   * TLS: a certificate for 127.0.0.1 and localhost, signed by a test CA made for the instance
   * (`caFile`); implicit TLS on `tlsPort`, STARTTLS offered on `port`.
   */
  tls?: boolean;
}

/** A free loopback port: bind to 0, read it, release it. Dovecot binds it a moment later. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something on the port answers with an IMAP greeting, or rejects after `ms`. */
async function waitForGreeting(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      await new Promise<void>((resolve, reject) => {
        const sock = net.connect(port, "127.0.0.1");
        const timer = setTimeout(() => (sock.destroy(), reject(new Error("no greeting"))), 2000);
        sock.once("data", (d) => {
          clearTimeout(timer);
          sock.destroy();
          if (d.toString().startsWith("* OK")) resolve();
          else reject(new Error(`unexpected greeting: ${d.toString().slice(0, 80)}`));
        });
        sock.once("error", (e) => (clearTimeout(timer), reject(e)));
      });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`dovecot did not answer on 127.0.0.1:${port}: ${String(last)}`);
}

async function portClosed(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => (sock.destroy(), resolve(true)));
      sock.once("error", () => resolve(false));
    });
    if (!open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dovecot still listens on ${port} after stop`);
}

export class Dovecot {
  readonly dir: string;
  readonly configFile: string;
  readonly users: DovecotUser[];
  port = 0;
  /** The imaps port (with `tls`). */
  tlsPort = 0;
  private running = false;

  constructor(private readonly opts: DovecotOptions = {}) {
    this.dir = fs.mkdtempSync(path.join(testTmp(), "gw-dovecot-"));
    // mkdtemp makes 0700 dirs: Dovecot's login and mail processes run as other users and must
    // be able to walk into the instance's folders.
    fs.chmodSync(this.dir, 0o755);
    this.configFile = path.join(this.dir, "dovecot.conf");
    this.users = opts.users ?? [{ user: "intake", pass: "intake-secret" }];
  }

  get user(): DovecotUser {
    return this.users[0]!;
  }

  /** The URL the gateway is configured with (IMAP_URL). */
  url(folder = "INBOX", user: DovecotUser = this.user): string {
    return `imap://${encodeURIComponent(user.user)}:${encodeURIComponent(user.pass)}@127.0.0.1:${this.port}/${encodeURIComponent(folder)}`;
  }

  get logFile(): string {
    return path.join(this.dir, "dovecot.log");
  }

  private writeConfig(): void {
    const asRoot = process.getuid?.() === 0;
    const mail = path.join(this.dir, "mail");
    fs.mkdirSync(mail, { recursive: true });
    // Dovecot refuses mail access as uid 0: as root the mail belongs to nobody; otherwise the
    // whole instance runs as the current user.
    const me = os.userInfo().username;
    const group = asRoot ? "nogroup" : (fs.statSync(this.dir).gid.toString() as string);
    if (asRoot) fs.chownSync(mail, 65534, 65534);
    if (this.opts.oauth2IntrospectionUrl)
      fs.writeFileSync(
        path.join(this.dir, "oauth2.conf"),
        [`introspection_mode = post`, `introspection_url = ${this.opts.oauth2IntrospectionUrl}`, `force_introspection = yes`, `username_attribute = username`, `active_attribute = active`, `active_value = true`, ""].join("\n"),
        { mode: 0o644 },
      );
    fs.writeFileSync(path.join(this.dir, "passwd"), this.users.map((u) => `${u.user}:{PLAIN}${u.pass}::::::`).join("\n") + "\n", { mode: 0o644 });
    const lines = [
      `# generated by tests/support/dovecot.ts — one test instance, nothing shared with the system's Dovecot`,
      `instance_name = gw-${path.basename(this.dir)}`,
      `base_dir = ${path.join(this.dir, "run")}`,
      `state_dir = ${path.join(this.dir, "state")}`,
      `log_path = ${this.logFile}`,
      `info_log_path = ${this.logFile}`,
      `protocols = imap`,
      `listen = 127.0.0.1`,
      ...(this.opts.tls ? [`ssl = yes`, `ssl_cert = <${path.join(this.dir, "server.pem")}`, `ssl_key = <${path.join(this.dir, "server.key")}`] : [`ssl = no`]),
      `disable_plaintext_auth = no`,
      // A refused sign-in answers at once (tests refuse some on purpose), not after 2 s.
      `auth_failure_delay = 0`,
      // XOAUTH2 only, as Exchange Online offers (a client offered OAUTHBEARER as well takes that).
      `auth_mechanisms = plain login${this.opts.oauth2IntrospectionUrl ? " xoauth2" : ""}`,
      `mail_location = maildir:${mail}/%n`,
      // IDLE notices new mail through inotify; the interval is only the fallback check.
      `mailbox_idle_check_interval = 1 secs`,
      `imap_idle_notify_interval = 1 mins`,
      `passdb {`,
      `  driver = passwd-file`,
      `  args = scheme=PLAIN username_format=%n ${path.join(this.dir, "passwd")}`,
      ...(this.opts.oauth2IntrospectionUrl ? [`  mechanisms = plain login`] : []),
      `}`,
      ...(this.opts.oauth2IntrospectionUrl ? [`passdb {`, `  driver = oauth2`, `  mechanisms = xoauth2 oauthbearer`, `  args = ${path.join(this.dir, "oauth2.conf")}`, `}`] : []),
      `userdb {`,
      `  driver = static`,
      asRoot ? `  args = uid=nobody gid=nogroup home=${mail}/%n` : `  args = uid=${me} gid=${group} home=${mail}/%n`,
      `}`,
      ...(asRoot ? [] : [`default_internal_user = ${me}`, `default_login_user = ${me}`, `default_internal_group = ${group}`]),
      `service imap-login {`,
      `  inet_listener imap {`,
      `    address = 127.0.0.1`,
      `    port = ${this.port}`,
      `  }`,
      `  inet_listener imaps {`,
      ...(this.opts.tls ? [`    address = 127.0.0.1`, `    port = ${this.tlsPort}`, `    ssl = yes`] : [`    port = 0`]),
      `  }`,
      `}`,
      // Many test connections in a short time from one address must not be throttled.
      `mail_max_userip_connections = 200`,
      // Test data only: no fsync per APPEND (a 1,000-message backlog is delivered in seconds).
      `mail_fsync = never`,
      `service imap {`,
      `  process_limit = 200`,
      `}`,
      this.opts.extraConfig ?? "",
    ];
    fs.writeFileSync(this.configFile, lines.join("\n") + "\n");
  }

  /**
   * CPU time (ms) the instance has used: its master process and every child it has reaped
   * (IMAP sessions that ended) or still runs. Read once no IMAP session is left (a session that
   * ends between reading the master and reading its children would be counted nowhere).
   * Linux /proc; for benchmarks.
   */
  async cpuMs(): Promise<number> {
    const until = Date.now() + 5000;
    while ((await this.sessionPids()).length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200)); // the master reaps the last session
    const stat = (pid: number) => {
      const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      return text.slice(text.lastIndexOf(")") + 2).split(" "); // after "pid (comm) "; comm may hold ")"
    };
    // utime stime cutime cstime: fields 14–17 of stat, 11–14 after "pid (comm) state".
    const ticks = (f: string[]) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    const master = Number(fs.readFileSync(path.join(this.dir, "run", "master.pid"), "utf8").trim());
    let total = ticks(stat(master));
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number)) {
      try {
        const f = stat(pid);
        if (Number(f[1]) === master) total += ticks(f);
      } catch {
        // gone meanwhile
      }
    }
    return (total * 1000) / CLOCK_TICKS;
  }

  /** The test CA's certificate (with `tls`): what a client must trust. */
  get caFile(): string {
    return path.join(this.dir, "ca.pem");
  }

  /** A CA and a server certificate for 127.0.0.1 / localhost signed by it (openssl, a dependency of dovecot-core). */
  private async makeCertificates(): Promise<void> {
    const f = (name: string) => path.join(this.dir, name);
    const ssl = (...args: string[]) => run("openssl", args);
    await ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gateway test CA", "-keyout", f("ca.key"), "-out", f("ca.pem"));
    await ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", f("server.key"), "-out", f("server.csr"));
    fs.writeFileSync(f("server.ext"), "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n");
    await ssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", f("server.ext"), "-out", f("server.pem"));
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (!fs.existsSync(DOVECOT_BIN)) throw new Error(`${DOVECOT_BIN} is missing: apt-get install -y dovecot-imapd`);
    if (!this.port) this.port = await freePort();
    if (this.opts.tls && !this.tlsPort) {
      do this.tlsPort = await freePort();
      while (this.tlsPort === this.port);
      await this.makeCertificates();
    }
    this.writeConfig();
    // The master daemonises and keeps inherited descriptors open: no pipes, or waiting for
    // their end would wait for the daemon's.
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(DOVECOT_BIN, ["-c", this.configFile], { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", (c) => resolve(c));
    });
    if (code !== 0) {
      const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8").slice(-2000) : "";
      throw new Error(`dovecot failed to start (exit ${code}); log:\n${log}`);
    }
    this.running = true;
    await waitForGreeting(this.port, 15_000);
  }

  /**
   * IMAP session processes (one per connection), as `doveadm who` lists them; all users when
   * `user` is not given.
   */
  async sessionPids(user?: string): Promise<number[]> {
    const { stdout } = await run(DOVEADM_BIN, ["-c", this.configFile, "who", "-1"]).catch(() => ({ stdout: "" }));
    return stdout
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 3 && f[1] === "imap" && (!user || f[0] === user))
      .map((f) => Number(f[2]))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  }

  /** Sends a signal to the session processes of `user` (SIGSTOP freezes the server side of a connection). */
  async signalSessions(user: string, signal: NodeJS.Signals): Promise<number[]> {
    const pids = await this.sessionPids(user);
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already
      }
    }
    return pids;
  }

  /**
   * Stops the instance the way a crash or an operator's stop looks to a client: open sessions
   * are cut at once (a plain `doveadm stop` lets each imap process finish and flush its current
   * command first, up to ~10 s), then the master and its services stop.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const pid of await this.sessionPids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await run(DOVEADM_BIN, ["-c", this.configFile, "stop"]).catch(() => undefined);
    await portClosed(this.port, 15_000);
    // The master removes its pid file last: starting again before that fails with "already running".
    const pidFile = path.join(this.dir, "run", "master.pid");
    const until = Date.now() + 10_000;
    while (fs.existsSync(pidFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the instance and removes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A connected imapflow client for the test's own look at the mailbox (quiet, no auto-IDLE). */
  async client(user: DovecotUser = this.user): Promise<ImapFlow> {
    const c = new ImapFlow({ host: "127.0.0.1", port: this.port, secure: false, doSTARTTLS: false, auth: { user: user.user, pass: user.pass }, logger: false, disableAutoIdle: true });
    c.on("error", () => undefined); // a test client cut by a Dovecot restart is simply discarded
    await c.connect();
    return c;
  }

  /** Runs `fn` with a fresh client and logs out afterwards. */
  async with<T>(fn: (c: ImapFlow) => Promise<T>, user: DovecotUser = this.user): Promise<T> {
    const c = await this.client(user);
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  }

  /**
   * APPENDs messages to a folder (created if missing); returns their UIDs. With `parallel` > 1
   * several connections deliver at once (UIDs then no longer follow the order of `messages`).
   */
  async append(folder: string, messages: Buffer | Buffer[], opts: { user?: DovecotUser; parallel?: number } = {}): Promise<number[]> {
    const list = Array.isArray(messages) ? messages : [messages];
    const user = opts.user ?? this.user;
    if (folder.toUpperCase() !== "INBOX") await this.with((c) => c.mailboxCreate(folder).catch(() => undefined), user);
    const lanes = Math.max(1, Math.min(opts.parallel ?? 1, list.length));
    const out: number[][] = await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        this.with(async (c) => {
          const uids: number[] = [];
          for (let i = lane; i < list.length; i += lanes) {
            const r = await c.append(folder, list[i]!);
            if (!r) throw new Error(`APPEND to ${folder} refused`);
            if (r.uid != null) uids.push(r.uid);
          }
          return uids;
        }, user),
      ),
    );
    return out.flat().sort((a, b) => a - b);
  }

  /** UIDs of the messages in a folder ([] when the folder does not exist). */
  async uids(folder: string, user: DovecotUser = this.user): Promise<number[]> {
    return this.with(async (c) => {
      const st = await c.status(folder, { messages: true }).catch(() => false as const);
      if (!st) return [];
      const lock = await c.getMailboxLock(folder, { readOnly: true });
      try {
        const r = await c.search({ all: true }, { uid: true });
        return r || [];
      } finally {
        lock.release();
      }
    }, user);
  }

  /** Number of messages in a folder (0 when it does not exist). */
  async count(folder: string, user: DovecotUser = this.user): Promise<number> {
    return this.with(async (c) => {
      const st = await c.status(folder, { messages: true }).catch(() => false as const);
      return st ? (st.messages ?? 0) : 0;
    }, user);
  }

  /** Every folder path of the account. */
  async folders(user: DovecotUser = this.user): Promise<string[]> {
    return this.with(async (c) => (await c.list()).map((l) => l.path), user);
  }
}
