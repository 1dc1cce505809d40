// npm run bench:web — the review screen with 100,000 drafts in SQLite: the queue page and the
// draft page under 10 concurrent signed-in clients (closed loop, keep-alive), p50/p95/p99
// printed. Goal: p95 under 100 ms.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { createApp } from "../src/app.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import { seedDemoUsers } from "../src/accounts/users.js";
import { serve } from "../src/serve.js";
import { sqliteDate } from "../src/db/sqlite-date.js";
import { draftInsertRow, namedInsert } from "../src/db/draft-row.js";
import { catchUpSearchIndex } from "../src/db/search-index.js";
import { submission } from "../tests/helpers.js";

const DRAFTS = Number(process.env.BENCH_DRAFTS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 10;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-web-"));
const app = await createApp({ ...process.env, DATA_DIR: dir, PORT: "0", POLL_INTERVAL_MS: "3600000" });
await importUnits(app.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "bench");
await seedDemoUsers(app.db, "Bench-pass-2026");

// Seed with prepared statements: 100,000 drafts, each with its ledger row and a real raw message.
const t0 = performance.now();
const db = new Database(app.config.dbFile);
const units = db.prepare(`SELECT u.id, a.email FROM SendingUnit u JOIN UnitAddress a ON a.unitId = u.id`).all() as Array<{ id: number; email: string }>;
const routes = db.prepare(`SELECT c.id AS columnId, dc.divisionId FROM "Column" c JOIN DivisionColumn dc ON dc.columnId = c.id`).all() as Array<{ columnId: number; divisionId: number }>;
const mailbox = Number(db.prepare(`INSERT INTO Mailbox (name, kind) VALUES ('bench', 'maildir')`).run().lastInsertRowid);
const raws = units.map((u, i) => {
  const raw = submission({ from: u.email, subject: `报送：某县编办工作动态（样稿${i}）`, body: "某县编办召开会议，部署机构编制工作。\n".repeat(20) });
  return { sha: app.blobs.put(raw), size: raw.length };
});
// A year of a province's intake: most items are done (published, returned, archived); a few
// hundred are open work in the queues.
const statuses = [...Array(14).fill("published"), "returned", "archived", "rejected", "published", "archived", "published"];
const openEvery = 25; // 4 % open: triage, division review, leader review, approved
const openStatuses = ["triage", "division_review", "leader_review", "approved"];
// The row as the ingest writes it (db/draft-row.ts), with the status of a year's worth of work.
const draftRow = (i: number, at: Date, u: { id: number; email: string }, r: { columnId: number; divisionId: number }, title: string, body: string, status: string) => ({
  ...draftInsertRow({ channel: "email", faxNumber: null, faxHeader: null, docNumber: null, title, body, titleReason: null, bodyReason: null, documentDate: null, dateReason: null, senderAddress: u.email, senderName: null, unitId: u.id, unitConfirmed: true, unitReason: "登记邮箱", columnId: r.columnId, columnReason: "规则", divisionId: r.divisionId, divisionReason: "附件2", importantHint: null, screenNote: null, flags: [], fingerprint: `fp${i}` }, at),
  status,
});
const insDraft = db.prepare(namedInsert("Draft", draftRow(0, new Date(), units[0]!, routes[0]!, "", "", "triage")));
const insIntake = db.prepare(`INSERT INTO IntakeMessage (mailboxId, sourceKey, sha256, size, rawPath, status, outcome, receivedAt, draftId) VALUES (?, ?, ?, ?, ?, 'done', 'draft', ?, ?)`);
const topics = ["事业单位分类改革", "乡镇机构改革", "实名制管理", "机构编制监督检查", "编制核定", "政府机构改革"];
db.transaction(() => {
  for (let i = 0; i < DRAFTS; i++) {
    const u = units[i % units.length]!;
    const r = routes[i % routes.length]!;
    const received = new Date(Date.now() - (DRAFTS - i) * 60_000);
    const at = sqliteDate(received);
    const title = `${topics[i % topics.length]}工作动态（第${i}号）`;
    const body = `${i}号：某县编办推进${topics[i % topics.length]}，召开专题会议，部署下一阶段工作。`.repeat(6);
    const status = i % openEvery === 0 ? openStatuses[(i / openEvery) % openStatuses.length]! : statuses[i % statuses.length]!;
    const id = Number(insDraft.run(draftRow(i, received, u, r, title, body, status)).lastInsertRowid);
    const raw = raws[i % raws.length]!;
    insIntake.run(mailbox, `bench-${i}`, raw.sha, raw.size, raw.sha, at, id);
  }
})();
db.close();
await catchUpSearchIndex(app.db);
console.log(`seeded ${DRAFTS} drafts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const running = await serve(app, () => undefined);
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
const url = new URL(running.url);

function request(pathname: string, opts: { method?: string; body?: string; cookie?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: pathname, method: opts.method ?? "GET", agent, headers: { cookie: opts.cookie ?? "", ...(opts.body ? { "content-type": "application/x-www-form-urlencoded" } : {}) } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

async function signIn(username: string): Promise<string> {
  const page = await request("/login");
  let cookie = (page.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const res = await request("/login", { method: "POST", cookie, body: new URLSearchParams({ username, password: "Bench-pass-2026", _csrf: csrf }).toString() });
  cookie = (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  if (res.status !== 302) throw new Error(`sign-in failed: ${res.status}`);
  return cookie;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function load(name: string, cookie: string, pathFor: (i: number) => string) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        const res = await request(pathFor(i++), { cookie });
        latencies.push(performance.now() - start);
        if (res.status !== 200) errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const p95 = pct(latencies, 95);
  console.log(
    `${name.padEnd(34)} ${String(latencies.length).padStart(6)} req  ${(latencies.length / SECONDS).toFixed(0).padStart(5)} req/s  p50 ${pct(latencies, 50).toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  p99 ${pct(latencies, 99).toFixed(1).padStart(6)} ms  errors ${errors}  ${p95 < 100 ? "MET" : "NOT MET"} (p95 < 100 ms)`,
  );
}

const admin = await signIn("zhangwenyi"); // 综合处 + 党总支 info administrator
const leader = await signIn("mayun"); // sees every division
const ids = (await app.db.draft.findMany({ select: { id: true }, where: { divisionId: { in: (await app.db.division.findMany({ where: { name: { in: ["综合处", "党总支"] } } })).map((d) => d.id) } }, take: 2000 })).map((d) => d.id);
console.log(`${CLIENTS} concurrent clients, ${SECONDS} s each, ${os.cpus().length} cores`);
await load("queue (info admin, own divisions)", admin, (i) => (i % 2 ? "/queue" : `/queue?page=${(i % 20) + 1}`));
await load("queue (leader, every division)", leader, () => "/queue");
await load("queue history filter (leader, 100k)", leader, (i) => `/queue?status=${["published", "archived", "returned", "all"][i % 4]}&page=${(i % 5) + 1}`);
await load("queue full-text search (Chinese)", leader, (i) => `/queue?q=${encodeURIComponent(`第${(i * 7919) % DRAFTS}号`)}`);
await load("draft page", admin, (i) => `/drafts/${ids[i % ids.length]}`);
await running.stop();
await app.close();
agent.destroy();
fs.rmSync(dir, { recursive: true, force: true });
