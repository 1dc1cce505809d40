// `gateway serve`: the web screen, the Maildir poller (and an IMAP poller for each mailbox of
// IMAP_URL) and housekeeping in one process.
import fs from "node:fs";
import path from "node:path";
import type { Server } from "node:http";
import type { App } from "./app.js";
import { ensureAdministrators } from "./accounts/users.js";
import { roleLabel } from "./domain/roles.js";
import { createWebApp } from "./web/app.js";
import { errorMessage } from "./domain/errors.js";
import { redactTokens } from "./domain/token-shape.js";
import { queueQuarantineNotices, queueReceipts } from "./approvals/requests.js";
import { flushOutbox } from "./notify/outbox.js";
import { flushWebhooks } from "./publish/webhook.js";
import { ImapIntake } from "./sources/imap/intake.js";
import { redactUrl } from "./sources/imap/account.js";
import { pruneThrottle } from "./accounts/throttle.js";
import { findLooseModes, looseModesWarning } from "./util/file-modes.js";
import { lineLogger, logged, type Logger } from "./util/log.js";

export interface Running {
  server: Server;
  url: string;
  stop(): Promise<void>;
  pollNow(): Promise<void>;
}

/**
 * Starts everything. `out` is where it speaks: by default the operator's terminal (stdout: the
 * address) beside the app's structured log (app.log: stderr or LOG_FILE), which every source,
 * the outbox and the webhooks write to; a callback (tests) gets both, as plain lines (the log's
 * from info up). Neither carries an approval token (domain/token-shape.ts; the log redacts too).
 */
export async function serve(app: App, out?: (line: string) => void): Promise<Running> {
  const speak = out ?? ((line: string) => console.log(line));
  const say = (line: string) => speak(redactTokens(line));
  const log: Logger = out ? lineLogger(say) : app.log;
  // 三员分立: three administrators for three people. Their one-time passwords never go to the
  // service log (journald, log shippers: read by more people than the three): only to a 0600 file
  // in DATA_DIR and, when the gateway runs in a terminal, to that terminal.
  const created = await ensureAdministrators(app.db);
  if (created.length) {
    const file = path.join(app.config.dataDir, "first-start-passwords.txt");
    const lines = created.map((a) => `${new Date().toISOString()}  ${roleLabel[a.role]} (${a.role})  ${a.username}  ${a.password}`);
    fs.appendFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    if (process.stderr.isTTY) process.stderr.write(`首次启动创建的管理员一次性密码（首次登录须修改）：\n${lines.join("\n")}\n`);
    for (const a of created) log.warn({ role: a.role, username: a.username }, `first start: created ${roleLabel[a.role]} (${a.role}) "${a.username}"; its one-time password is in ${file} (0600) — hand it over, then delete the file`);
  }

  const { web, store } = createWebApp(app);
  // A port already taken is said plainly and ends the start (before any poller runs), rather than
  // printing the URL of a screen that is not there.
  const server = await new Promise<Server>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `端口 ${app.config.port} 已被占用（${app.config.host}）：另一个网关或程序正在使用它。请先停止它，或用 PORT=其他端口 启动`
            : err.code === "EACCES"
              ? `没有权限监听端口 ${app.config.port}（1024 以下的端口需要特权）：请用 PORT=3000 等端口启动`
              : `无法监听 ${app.config.host}:${app.config.port}：${err.message}`,
        ),
      );
    // Express 5 hands a listen error to this callback (and the server emits it too).
    const s = web.listen(app.config.port, app.config.host, (err?: Error) => (err ? failed(err as NodeJS.ErrnoException) : resolve(s)));
    s.once("error", failed);
  });
  const addr = server.address();
  const url = typeof addr === "object" && addr ? `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}` : app.config.publicBaseUrl;
  say(`review screen: ${url}`);
  if (!out) log.info({ url }, "review screen listening");

  // Receipts and quarantine notices for what any poller committed, one sweep at a time.
  const sweep = singleFlight(async () => {
    await queueReceipts(app.db, app.config);
    await queueQuarantineNotices(app.db, app.config);
  });

  // One flush at a time in this process (the claim in flushOutbox keeps processes apart).
  const flush = singleFlight(async () => {
    await flushOutbox(app.db, app.config, log.child({ component: "outbox" })).then(
      () => undefined,
      (err: unknown) => log.error({ err }, `outbox error: ${errorMessage(err)}`),
    );
  });

  // One pass at a time; a new delivery during a pass triggers one more pass after it.
  // Every source logs through this logger (the pipeline's line per message included).
  const intake = app.maildirIntake(undefined, log);
  const poll = singleFlight(async () => {
    try {
      // Each message is logged by the pipeline under its intake id.
      await intake.runOnce();
      await sweep();
      await flush();
    } catch (err) {
      log.error({ err }, `intake error: ${errorMessage(err)}`);
      // For 运行状态; the pass is retried on the next delivery or tick either way.
      const mailbox = await intake.mailbox().catch(logged(log, "mailbox row not read; its last error is not recorded"));
      if (mailbox != null) await app.db.mailbox.update({ where: { id: mailbox }, data: { lastError: errorMessage(err) } }).catch(logged(log, "mailbox's last error not recorded"));
    }
  });
  intake.maildir.ensure();
  // inotify tells about a delivery at once; the timer is the safety net (watchers can miss events).
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(path.join(intake.maildir.root, "new"), () => void poll());
  } catch (err) {
    // The timer below polls anyway, only less promptly.
    log.warn({ err }, "Maildir not watched (inotify unavailable): polled by the timer alone");
    watcher = null;
  }
  const timer = setInterval(() => void poll(), app.config.pollIntervalMs);
  // Mail queued by web actions (approval requests, notices) goes out within seconds.
  const outbox = setInterval(() => void flush(), 2000);
  // The website push: its own single flight, so a slow receiver never delays the mail.
  const pushWebsite = singleFlight(async () => void (await flushWebhooks(app.db, app.config, log.child({ component: "webhook" })).catch((err: unknown) => log.error({ err }, `webhook error: ${errorMessage(err)}`))));
  const webhooks = setInterval(() => void pushWebsite(), 2000);
  const housekeeping = setInterval(() => void Promise.all([store.prune(), pruneThrottle(app.db)]).catch((err: unknown) => log.warn({ err }, `housekeeping: ${errorMessage(err)}`)), 10 * 60_000);
  // The audit chain's head goes to the anchor file within a second of each commit (app.anchors),
  // and at start and stop as markers of a clean start and stop.
  app.anchors.log = (line) => log.warn(`audit anchor: ${line}`);
  const anchor = (reason: string) => app.anchors.anchor(reason, true).catch((err: unknown) => log.error({ err }, `audit anchor not written: ${errorMessage(err)}`));
  await anchor("start");
  await poll();
  const imap = startImap(app, log, sweep);
  void checkFileModes(app, log);

  return {
    server,
    url,
    pollNow: async () => void (await Promise.all([poll(), ...imap.map((i) => i.pollNow())])),
    async stop() {
      await Promise.all(imap.map((i) => i.stop()));
      clearInterval(timer);
      clearInterval(outbox);
      clearInterval(webhooks);
      await pushWebsite.settled();
      clearInterval(housekeeping);
      watcher?.close();
      await poll.settled();
      await sweep.settled();
      await flush.settled();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      await anchor("stop");
    },
  };
}

