// `gateway` command line. Each command is a thin shell over the services.
import fs from "node:fs";
import os from "node:os";
import { Command } from "commander";
import { roleLabel } from "./domain/roles.js";
import { errorMessage } from "./domain/errors.js";
import { SecondFactor } from "./accounts/second-factor.js";
import { createApp } from "./app.js";
import { verifyAudit } from "./audit/verify.js";
import path from "node:path";
import { importUnits, seedDir } from "./seed/reference.js";
import { demoPasswordProblem, hashPassword, loadActor, randomPassword, seedDemoUsers } from "./accounts/users.js";
import { endSessionsOf } from "./accounts/credentials.js";
import { audit } from "./audit/audit.js";
import { flushOutbox } from "./notify/outbox.js";
import { deliverReply } from "./demo/reply.js";
import { loadConfig } from "./config/index.js";
import { serve } from "./serve.js";
import type { IngestResult } from "./pipeline/contracts.js";
import { ImapIntake } from "./sources/imap/intake.js";
import { redactUrl } from "./sources/imap/account.js";

async function serveUntilSignal(app: Awaited<ReturnType<typeof createApp>>) {
  const running = await serve(app);
  const stop = async () => {
    await running.stop();
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return running;
}

/**
 * The exit code of `ingest` over several mailboxes: the worst outcome wins — 2 (a URL unusable)
 * over 1 (a mailbox failed) over 75 (a mailbox busy, try again later).
 */
function exitWith(code: 1 | 2 | 75): void {
  const rank = (c: number | string | undefined) => ({ 2: 3, 1: 2, 75: 1 })[Number(c ?? 0)] ?? 0;
  if (rank(code) > rank(process.exitCode)) process.exitCode = code;
}

/** One complete pass over an IMAP folder; problems go to stderr and the exit code (75: mailbox busy). */
async function ingestImap(app: Awaited<ReturnType<typeof createApp>>, url: string, onResult: (r: IngestResult) => void): Promise<IngestResult[]> {
  const made = ImapIntake.create({ db: app.db, pipeline: app.pipeline, config: app.config, url, log: (line) => console.error(line) });
  if (!made.ok) {
    console.error(made.error);
    exitWith(2);
    return [];
  }
  const r = await made.intake.runOnce(onResult);
  if (!r.ok && r.reason === "busy") {
    console.error(`邮箱 ${redactUrl(url)} 正由另一网关进程（${r.owner ?? "未知"}）收取，本次未收取`);
    exitWith(75);
  } else if (!r.ok) {
    console.error(`收取 ${redactUrl(url)} 失败：${r.error}（已提交的邮件不受影响，下次收取时继续）`);
    exitWith(1);
  }
  return r.results;
}

/**
 * The data directory every command uses, found the same way and said on stderr (stdout stays
 * the command's output, e.g. JSON): DATA_DIR if set; else ./data if it holds a gateway; else the
 * demo's ./data/demo if that holds one. Only commands that set up an installation (serve,
 * ingest, units import) create ./data; the others refuse to make an empty one and say where to look.
 */
function dataEnv(opts: { create: boolean; serve?: boolean }): NodeJS.ProcessEnv {
  const has = (dir: string) => fs.existsSync(path.join(dir, "gateway.db"));
  let dir: string;
  let why: string;
  if (process.env.DATA_DIR) [dir, why] = [path.resolve(process.env.DATA_DIR), "DATA_DIR"];
  else if (has(path.resolve("data"))) [dir, why] = [path.resolve("data"), "默认"];
  else if (has(path.resolve("data/demo"))) [dir, why] = [path.resolve("data/demo"), "未设置 DATA_DIR，./data 中没有网关数据，使用演示数据"];
  else if (opts.create) [dir, why] = [path.resolve("data"), "默认，首次使用将创建"];
  else throw new Error(`找不到网关数据：./data 和 ./data/demo 中都没有 gateway.db。请设置 DATA_DIR 指向数据目录（演示数据由 npm run demo 创建在 data/demo）`);
  if (!opts.create && !has(dir)) throw new Error(`数据目录 ${dir} 中没有网关数据（gateway.db）：请检查 DATA_DIR`);
  console.error(`数据目录：${dir}（${why}）`);
  // A one-shot command says what it did itself; its structured log holds warnings unless LOG_LEVEL says otherwise.
  return { ...process.env, DATA_DIR: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? (opts.serve ? "info" : "warn") };
}

const program = new Command();
program.name("gateway").description("河北省编办 e-mail and fax intake gateway");

program
  .command("ingest")
  .description("ingest what is in the mailbox and exit (one JSON object per message with --json)")
  .option("--maildir <path>", "Maildir to read (default: $MAILDIR or DATA_DIR/maildir)")
  .option("--imap <url>", "IMAP folder to read: imap://user:pass@host:port/INBOX (default: the mailboxes of $IMAP_URL unless --maildir is given)")
  .option("--once", "one pass, then exit", true)
  .option("--json", "print one JSON line per message")
  .action(async (opts: { maildir?: string; imap?: string; json?: boolean }) => {
    const app = await createApp(dataEnv({ create: true }));
    try {
      const imapUrls = opts.imap ? [opts.imap] : opts.maildir ? [] : app.config.imapUrls;
      const onResult = (r: IngestResult) => {
        if (opts.json) {
          const { messageId, file, outcome, unit, column, division, draftId, title, reason } = r;
          process.stdout.write(JSON.stringify({ messageId, file, outcome, unit, column, division, draftId, title, reason }) + "\n");
        }
      };
      const results: IngestResult[] = [];
      if (!imapUrls.length) results.push(...(await app.maildirIntake(opts.maildir ?? app.config.maildir).runOnce(onResult)));
      for (const url of imapUrls) results.push(...(await ingestImap(app, url, onResult)));
      if (!opts.json) {
        const counts = new Map<string, number>();
        for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
        console.log(`ingested ${results.length}: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ") || "nothing new"}`);
      }
    } finally {
      await app.close();
    }
  });

program
  .command("drafts")
  .description("list drafts")
  .option("--json", "JSON array")
  .action(async (opts: { json?: boolean }) => {
    const app = await createApp(dataEnv({ create: false }));
    try {
      const drafts = await app.db.draft.findMany({ orderBy: { id: "asc" }, include: { unit: true, column: true, division: true } });
      const rows = drafts.map((d) => ({ id: d.id, status: d.status, unit: d.unit?.name ?? null, column: d.column?.name ?? null, division: d.division?.name ?? null, title: d.title }));
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`#${r.id}\t${r.status}\t${r.unit ?? "（未确认）"}\t${r.column ?? "-"}\t${r.division ?? "-"}\t${r.title}`);
    } finally {
      await app.close();
    }
  });

