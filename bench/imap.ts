// npm run bench:imap — the IMAP intake against a real Dovecot (tests/support/dovecot.ts).
// 1. Throughput: 5,000 generated submissions APPENDed, then ingested end-to-end (SEARCH, sizes,
//    FETCH in UID batches, ledger, parse, screen, identify, route, draft, audit, MOVE), beside —
//    in the same run, over the same messages (read back from the Processed folder) — a plain
//    imapflow FETCH of their sources and a mailparser parse-only of them. Goal: end-to-end ≥ half
//    of the slower of the two. Every side is warmed up first. RSS of the end-to-end run is
//    printed at several points of the backlog: it must not grow with it.
// 2. Latency: `gateway serve` (createApp + serve() with IMAP_URL) running, 50 messages APPENDed
//    one at a time; arrival (APPEND done) to committed draft, p50/p95. Goal: p95 < 3 s.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
import { createApp } from "../src/app.js";
import { ImapIntake } from "../src/sources/imap/intake.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import { serve } from "../src/serve.js";
import { Dovecot } from "../tests/support/dovecot.js";
import { benchMessage } from "./messages.js";

const N = Number(process.env.BENCH_MESSAGES ?? 5000);
const WARM = 2000;
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 50);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-imap-"));

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
const users = { bench: { user: "bench", pass: "bench-secret" }, warm: { user: "warm", pass: "warm-secret" }, live: { user: "live", pass: "live-secret" } };
const dovecot = new Dovecot({ users: [users.bench, users.warm, users.live] });
await dovecot.start();

