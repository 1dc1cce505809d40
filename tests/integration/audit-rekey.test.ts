// The audit trail cannot be re-keyed after tampering (security review H1): whether the chain is
// keyed is said by the key file's existence, not by a row that whoever has the database file can
// rename. With the key there, a chain without its keyed row or without its anchor file refuses to
// start, and `gateway audit verify` (the real CLI) fails naming why. The anchor file is made only
// in the step that makes a new key. And the head is anchored within a second of each commit, so
// a truncation of the rows written since the start is found too.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { audit } from "../../src/audit/audit.js";
import { GENESIS, legacyHash } from "../../src/audit/chain.js";
import { verifyAudit } from "../../src/audit/verify.js";
import { gatewayCli, tempDir } from "../helpers.js";

const open: App[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

function envIn(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, DATA_DIR: dir, MAILDIR: path.join(dir, "maildir"), PORT: "0", POLL_INTERVAL_MS: "600000" };
}

async function appIn(env: NodeJS.ProcessEnv): Promise<App> {
  const app = await createApp(env);
  open.push(app);
  return app;
}

async function closeApp(app: App): Promise<void> {
  open.splice(open.indexOf(app), 1);
  await app.close();
}

async function approvals(app: App, n: number, from = 100): Promise<void> {
  for (let i = 0; i < n; i++)
    await app.db.$transaction((tx) => audit(tx, { actor: "user:zhangcaiyan", action: "review.division_approve", entityType: "draft", entityId: from + i, detail: { channel: "web" } }));
}

function tamper(dbFile: string, fn: (db: Database.Database) => void): void {
  const db = new Database(dbFile);
  db.exec(`DROP TRIGGER IF EXISTS AuditEvent_no_update; DROP TRIGGER IF EXISTS AuditEvent_no_delete;`);
  fn(db);
  db.close();
}

type RawRow = { id: number; at: string; actor: string; action: string; entityType: string | null; entityId: string | null; detail: string; ip: string | null; prevHash: string; hash: string };

/** The review's forgery: draft 102 approved by someone else, the keyed row renamed, every hash recomputed as sha256. */
function forgeAsLegacy(db: Database.Database): void {
  db.prepare(`UPDATE AuditEvent SET actor = 'user:liyingming' WHERE entityId = '102'`).run();
  db.prepare(`UPDATE AuditEvent SET action = 'audit.note' WHERE action = 'audit.chain_keyed'`).run();
  let prev = GENESIS;
  for (const r of db.prepare(`SELECT * FROM AuditEvent ORDER BY id`).all() as RawRow[]) {
    const hash = legacyHash({ ...r, at: new Date(r.at), prevHash: prev });
    db.prepare(`UPDATE AuditEvent SET prevHash = ?, hash = ? WHERE id = ?`).run(`tmp-${r.id}`, `tmp-${r.id}`, r.id);
    db.prepare(`UPDATE AuditEvent SET prevHash = ?, hash = ? WHERE id = ?`).run(prev, hash, r.id);
    prev = hash;
  }
}