const units = program.command("units").description("sending-unit registry");
units
  .command("import <file>")
  .description("import units from CSV: name,region_code,parent,emails,fax_numbers (idempotent: same name = update)")
  .action(async (file: string) => {
    const app = await createApp(dataEnv({ create: true }));
    try {
      const report = await importUnits(app.db, fs.readFileSync(file, "utf8"), "cli:units-import");
      if (report.problems.length) {
        console.error(`nothing imported; ${report.problems.length} problem(s):\n  ${report.problems.join("\n  ")}`);
        process.exitCode = 1;
      } else console.log(`imported: ${report.created.length} created, ${report.updated.length} updated`);
    } finally {
      await app.close();
    }
  });

const auditCmd = program.command("audit").description("audit trail");
auditCmd
  .command("verify")
  .description("recompute the keyed hash chain and check it against the anchor file; exit 1 and name the first missing, changed or re-hashed event")
  .action(async () => {
    // "inspect": a trail that would refuse to start is opened, so that verify can say what is wrong.
    const app = await createApp(dataEnv({ create: false }), { audit: "inspect" });
    try {
      const r = await verifyAudit(app.db, { anchorFile: app.auditFiles.anchorFile });
      if (r.ok) {
        // The head just verified becomes an anchor, so a later truncation is caught from here on.
        await app.anchors.anchor("verify", true);
        console.log(`审计记录完整：共 ${r.count} 条（#${r.keyedFromId} 起以审计密钥计算），已核对锚点 ${r.anchorsChecked} 个，当前链头已写入锚点文件 ${app.auditFiles.anchorFile}`);
      } else {
        console.error(`审计记录被篡改：${r.problem}${r.firstBadId ? `（第一处问题：#${r.firstBadId}）` : ""}；此前 ${r.count} 条核验无误`);
        process.exitCode = 1;
      }
    } finally {
      await app.close();
    }
  });

const accountCmd = program.command("account").description("accounts, on the host (for what the web screens do not allow)");
accountCmd
  .command("reset-2fa <username>")
  .description("remove an account's second factor (a lost phone; for administrators this is the only way); it is set up again at the next sign-in")
  .action(async (username: string) => {
    const app = await createApp(dataEnv({ create: false }));
    try {
      const user = await app.db.user.findUnique({ where: { username } });
      if (!user) {
        console.error(`没有账号 ${username}`);
        process.exitCode = 1;
        return;
      }
      await new SecondFactor(app.db, app.config.dbFile).clear(user.id, { actor: `system:cli:${os.userInfo().username}` });
      console.log(`已重置 ${username} 的双因素登录（已记入审计，其登录已全部退出）；下次登录时须重新设置`);
    } finally {
      await app.close();
    }
  });

accountCmd
  .command("reset-password <username>")
  .description("a new one-time password printed here, on the host (for an approver without a registered address; the web screen mails an approver's)")
  .action(async (username: string) => {
    const app = await createApp(dataEnv({ create: false }));
    try {
      const user = await app.db.user.findUnique({ where: { username } });
      if (!user) {
        console.error(`没有账号 ${username}`);
        process.exitCode = 1;
        return;
      }
      const password = randomPassword();
      const passwordHash = await hashPassword(password);
      await app.db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { passwordHash, mustChangePassword: true, failedLogins: 0, lockedUntil: null } });
        const ended = await endSessionsOf(tx, user.id);
        await audit(tx, { actor: `system:cli:${os.userInfo().username}`, action: "user.password_reset", entityType: "user", entityId: user.id, detail: { username, sessionsEnded: ended, oneTimePassword: "printed on the host" } });
      });
      console.log(`已重置 ${username} 的密码（已记入审计，其登录已全部退出）。一次性密码：${password}（请当面交给本人，首次登录须修改）`);
    } finally {
      await app.close();
    }
  });

