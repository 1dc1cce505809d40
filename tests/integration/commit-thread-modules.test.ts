// The commit thread decides and commits; it must not load what extraction needs (sharp,
// tesseract.js, pdf-parse and pdf.js, the Word readers): they would cost it seconds of start-up
// and hundreds of megabytes, and the decisions must stay pure of them. The thread is run as the
// gateway runs it, settles a real batch (a mail with a PDF, extracted on this thread), and every
// module it resolved on the way is checked.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, repoRoot, submission, type TestEnv } from "../helpers.js";
import { auditKeyFor } from "../../src/audit/key.js";
import type { IngestResult, SettleItem } from "../../src/pipeline/contracts.js";
import type { SettleRequest } from "../../src/pipeline/committer.js";
import { extractMessage } from "../../src/pipeline/prepare.js";

const HEAVY = ["sharp", "tesseract.js", "pdf-parse", "pdfjs-dist", "@napi-rs/canvas", "mammoth", "word-extractor"];

let t: TestEnv;
let worker: Worker;
const loaded: string[] = [];

beforeAll(async () => {
  t = await freshApp({ COMMIT_THREAD: "0" });
  const probe = new MessageChannel();
  probe.port1.on("message", (url: string) => loaded.push(url));
  worker = new Worker(path.join(repoRoot, "tests/support/module-probe.mjs"), {
    workerData: {
      entry: pathToFileURL(path.join(repoRoot, "src/pipeline/commit-thread.ts")).href,
      probePort: probe.port2,
      dbFile: t.app.config.dbFile,
      blobDir: t.app.config.blobDir,
      auditKey: auditKeyFor(t.app.config.dbFile),
    },
    transferList: [probe.port2],
  });
});

afterAll(async () => {
  if (worker) {
    const exited = new Promise((ok) => worker.once("exit", ok));
    worker.postMessage({ close: true });
    await exited;
  }
  await t?.app.close();
});

describe("commit thread", () => {
  it("settles a batch with a PDF attachment without loading sharp, tesseract.js, pdf-parse or the Word readers", async () => {
    const raws = [
      fs.readFileSync(path.join(fixturesDir, "mail/08-renqiu-foxmail-pdf-attachment-hospital-staffing.eml")),
      submission({ from: "zdbb@zd-gov.example", subject: "正定县编办召开机构编制工作会议", body: "11月20日，正定县编办召开全县机构编制工作会议，部署年度重点任务。".repeat(3) }),
    ];
    const mailbox = await t.app.db.mailbox.create({ data: { name: "probe", kind: "maildir" } });
    const opened = t.app.pipeline.open(
      mailbox.id,
      raws.map((raw, i) => ({ sourceKey: `probe-${i}`, file: `probe-${i}`, raw })),
    );
    const items: SettleItem[] = [];
    for (const e of opened.ledger) items.push({ entry: { intakeId: e.intakeId, sha256: e.sha256, attempts: e.attempts, file: e.msg.file }, extracted: await extractMessage(e.msg.raw, t.app.config.limits), raw: e.msg.raw });
    expect(items[0]!.extracted.kind === "extracted" && items[0]!.extracted.parts.some((p) => p.extraction.method === "pdf-text" && p.extraction.status === "ok")).toBe(true);

    const request: SettleRequest = { id: 1, items, refVersion: 1, ref: await t.app.pipeline.reference() };
    const reply = await new Promise<{ id: number; results?: IngestResult[]; error?: string }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.postMessage(request);
    });
    expect(reply.error).toBeUndefined();
    expect(reply.results!.map((r) => r.outcome)).toEqual(["draft", "draft"]);
    expect(await t.app.db.draft.count()).toBe(2);

    // The probe saw the thread's own modules, so an absence below means something.
    const ours = loaded.filter((u) => u.startsWith("file:") && !u.includes("/node_modules/")).map((u) => path.relative(repoRoot, new URL(u).pathname));
    expect(ours).toEqual(expect.arrayContaining(["src/pipeline/commit-thread.ts", "src/pipeline/commit.ts", "src/pipeline/decide.ts", "src/db/ingest-writer.ts"]));
    const packages = new Set(loaded.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter(Boolean));
    expect(packages).toContain("better-sqlite3");
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
  });
});
