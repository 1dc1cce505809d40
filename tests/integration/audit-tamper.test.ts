// The audit trail against someone with the database file (Art. 7, 等保 安全审计): the triggers
// are dropped and rows deleted, edited and re-hashed with better-sqlite3, as anyone with file
// access can; `gateway audit verify` (the real CLI) must name the first missing, changed or
// re-hashed row. Also: a chain written before the audit key existed stays verifiable after the
// upgrade, and the key and anchor files are where they must be, with the modes they must have.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { audit } from "../../src/audit/audit.js";
import { legacyHash, GENESIS } from "../../src/audit/chain.js";
import { verifyAudit } from "../../src/audit/verify.js";
import { migrate } from "../../src/db/migrate.js";
import { gatewayCli, tempDir } from "../helpers.js";

const open: App[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

async function appIn(dir: string): Promise<{ app: App; env: NodeJS.ProcessEnv }> {
  const env = { ...process.env, DATA_DIR: dir, MAILDIR: path.join(dir, "maildir"), PORT: "0", POLL_INTERVAL_MS: "600000" };
  const app = await createApp(env);
  open.push(app);
  return { app, env };
}

/** Realistic events of a working morning, written through the application. */
async function workday(app: App, n = 6): Promise<void> {
  const actions = ["auth.login", "draft.triage", "draft.edit", "review.send_for_review", "review.division_approve", "review.publish"];
  for (let i = 0; i < n; i++)
    await app.db.$transaction((tx) => audit(tx, { actor: "user:zhangwenyi", action: actions[i % actions.length]!, entityType: "draft", entityId: 1000 + i, ip: "10.13.1.20", detail: { from: "triage", to: "division_review" } }));
}

/** As an attacker with the file would: triggers off, then whatever `fn` does. */
function tamper(dbFile: string, fn: (db: Database.Database) => void): void {
  const db = new Database(dbFile);
  db.exec(`DROP TRIGGER IF EXISTS AuditEvent_no_update; DROP TRIGGER IF EXISTS AuditEvent_no_delete;`);
  fn(db);
  db.close();
}

type RawRow = { id: number; at: string; actor: string; action: string; entityType: string | null; entityId: string | null; detail: string; ip: string | null; prevHash: string; hash: string };

/** Recomputes every hash from row `from` on with plain sha256, as someone without the key must. */
function rehashFrom(db: Database.Database, from: number): void {
  const rows = db.prepare(`SELECT * FROM AuditEvent WHERE id >= ? ORDER BY id`).all(from) as RawRow[];
  let prev = from === 1 ? GENESIS : (db.prepare(`SELECT hash FROM AuditEvent WHERE id < ? ORDER BY id DESC LIMIT 1`).get(from) as { hash: string }).hash;
  for (const r of rows) {
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

const lastId = (app: App) => app.db.auditEvent.count();

describe("audit trail against someone with the database file", () => {
  it("keeps the key in a 0400 file and anchors the head on every verify", async () => {
    const dir = tempDir();
    const { app, env } = await appIn(dir);
    expect(fs.statSync(app.config.audit.keyFile).mode & 0o777).toBe(0o400);
    const first = await app.db.auditEvent.findFirstOrThrow({ orderBy: { id: "asc" } });
    expect(first).toMatchObject({ id: 1, action: "audit.chain_keyed", prevHash: GENESIS });
    await workday(app);
    const r = await cliVerify(env);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`审计记录完整：共 ${await lastId(app)} 条`);
    const anchors = fs.readFileSync(app.config.audit.anchorFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { reason: string });
    expect(anchors[0]).toMatchObject({ reason: "keyed", count: 1, lastId: 1 });
    expect(anchors.filter((a) => a.reason === "verify")).toEqual([expect.objectContaining({ count: await lastId(app), lastId: await lastId(app) })]);
    expect(fs.statSync(app.config.audit.anchorFile).mode & 0o777).toBe(0o600);
  });

  it("names the first missing row when the last rows are deleted (truncation)", async () => {
    const dir = tempDir();
    const { app, env } = await appIn(dir);
    await workday(app, 8);
    expect((await cliVerify(env)).code).toBe(0); // anchors the head: 9 rows
    const head = await lastId(app);
    tamper(app.config.dbFile, (db) => {
      db.prepare(`DELETE FROM AuditEvent WHERE id > ?`).run(head - 3);
      db.prepare(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'AuditEvent'`).run(head - 3);
    });
    const r = await cliVerify(env);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`审计记录 #${head - 2}–#${head} 缺失`);
    expect(r.out).toContain("末尾的记录被删除");
    // No anchor was written for the truncated chain.
    const last = JSON.parse(fs.readFileSync(app.config.audit.anchorFile, "utf8").trim().split("\n").at(-1)!);
    expect(last.lastId).toBe(head);
  });

  it("names the row that was edited and the whole chain re-hashed after it", async () => {
    const dir = tempDir();
    const { app, env } = await appIn(dir);
    await workday(app, 8);
    tamper(app.config.dbFile, (db) => {
      db.prepare(`UPDATE AuditEvent SET actor = 'user:liyingming' WHERE id = 5`).run();
      rehashFrom(db, 5);
    });
    const r = await cliVerify(env);
    expect(r.code).toBe(1);
    expect(r.out).toContain("审计记录 #5 的哈希被重新计算过");
    const v = await verifyAudit(app.db, app.auditFiles);
    expect(v).toMatchObject({ ok: false, kind: "rehashed", firstBadId: 5, count: 4 });
  });

  it("names an edited row, and a row deleted from the middle", async () => {
    const dir = tempDir();
    const { app } = await appIn(dir);
    await workday(app, 8);
    tamper(app.config.dbFile, (db) => db.prepare(`UPDATE AuditEvent SET detail = '{"from":"triage","to":"published"}' WHERE id = 4`).run());
    expect(await verifyAudit(app.db, app.auditFiles)).toMatchObject({ ok: false, kind: "changed", firstBadId: 4 });

    const other = await appIn(tempDir());
    await workday(other.app, 8);
    tamper(other.app.config.dbFile, (db) => {
      db.prepare(`DELETE FROM AuditEvent WHERE id = 6`).run();
      rehashFrom(db, 7); // relinked, still without the key
    });
    expect(await verifyAudit(other.app.db, other.app.auditFiles)).toMatchObject({ ok: false, kind: "missing", firstBadId: 6 });
  });

  it("reports a deleted or edited anchor file, and refuses to start without the key", async () => {
    const dir = tempDir();
    const { app, env } = await appIn(dir);
    await workday(app);
    const anchorFile = app.config.audit.anchorFile;
    const lines = fs.readFileSync(anchorFile, "utf8");
    fs.writeFileSync(anchorFile, lines.replace(/"count":1,/, '"count":0,'));
    expect(await verifyAudit(app.db, app.auditFiles)).toMatchObject({ ok: false, kind: "anchor", problem: expect.stringContaining("锚点文件第 1 行被改动") });
    fs.rmSync(anchorFile);
    const r = await cliVerify(env);
    expect(r.code).toBe(1);
    expect(r.out).toContain("不存在");
    expect(fs.existsSync(anchorFile)).toBe(false); // never quietly re-created

    await app.close();
    open.splice(open.indexOf(app), 1);
    fs.chmodSync(app.config.audit.keyFile, 0o600);
    fs.rmSync(app.config.audit.keyFile);
    await expect(createApp(env)).rejects.toThrow(/审计密钥文件 .* 不存在.*请从备份恢复/);
  });

  it("keeps a chain written before the audit key existed verifiable, and bound by the first keyed row", async () => {
    // The previous version's database: the same schema, rows hashed with plain sha256.
    const dir = tempDir();
    const dbFile = path.join(dir, "gateway.db");
    migrate(dbFile);
    const legacy = new Database(dbFile);
    let prev = GENESIS;
    for (let i = 1; i <= 5; i++) {
      const row = { at: new Date(Date.UTC(2026, 10, 20, 2, i)), actor: "user:yaolin", action: "unit.update", entityType: "unit", entityId: String(i), detail: JSON.stringify({ name: "正定县编办" }), ip: "10.13.1.5", prevHash: prev };
      const hash = legacyHash(row);
      legacy.prepare(`INSERT INTO AuditEvent (at, actor, action, entityType, entityId, detail, ip, prevHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(row.at.toISOString().replace("Z", "+00:00"), row.actor, row.action, row.entityType, row.entityId, row.detail, row.ip, prev, hash);
      prev = hash;
    }
    legacy.close();

    const { app } = await appIn(dir);
    const keyed = await app.db.auditEvent.findFirstOrThrow({ where: { action: "audit.chain_keyed" } });
    expect(keyed.id).toBe(6);
    expect(JSON.parse(keyed.detail)).toMatchObject({ legacyCount: 5, legacyHead: prev });
    await workday(app);
    expect(await verifyAudit(app.db, app.auditFiles)).toMatchObject({ ok: true, count: 12, keyedFromId: 6 });

    // An old row edited in place: found at that row.
    tamper(app.config.dbFile, (db) => db.prepare(`UPDATE AuditEvent SET actor = 'user:mayun' WHERE id = 2`).run());
    expect(await verifyAudit(app.db, app.auditFiles)).toMatchObject({ ok: false, kind: "changed", firstBadId: 2 });
    // Old rows re-hashed up to the keyed row: the keyed row's record of the old head gives it away.
    tamper(app.config.dbFile, (db) => {
      rehashFrom(db, 2);
    });
    expect(await verifyAudit(app.db, app.auditFiles)).toMatchObject({ ok: false, firstBadId: 6 });
  });
});

describe("the audit administrator's screen", () => {
  it("verifies the trail from the web, anchoring the head; after tampering it names the row", async () => {
    const { serve } = await import("../../src/serve.js");
    const { seedDemoUsers } = await import("../../src/accounts/users.js");
    const { signInAdministrator } = await import("../support/http-client.js");
    const dir = tempDir();
    const { app } = await appIn(dir);
    await seedDemoUsers(app.db, "Demo-pass-2026");
    const running = await serve(app, () => undefined);
    try {
      const anchors = () => fs.readFileSync(app.config.audit.anchorFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { reason: string; lastId: number });
      expect(anchors()[0]!.reason).toBe("keyed");
      expect(anchors().map((a) => a.reason)).toContain("start"); // a clean start is marked
      const auditor = await signInAdministrator(running.url, "shenji", "Demo-pass-2026");
      const list = await (await auditor.req("/admin/audit?action=user.")).text();
      expect(list).toContain("user.seed_demo");
      const before = anchors().length;
      const ok = await auditor.post("/admin/audit/verify", { _csrf: await auditor.csrf("/admin/audit") });
      expect(ok.headers.get("location")).toBe("/admin/audit");
      expect(await (await auditor.req("/admin/audit")).text()).toMatch(/核验通过：共 \d+ 条记录完整/);
      // The verify anchors the head; the per-second anchorer may add a "commit" anchor after it
      // (the sign-in and the verify are audited), so the verify's is among the new ones.
      expect(anchors().slice(before).map((a) => a.reason)).toContain("verify");

      tamper(app.config.dbFile, (db) => db.prepare(`UPDATE AuditEvent SET actor = 'user:nobody' WHERE id = 3`).run());
      await auditor.post("/admin/audit/verify", { _csrf: await auditor.csrf("/admin/audit") });
      const page = await (await auditor.req("/admin/audit")).text();
      expect(page).toContain("核验未通过：审计记录 #3 的内容与哈希不符");
      // Nobody else may read the trail or verify it.
      const other = await signInAdministrator(running.url, "xitong", "Demo-pass-2026");
      expect((await other.req("/admin/audit")).status).toBe(403);
      expect((await other.post("/admin/audit/verify", { _csrf: await other.csrf("/admin/users") })).status).toBe(403);
    } finally {
      await running.stop();
    }
    expect(JSON.parse(fs.readFileSync(app.config.audit.anchorFile, "utf8").trim().split("\n").at(-1)!).reason).toBe("stop");
  });
});