program
  .command("serve")
  .description("run the review screen and the mailbox poller")
  .action(async () => {
    await serveUntilSignal(await createApp(dataEnv({ create: true, serve: true })));
  });

program
  .command("demo")
  .description("fresh demo data directory: seed, demo accounts, fixture mail in the Maildir, then serve")
  .option("--dir <path>", "demo data directory (wiped first)", "./data/demo")
  .action(async (opts: { dir: string }) => {
    const dir = path.resolve(opts.dir);
    // An empty or weak DEMO_PASSWORD would give every demo account that password: refused.
    const password = process.env.DEMO_PASSWORD ?? randomPassword();
    const weak = demoPasswordProblem(password, loadConfig().passwordPolicy);
    if (weak) {
      console.error(`DEMO_PASSWORD 不能使用：${weak}（不设置 DEMO_PASSWORD 则随机生成）`);
      process.exitCode = 2;
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const app = await createApp({ ...process.env, DATA_DIR: dir, MAILDIR: path.join(dir, "maildir") });
    await importUnits(app.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "system:demo");
    const users = await seedDemoUsers(app.db, password);
    const maildir = app.maildirIntake().maildir;
    let delivered = 0;
    for (const kind of ["mail", "fax"]) {
      const dirOf = path.resolve(seedDir, "../../fixtures", kind);
      for (const f of fs.readdirSync(dirOf).filter((f) => f.endsWith(".eml")).sort()) {
        maildir.deliver(fs.readFileSync(path.join(dirOf, f)), `.${f.replace(/[^A-Za-z0-9-]/g, "")}`);
        delivered++;
      }
    }
    console.log(`demo data in ${dir}: ${delivered} fixture messages (mail and faxes) delivered to ${maildir.root}/new`);
    console.log(`demo accounts (password for all: ${password}):`);
    // Each person's roles as the screen says them: 综合处信息管理员, 办领导 …
    const grants = await app.db.user.findMany({ include: { grants: { include: { division: true } } } });
    const rolesOf = new Map(grants.map((u) => [u.username, u.grants.map((g) => `${g.division?.name ?? ""}${roleLabel[g.role as keyof typeof roleLabel] ?? "其他角色"}`).join("、")]));
    for (const u of users) console.log(`  ${u.username.padEnd(14)} ${u.name}\t${rolesOf.get(u.username) || "（无角色）"}`);
    await serveUntilSignal(app);
    // One item already waits for 处长审核, so the outbox holds a request to answer by e-mail.
    const admin = await loadActor(app.db, (await app.db.user.findUniqueOrThrow({ where: { username: "zhangwenyi" } })).id);
    const item = await app.db.draft.findFirst({ where: { status: "triage", unitConfirmed: true, columnId: { not: null }, division: { name: "综合处" } }, orderBy: { id: "asc" } });
    if (admin && item) {
      await app.review.act(admin, item.id, item.version, "send_for_review", {});
      await flushOutbox(app.db, app.config);
      const request = await app.db.outboundMail.findFirst({ where: { kind: "approval_request", draftId: item.id } });
      if (request?.emlPath)
        console.log(`\n#${item.id}「${item.title}」awaits 处长审核. Approve it by e-mail as 李英明 would:\n  npm run gateway -- reply ${path.relative(process.cwd(), request.emlPath)} 同意\n`);
    }
  });

program
  .command("reply <request.eml> <text...>")
  .description("demo: answer an approval request from the outbox as its approver's mail client would, into the intake Maildir")
  .action(async (file: string, words: string[]) => {
    const maildir = process.env.MAILDIR ?? loadConfig(dataEnv({ create: false })).maildir;
    if (!fs.existsSync(file)) throw new Error(`找不到审批请求邮件 ${file}：请用 npm run demo 打印的路径，或在数据目录的 outbox/ 中找 *-approval_request.eml`);
    const name = await deliverReply(file, words.join(" "), maildir);
    console.log(`reply delivered to ${maildir}/new/${name}; the running gateway applies it within seconds`);
  });

// A problem the operator can act on is said in one line, never as a stack trace.
try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`错误：${errorMessage(err)}`);
  if (process.env.GATEWAY_DEBUG) console.error(err);
  process.exit(1);
}