async function cliVerify(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  try {
    const r = await gatewayCli(["audit", "verify"], env);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const anchorLines = (file: string) => fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { reason: string; lastId: number; count: number });

describe("the audit chain cannot be re-keyed after tampering", () => {
  it("the review's proof of concept: keyed row renamed, chain re-hashed as sha256, anchor file deleted — verify fails, the gateway refuses to start", async () => {
    const env = envIn(tempDir());
    const app = await appIn(env);
    await approvals(app, 5);
    const { anchorFile, keyFile } = app.auditFiles;
    const dbFile = app.config.dbFile;
    await closeApp(app);

    tamper(dbFile, forgeAsLegacy);
    fs.rmSync(anchorFile);

    const r = await cliVerify(env);
    expect(r.code).toBe(1);
    expect(r.out).toContain("审计记录被篡改");
    expect(r.out).toContain("没有启用密钥的记录（audit.chain_keyed）");
    expect(r.out).toContain(`锚点文件 ${anchorFile} 不存在`);
    // Nothing was re-keyed or re-created on the way.
    expect(fs.existsSync(anchorFile)).toBe(false);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM AuditEvent WHERE action = 'audit.chain_keyed'`).get()).toEqual({ n: 0 });
    db.close();
    expect(fs.statSync(keyFile).isFile()).toBe(true);
    await expect(createApp(env)).rejects.toThrow(/网关拒绝启动：审计密钥文件存在，但审计链中没有启用密钥的记录.*锚点文件 .* 不存在/);
  });

  it("a keyed row renamed alone (anchor file kept), or the anchor file deleted alone: refuses to start and verify says which", async () => {
    const env = envIn(tempDir());
    const app = await appIn(env);
    await approvals(app, 3);
    await closeApp(app);
    tamper(app.config.dbFile, forgeAsLegacy);
    await expect(createApp(env)).rejects.toThrow(/审计密钥文件存在，但审计链中没有启用密钥的记录/);
    // Through the inspect mode the CLI uses: the rows are legacy-valid, yet verify fails.
    const inspect = await createApp(env, { audit: "inspect" });
    open.push(inspect);
    expect(await verifyAudit(inspect.db, inspect.auditFiles)).toMatchObject({ ok: false, kind: "rehashed", problem: expect.stringContaining("没有启用密钥的记录") });

    const other = envIn(tempDir());
    const second = await appIn(other);
    await approvals(second, 3);
    await closeApp(second);
    fs.rmSync(second.auditFiles.anchorFile);
    await expect(createApp(other)).rejects.toThrow(/锚点文件 .* 不存在：它只在生成审计密钥时创建/);
    expect(fs.existsSync(second.auditFiles.anchorFile)).toBe(false);
  });

  it("no key but an anchor file: refuses to make a new key over anchored history", async () => {
    const env = envIn(tempDir());
    const app = await appIn(env);
    await approvals(app, 3);
    await closeApp(app);
    tamper(app.config.dbFile, forgeAsLegacy);
    fs.chmodSync(app.auditFiles.keyFile, 0o600);
    fs.rmSync(app.auditFiles.keyFile);
    await expect(createApp(env)).rejects.toThrow(/锚点文件 .* 存在，但审计密钥文件 .* 不存在，审计链中也没有启用密钥的记录/);
    expect(fs.existsSync(app.auditFiles.keyFile)).toBe(false);
  });

  it("keys a new chain in one step; a crash between the keyed row and the key's rename is finished at the next start", async () => {
    const dir = tempDir();
    const env = envIn(dir);
    const app = await appIn(env);
    const { keyFile, anchorFile } = app.auditFiles;
    expect(fs.existsSync(`${keyFile}.new`)).toBe(false);
    expect(anchorLines(anchorFile)[0]).toMatchObject({ reason: "keyed", lastId: 1, count: 1 });
    await closeApp(app);
    // As if the first start had died after committing the keyed row: the key still pending, no anchor file.
    fs.renameSync(keyFile, `${keyFile}.new`);
    fs.rmSync(anchorFile);
    const again = await appIn(env);
    expect(fs.existsSync(keyFile)).toBe(true);
    expect(fs.existsSync(`${keyFile}.new`)).toBe(false);
    expect(anchorLines(anchorFile)[0]).toMatchObject({ reason: "keyed", lastId: 1 });
    await approvals(again, 2);
    expect(await verifyAudit(again.db, again.auditFiles)).toMatchObject({ ok: true, keyedFromId: 1 });
    // A pending key that is not the one the keyed row names is no way around a lost key.
    await closeApp(again);
    fs.chmodSync(keyFile, 0o600);
    fs.rmSync(keyFile);
    fs.writeFileSync(`${keyFile}.new`, `${"ab".repeat(32)}\n`, { mode: 0o400 });
    await expect(createApp(env)).rejects.toThrow(/审计密钥文件 .* 不存在，但审计记录 #1 起是用密钥计算的/);
  });
});

describe("anchored within a second of each commit", () => {
  it("rows written since the start are anchored while the gateway runs, so deleting them is found", async () => {
    const env = envIn(tempDir());
    const app = await appIn(env);
    await approvals(app, 4); // rows 2–5, after the keyed anchor (#1)
    // No stop, no verify: the anchorer alone writes the head, within a second or so.
    const deadline = Date.now() + 10_000;
    while (anchorLines(app.auditFiles.anchorFile).at(-1)!.lastId < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(anchorLines(app.auditFiles.anchorFile).at(-1)).toMatchObject({ reason: "commit", lastId: 5, count: 5 });

    tamper(app.config.dbFile, (db) => {
      db.prepare(`DELETE FROM AuditEvent WHERE id > 3`).run();
      db.prepare(`UPDATE sqlite_sequence SET seq = 3 WHERE name = 'AuditEvent'`).run();
    });
    // The running anchorer does not anchor the shortened chain; it says so on 运行状态.
    const said = Date.now() + 10_000;
    while (!(await app.db.alert.findFirst({ where: { kind: "audit_anchor" } })) && Date.now() < said) await new Promise((r) => setTimeout(r, 100));
    expect((await app.db.alert.findFirstOrThrow({ where: { kind: "audit_anchor" } })).message).toContain("审计链比锚点文件记下的短：锚点记到 #5，数据库中最后一条是 #3");
    await closeApp(app);
    expect(anchorLines(app.auditFiles.anchorFile).at(-1)!.lastId).toBe(5);
    const inspect = await createApp(env, { audit: "inspect" });
    open.push(inspect);
    expect(await verifyAudit(inspect.db, inspect.auditFiles)).toMatchObject({ ok: false, kind: "truncated", firstBadId: 4, problem: expect.stringContaining("审计记录 #4–#5 缺失") });
  });

  it("rows of a short-lived command are anchored when it closes", async () => {
    const env = envIn(tempDir());
    const app = await appIn(env);
    await approvals(app, 2);
    await closeApp(app);
    expect(anchorLines(app.auditFiles.anchorFile).at(-1)).toMatchObject({ lastId: 3, count: 3 });
  });
});
