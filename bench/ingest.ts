// npm run bench:ingest — 10,000 generated text submissions in a Maildir: end-to-end ingest
// (ledger, parse, screen, identify, route, draft, audit, acknowledge) beside mailparser
// parse-only of the same files in the same run. Goal: end-to-end ≥ half of parse-only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { createApp } from "../src/app.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import { Maildir } from "../src/sources/maildir.js";
import { benchMessage } from "./messages.js";

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-ingest-"));

const maildirRoot = path.join(dir, "maildir");
const md = new Maildir(maildirRoot);
for (let i = 0; i < N; i++) md.deliver(benchMessage(i));
const files = fs.readdirSync(path.join(maildirRoot, "new")).map((f) => path.join(maildirRoot, "new", f));
const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
console.log(`${N} messages, ${(bytes / 1e6).toFixed(1)} MB in ${maildirRoot}`);

// Parse-only: read + mailparser, sequential, the same files — after a warm-up, so that neither
// side is measured with a cold JIT.
for (const f of files.slice(0, 2000)) await simpleParser(fs.readFileSync(f), { skipTextToHtml: true, skipImageLinks: true });
let t0 = performance.now();
for (const f of files) await simpleParser(fs.readFileSync(f), { skipTextToHtml: true, skipImageLinks: true });
const parseSecs = (performance.now() - t0) / 1000;

const app = await createApp({ ...process.env, DATA_DIR: path.join(dir, "data"), MAILDIR: maildirRoot });
await importUnits(app.db, fs.readFileSync(path.join(seedDir, "units.demo.csv"), "utf8"), "bench");
// The same warm-up on this side: 2,000 other submissions through the gateway first (its commit
// thread started, its code compiled), as a running gateway is when mail arrives.
const warmRoot = path.join(dir, "warm");
const warm = new Maildir(warmRoot);
for (let i = 0; i < 2000; i++) warm.deliver(benchMessage(i, "warm"));
await app.maildirIntake(warmRoot).runOnce();
const intake = app.maildirIntake();
const anchorLines = () => fs.readFileSync(app.auditFiles.anchorFile, "utf8").split("\n").filter(Boolean).length;
const anchorsBefore = anchorLines();
t0 = performance.now();
const results = await intake.runOnce();
const e2eSecs = (performance.now() - t0) / 1000;
const drafts = results.filter((r) => r.outcome === "draft").length;
// The anchorer writes the audit head at most once a second while rows are committed (audit/anchorer.ts).
const anchorsDuring = anchorLines() - anchorsBefore;
await app.close();

const parseRate = N / parseSecs;
const e2eRate = N / e2eSecs;
console.log(`parse-only (mailparser):  ${parseRate.toFixed(0).padStart(6)} messages/s  (${parseSecs.toFixed(2)} s)`);
console.log(`end-to-end (gateway):     ${e2eRate.toFixed(0).padStart(6)} messages/s  (${e2eSecs.toFixed(2)} s, ${drafts} drafts)`);
console.log(`audit anchors written during the run: ${anchorsDuring} (at most one a second)`);
console.log(`ratio end-to-end / parse-only: ${(e2eRate / parseRate).toFixed(2)}  (goal ≥ 0.50) ${e2eRate / parseRate >= 0.5 ? "MET" : "NOT MET"}`);
if (results.length !== N) throw new Error(`expected ${N} results, got ${results.length}`);
fs.rmSync(dir, { recursive: true, force: true });
