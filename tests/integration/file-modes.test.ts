// The data directory is the gateway's alone: the real `gateway serve` process, given mail by an
// MTA that writes world-readable files, leaves DATA_DIR and every directory in it 0700 and every
// file 0600 (database, WAL, blobs, Maildir copies, outbox, secrets; the audit key 0400), and its
// start-up check reports a file someone made readable to others.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gatewayCli, repoRoot, spawnGateway, submission, tempDir } from "../helpers.js";
import { BlobStore } from "../../src/util/blobs.js";

function walk(dir: string): Array<{ p: string; mode: number; dir: boolean }> {
  const out: Array<{ p: string; mode: number; dir: boolean }> = [];
  for (const n of fs.readdirSync(dir)) {
    const p = path.join(dir, n);
    const st = fs.lstatSync(p);
    out.push({ p, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) out.push(...walk(p));
  }
  return out;
}

async function runServe(env: NodeJS.ProcessEnv, until: (out: string) => boolean): Promise<string> {
  const child = spawnGateway(["serve"], env);
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 45_000;
  while (!until(out) && Date.now() < deadline && child.exitCode == null) await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return out;
}

describe("file modes", () => {
  it("writes nothing that others can read, whatever mode the MTA gave the mail", async () => {
    const dir = path.join(tempDir(), "data"); // DATA_DIR made by the gateway
    const maildir = path.join(dir, "maildir");
    for (const d of ["new", "cur", "tmp"]) fs.mkdirSync(path.join(maildir, d), { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    // As an MTA with umask 022 delivers: 0644.
    const name = `${Date.now()}.M1P1.mta`;
    fs.writeFileSync(path.join(maildir, "new", name), submission({ from: "xxk@sjz-bb.example", subject: "石家庄市编办信息报送", body: "石家庄市编办召开专题会议。" }), { mode: 0o644 });
    fs.chmodSync(path.join(maildir, "new", name), 0o644);
    const env = { ...process.env, DATA_DIR: dir, MAILDIR: maildir, PORT: "0", POLL_INTERVAL_MS: "500", LOG_LEVEL: "info" }; // its log says what it did
    await gatewayCli(["units", "import", path.join(repoRoot, "prisma/seed/units.demo.csv")], env); // so the sender gets a 回执 in the outbox
    const out = await runServe(env, (o) => o.includes("intake draft") && fs.existsSync(path.join(dir, "outbox")) && fs.readdirSync(path.join(dir, "outbox")).some((f) => f.endsWith(".eml")));
    expect(out).toContain("intake draft");

    const entries = walk(dir);
    const names = entries.map((e) => path.relative(dir, e.p));
    for (const expected of ["gateway.db", "session-secret", "audit.key", "audit-anchors.log"]) expect(names).toContain(expected);
    expect(names.some((n) => n.startsWith("outbox/") && n.endsWith(".eml"))).toBe(true);
    expect(names.some((n) => n.startsWith("blobs/"))).toBe(true);
    const wrong = entries.filter((e) => (e.dir ? e.mode !== 0o700 : e.mode !== (e.p.endsWith("audit.key") ? 0o400 : 0o600)));
    expect(wrong.map((e) => `${path.relative(dir, e.p)} ${e.mode.toString(8)}`)).toEqual([]);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(out).not.toContain("file modes:");
  });

  it("writes pack files 0600 even under a permissive umask", () => {
    const dir = tempDir();
    const old = process.umask(0o022);
    try {
      const store = new BlobStore(path.join(dir, "blobs"));
      const [entry] = store.putPack([{ sha256: "ab".repeat(32), content: Buffer.from("Received: from mx.hebbb.example\r\n\r\n测试") }]);
      expect(fs.statSync(path.join(dir, "blobs", "packs", entry!.pack)).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dir, "blobs", "packs")).mode & 0o777).toBe(0o700);
      store.put(Buffer.from("附件内容"));
      expect(walk(path.join(dir, "blobs")).filter((e) => !e.dir && e.mode !== 0o600)).toEqual([]);
    } finally {
      process.umask(old);
    }
  });

  it("warns at start-up, in the log and on 运行状态, about a file others can read", async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o700);
    const env = { ...process.env, DATA_DIR: dir, MAILDIR: path.join(dir, "maildir"), PORT: "0", POLL_INTERVAL_MS: "600000", LOG_LEVEL: "info" };
    await runServe(env, (o) => o.includes("review screen"));
    fs.chmodSync(path.join(dir, "gateway.db"), 0o644);
    fs.chmodSync(path.join(dir, "audit-anchors.log"), 0o644);
    const out = await runServe(env, (o) => o.includes("file modes:"));
    expect(out).toMatch(/file modes: 数据目录中有 1 个文件或目录可被其他用户访问（应为目录 0700、文件 0600）：\S*audit-anchors\.log \(0644\)/);
    // The database is the gateway's own and is tightened again at start; other files are the operator's to fix.
    expect(fs.statSync(path.join(dir, "gateway.db")).mode & 0o777).toBe(0o600);
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(path.join(dir, "gateway.db"), { readonly: true });
    expect(db.prepare(`SELECT kind, message FROM Alert WHERE resolvedAt IS NULL`).all()).toEqual([{ kind: "file_modes", message: expect.stringContaining("audit-anchors.log (0644)") }]);
    db.close();
  });
});
