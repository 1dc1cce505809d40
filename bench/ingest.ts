// npm run bench:ingest — 10,000 generated text submissions in a Maildir: end-to-end ingest
// (ledger, parse, screen, identify, route, draft, audit, acknowledge) beside mailparser
// parse-only of the same files in the same run. Goal: end-to-end ≥ half of parse-only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import iconv from "iconv-lite";
import { createApp } from "../src/app.js";
import { importUnits, seedDir } from "../src/seed/reference.js";
import { Maildir } from "../src/sources/maildir.js";

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-ingest-"));
const senders = ["xxk@sjz-bb.example", "zdbb@zd-gov.example", "psbb@ps-gov.example", "qabb@qa-gov.example", "wabb@wa-gov.example", "zzbb@zz-gov.example", "unknown@mail163.example"];
const topics = [
  ["推进事业单位分类改革", "公益一类事业单位编制核定工作"],
  ["乡镇机构改革工作进展", "乡镇（街道）综合行政执法改革"],
  ["开展机构编制监督检查", "专项检查发现的问题整改落实"],
  ["召开全县机构编制工作会议", "部署下一阶段工作"],
  ["做好实名制管理工作", "编制实名制管理系统数据核查"],
];

function message(i: number): Buffer {
  const [t1, t2] = topics[i % topics.length]!;
  const body = `${(i % 28) + 1}日，某县编办${t1}，${t2}。会议强调，要提高政治站位，压实工作责任，确保各项任务按期完成。第${i}号。\n`.repeat(4) + "\n某县编办\n2026年11月20日\n";
  const gbk = i % 3 === 0;
  const head = [
    `From: =?UTF-8?B?${Buffer.from("信息员").toString("base64")}?= <${senders[i % senders.length]}>`,
    "To: xinxi@hebbb.example",
    `Subject: =?UTF-8?B?${Buffer.from(`报送：${t1}（${i}）`).toString("base64")}?=`,
    `Message-ID: <bench-${i}@bench.example>`,
    "Date: Fri, 20 Nov 2026 10:00:00 +0800",
    "MIME-Version: 1.0",
    `Content-Type: text/plain; charset=${gbk ? "GBK" : "UTF-8"}`,
    "Content-Transfer-Encoding: base64",
    "",
    "",
  ].join("\r\n");
  const bytes = gbk ? iconv.encode(body, "gbk") : Buffer.from(body);
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes.toString("base64").replace(/.{76}/g, "$&\r\n") + "\r\n")]);
}

const maildirRoot = path.join(dir, "maildir");
const md = new Maildir(maildirRoot);
for (let i = 0; i < N; i++) md.deliver(message(i));
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
const intake = app.maildirIntake();
t0 = performance.now();
const results = await intake.runOnce();
const e2eSecs = (performance.now() - t0) / 1000;
const drafts = results.filter((r) => r.outcome === "draft").length;
await app.close();

const parseRate = N / parseSecs;
const e2eRate = N / e2eSecs;
console.log(`parse-only (mailparser):  ${parseRate.toFixed(0).padStart(6)} messages/s  (${parseSecs.toFixed(2)} s)`);
console.log(`end-to-end (gateway):     ${e2eRate.toFixed(0).padStart(6)} messages/s  (${e2eSecs.toFixed(2)} s, ${drafts} drafts)`);
console.log(`ratio end-to-end / parse-only: ${(e2eRate / parseRate).toFixed(2)}  (goal ≥ 0.50) ${e2eRate / parseRate >= 0.5 ? "MET" : "NOT MET"}`);
if (results.length !== N) throw new Error(`expected ${N} results, got ${results.length}`);
fs.rmSync(dir, { recursive: true, force: true });
