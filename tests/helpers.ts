// Test helpers: a gateway on a fresh temporary data directory with the demo reference data,
// and the real CLI as a child process. Nothing is mocked: real SQLite files, real Maildirs.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { createApp, type App, type AppOptions } from "../src/app.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import type { IngestResult } from "../src/pipeline/contracts.js";
import { testTmp } from "./support/global-setup.js";

export const repoRoot = path.resolve(import.meta.dirname, "..");
export const fixturesDir = path.join(repoRoot, "fixtures");
const run = promisify(execFile);

export function tempDir(prefix = "gw-test-"): string {
  return fs.mkdtempSync(path.join(testTmp(), prefix));
}

export interface TestEnv {
  dir: string;
  env: NodeJS.ProcessEnv;
  app: App;
}

/** A fresh data directory with reference data and the demo unit registry. */
export async function freshApp(extraEnv: Record<string, string> = {}, options: AppOptions = {}): Promise<TestEnv> {
  const dir = tempDir();
  const env = { ...process.env, DATA_DIR: dir, MAILDIR: path.join(dir, "maildir"), ...extraEnv };
  const app = await createApp(env, options);
  await importUnits(app.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "test");
  return { dir, env, app };
}

export async function gatewayCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(repoRoot, "bin/gateway.mjs"), ...args], { env, cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
}

export function spawnGateway(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [path.join(repoRoot, "bin/gateway.mjs"), ...args], { env, cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
}

/** One line of `gateway ingest --json`: the pipeline's result without its internal ledger id. */
export type IngestLine = Omit<IngestResult, "intakeId">;

export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l) as T);
}

/** A plain submission, as a county office's mail client would send it. */
export function submission(opts: { from: string; subject: string; body: string; messageId?: string; date?: string }): Buffer {
  const enc = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;
  const lines = [
    `From: ${enc("办公室")} <${opts.from}>`,
    "To: xinxi@hebbb.example",
    `Subject: ${enc(opts.subject)}`,
    `Message-ID: ${opts.messageId ?? `<${Math.random().toString(36).slice(2)}@test.example>`}`,
    `Date: ${opts.date ?? "Fri, 20 Nov 2026 10:00:00 +0800"}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(opts.body).toString("base64").replace(/.{76}/g, "$&\r\n"),
    "",
  ];
  return Buffer.from(lines.join("\r\n"));
}
