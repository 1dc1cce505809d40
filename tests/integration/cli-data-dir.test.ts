// The CLI as an operator meets it (issue #16): every command finds the data directory the way
// `serve` does and says which one on stderr; a read-only command never creates an empty ./data;
// a busy port is a clear error and a non-zero exit; a wrong file is one line, not a stack trace.
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, repoRoot, tempDir, type TestEnv } from "../helpers.js";

const run = promisify(execFile);
const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => {
  const clean = { ...process.env, ...env };
  if (!("DATA_DIR" in env)) delete clean.DATA_DIR;
  delete clean.MAILDIR;
  return run(process.execPath, [path.join(repoRoot, "bin/gateway.mjs"), ...args], { cwd, env: clean }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
};

let t: TestEnv;
let cwd: string;

beforeAll(async () => {
  // A working folder like the repository after `npm run demo`: the data in data/demo, no ./data of its own.
  cwd = tempDir("gw-cli-");
  t = await freshApp({}, {});
  await t.app.close();
  fs.mkdirSync(path.join(cwd, "data"), { recursive: true });
  fs.renameSync(t.dir, path.join(cwd, "data/demo"));
});

afterAll(() => undefined);

describe("gateway commands and the data directory", () => {
  it("refuses to invent an empty ./data for a read-only command and says where the data is", async () => {
    const empty = tempDir("gw-cli-empty-");
    const r = await cli(["drafts", "--json"], empty);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/找不到网关数据.*DATA_DIR.*data\/demo/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(path.join(empty, "data"))).toBe(false);
  });

  it("uses the demo's data/demo when ./data holds none, says so on stderr, and keeps stdout pure JSON", async () => {
    const r = await cli(["drafts", "--json"], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`数据目录：${path.join(cwd, "data/demo")}`);
    expect(r.stderr).toContain("使用演示数据");
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
    expect(fs.existsSync(path.join(cwd, "data/gateway.db"))).toBe(false);
  });

  it("answers a reply with a missing request file in one Chinese line, without a stack trace", async () => {
    const r = await cli(["reply", "data/demo/outbox/000001-approval_request.eml", "同意"], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^数据目录：.*\n错误：找不到审批请求邮件 .*outbox\//);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits non-zero with a clear message when the port is taken, instead of printing a URL", async () => {
    const busy = net.createServer();
    await new Promise<void>((ok) => busy.listen(0, "127.0.0.1", ok));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await cli(["serve"], cwd, { DATA_DIR: path.join(cwd, "data/demo"), PORT: String(port), POLL_INTERVAL_MS: "600000" });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`端口 ${port} 已被占用`);
      expect(r.stdout).not.toContain("review screen:");
    } finally {
      busy.close();
    }
  });
});