/**
 * The start-up check of the data directory's modes (util/file-modes.ts): a warning in the log and
 * on 运行状态 (one open alert at a time), after start-up so that a large blob store does not delay it.
 */
async function checkFileModes(app: App, log: Logger): Promise<void> {
  try {
    const c = app.config;
    const roots = [c.dataDir, c.maildir, c.audit.keyFile, c.audit.anchorFile].filter((p, i, all) => all.indexOf(p) === i && (i === 0 || !p.startsWith(`${c.dataDir}${path.sep}`)));
    const { loose } = await findLooseModes(roots);
    const warning = looseModesWarning(loose);
    if (!warning) return;
    log.warn(`file modes: ${warning}`);
    if (!(await app.db.alert.findFirst({ where: { kind: "file_modes", resolvedAt: null } }))) await app.db.alert.create({ data: { kind: "file_modes", message: warning } });
  } catch (err) {
    log.warn({ err }, `file modes not checked: ${errorMessage(err)}`);
  }
}

/**
 * An IMAP poller for each mailbox of IMAP_URL, each with its own connection, lease and status
 * row; an unusable URL is logged and the rest of the gateway runs.
 */
function startImap(app: App, log: Logger, sweep: () => Promise<void>): ImapIntake[] {
  const started = new Map<string, ImapIntake>();
  for (const url of app.config.imapUrls) {
    const made = ImapIntake.create({ db: app.db, pipeline: app.pipeline, config: app.config, url, log });
    if (!made.ok) {
      log.error(`imap intake not started: ${made.error}`);
      continue;
    }
    // The same folder twice (host names and INBOX are case-insensitive) would be fetched twice.
    const a = made.intake.account;
    const key = `${a.user}@${a.host.toLowerCase()}:${a.port}/${a.folder.toUpperCase() === "INBOX" ? "INBOX" : a.folder}`;
    if (started.has(key)) {
      log.warn(`imap intake: ${redactUrl(url)} is listed twice in IMAP_URL; polled once`);
      continue;
    }
    made.intake.start(
      undefined, // each message is logged by the pipeline under its intake id
      async (results) => void (results.length && (await sweep())),
    );
    log.info(`imap intake: ${redactUrl(url)}`);
    started.set(key, made.intake);
  }
  return [...started.values()];
}

/**
 * `fn` once at a time: a call while it runs is answered by one more run after the current one.
 * `settled()` waits for the run under way, if any, without starting one.
 */
function singleFlight(fn: () => Promise<void>): (() => Promise<void>) & { settled(): Promise<void> } {
  let current: Promise<void> | null = null;
  let again = false;
  const run = (): Promise<void> => {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        await fn();
      } while (again);
    })().finally(() => (current = null));
    return current;
  };
  // settled() only waits: the run's own failure went to whoever called it.
  return Object.assign(run, { settled: () => (current ?? Promise.resolve()).catch(() => undefined) });
}