try {
  // ───────────── delivery ─────────────
  const msgs = Array.from({ length: N }, (_, i) => benchMessage(i));
  const bytes = msgs.reduce((s, m) => s + m.length, 0);
  let t0 = performance.now();
  await dovecot.append("INBOX", msgs, { user: users.bench, parallel: 8 });
  console.log(`${N} messages, ${(bytes / 1e6).toFixed(1)} MB APPENDed to Dovecot 127.0.0.1:${dovecot.port} in ${((performance.now() - t0) / 1000).toFixed(1)} s (8 connections)`);
  msgs.length = 0;
  await dovecot.append("INBOX", Array.from({ length: WARM }, (_, i) => benchMessage(i, "warm")), { user: users.warm, parallel: 8 });

  // ───────────── end-to-end (first: the process's memory is not yet full of other phases) ─────────────
  const app = await createApp({ ...process.env, DATA_DIR: path.join(dir, "data") });
  await importUnits(app.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "bench");
  const intakeOf = (user: { user: string; pass: string }) => {
    const made = ImapIntake.create({ db: app.db, pipeline: app.pipeline, config: app.config, url: dovecot.url("INBOX", user) });
    if (!made.ok) throw new Error(made.error);
    return made.intake;
  };
  // Warm-up on another mailbox of 2,000 (as bench:ingest), so that no side is measured with a
  // cold JIT: after 500, V8 was still optimising (and deoptimising) ~250 functions in the run.
  const warm = await intakeOf(users.warm).runOnce();
  if (!warm.ok) throw new Error("warm-up run failed");
  const rssStart = process.memoryUsage.rss();
  let peak = rssStart;
  const marks: string[] = [];
  let done = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const dovecotCpu0 = await dovecot.cpuMs(); // once the warm-up's session has ended
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  const run = await intakeOf(users.bench).runOnce(() => {
    done++;
    if (done === Math.round(N * 0.2) || done === Math.round(N * 0.5) || done === N) marks.push(`${mb(process.memoryUsage.rss())} after ${done}`);
  });
  const e2eSecs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const dovecotCpuMs = (await dovecot.cpuMs()) - dovecotCpu0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  if (!run.ok) throw new Error(`end-to-end run failed: ${run.reason === "error" ? run.error : run.reason}`);
  const drafts = run.results.filter((r) => r.outcome === "draft").length;
  if (run.results.length !== N) throw new Error(`expected ${N} results, got ${run.results.length}`);
  const left = await dovecot.count("INBOX", users.bench);
  await app.close();

  // ───────────── plain imapflow FETCH of the same messages (now in the Processed folder) ─────────────
  const plain = new ImapFlow({ host: "127.0.0.1", port: dovecot.port, secure: false, doSTARTTLS: false, auth: users.bench, logger: false, disableAutoIdle: true });
  plain.on("error", () => undefined);
  await plain.connect();
  const processed = (await plain.list()).find((l) => l.path.endsWith("Processed"))!.path;
  const fetchAll = async (): Promise<Buffer[]> => {
    const out: Buffer[] = [];
    const lock = await plain.getMailboxLock(processed);
    try {
      const uids = (await plain.search({ all: true }, { uid: true })) || [];
      for (let i = 0; i < uids.length; i += 200) {
        const range = `${uids[i]}:${uids[Math.min(i + 199, uids.length - 1)]}`;
        for await (const m of plain.fetch(range, { uid: true, source: true }, { uid: true })) if (m.source) out.push(m.source);
      }
    } finally {
      lock.release();
    }
    return out;
  };
  await fetchAll(); // warm-up
  t0 = performance.now();
  let sources = await fetchAll();
  const fetchSecs = (performance.now() - t0) / 1000;
  await plain.logout();
  if (sources.length !== N) throw new Error(`plain fetch saw ${sources.length} of ${N}`);

  // ───────────── mailparser parse-only of them ─────────────
  for (const s of sources.slice(0, 1000)) await simpleParser(s, { skipTextToHtml: true, skipImageLinks: true });
  t0 = performance.now();
  for (const s of sources) await simpleParser(s, { skipTextToHtml: true, skipImageLinks: true });
  const parseSecs = (performance.now() - t0) / 1000;
  sources = [];

  const fetchRate = N / fetchSecs;
  const parseRate = N / parseSecs;
  const e2eRate = N / e2eSecs;
  const slower = Math.min(fetchRate, parseRate);
  console.log(`plain FETCH (imapflow):       ${fetchRate.toFixed(0).padStart(6)} messages/s  (${fetchSecs.toFixed(2)} s, ${(bytes / 1e6 / fetchSecs).toFixed(0)} MB/s)`);
  console.log(`parse-only (mailparser):      ${parseRate.toFixed(0).padStart(6)} messages/s  (${parseSecs.toFixed(2)} s)`);
  console.log(`end-to-end (gateway, IMAP):   ${e2eRate.toFixed(0).padStart(6)} messages/s  (${e2eSecs.toFixed(2)} s, ${drafts} drafts, ${run.moved} moved, ${left} left in INBOX)`);
  console.log(`ratio end-to-end / slower of the two (${fetchRate < parseRate ? "FETCH" : "parse"}): ${(e2eRate / slower).toFixed(2)}  (goal ≥ 0.50) ${e2eRate / slower >= 0.5 ? "MET" : "NOT MET"}`);
  // Where the time goes: CPU per message of the gateway (all its threads: main, commit, V8's
  // helpers) and of Dovecot, against the wall time per message the goal allows on these cores.
  const perMsg = (ms: number) => `${(ms / N).toFixed(3)} ms`;
  const gatewayMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `CPU per message during end-to-end: gateway ${perMsg(gatewayMs)}, Dovecot ${perMsg(dovecotCpuMs)}, together ${perMsg(gatewayMs + dovecotCpuMs)} on ${os.availableParallelism()} cores; wall ${perMsg(e2eSecs * 1000)} (the goal: ${perMsg((2 * N * 1000) / slower)} or less)`,
  );
  // Bounded: batches are capped by count and bytes, so the backlog's size must not show in RSS.
  const bounded = peak - rssStart < 256 * 1048576;
  console.log(`RSS during end-to-end: ${mb(rssStart)} at start, ${marks.join(", ")}; peak ${mb(peak)} (+${mb(peak - rssStart)}; bound +256 MB: ${bounded ? "MET" : "NOT MET"})`);

  // ───────────── latency through `serve` ─────────────
  const liveApp = await createApp({ ...process.env, DATA_DIR: path.join(dir, "live"), IMAP_URL: dovecot.url("INBOX", users.live), PORT: "0", HOST: "127.0.0.1", MAILDIR: path.join(dir, "live-maildir") });
  await importUnits(liveApp.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "bench");
  const committedAt = new Map<number, number>();
  const running = await serve(liveApp, (line) => {
    const m = /;UID=(\d+)\b/.exec(line);
    if (m && line.startsWith("intake ")) committedAt.set(Number(m[1]), performance.now());
  });
  const until = Date.now() + 15_000;
  while (!(await liveApp.db.mailbox.findFirst({ where: { kind: "imap", connected: true } })) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const feeder = await dovecot.client(users.live);
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_MESSAGES; i++) {
    const r = await feeder.append("INBOX", benchMessage(i, "live"));
    const arrived = performance.now();
    const uid = r ? r.uid : undefined;
    if (uid == null) throw new Error("APPEND gave no UID (UIDPLUS expected from Dovecot)");
    const deadline = arrived + 30_000;
    while (!committedAt.has(uid) && performance.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    latencies.push((committedAt.get(uid) ?? Number.POSITIVE_INFINITY) - arrived);
    await new Promise((res) => setTimeout(res, 100 + Math.random() * 200));
  }
  await feeder.logout();
  await running.stop();
  const liveDrafts = await liveApp.db.draft.count();
  await liveApp.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  console.log(
    `arrival-to-draft through serve (IDLE), ${LATENCY_MESSAGES} messages one at a time: p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms, max ${latencies[latencies.length - 1]!.toFixed(0)} ms, ${liveDrafts} drafts  (goal p95 < 3000 ms) ${pct(95) < 3000 ? "MET" : "NOT MET"}`,
  );
} finally {
  await dovecot.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}
