// The pipeline with an in-memory source: real stages (MIME parsing and extraction without OCR,
// the decisions, the commit on an SQLite file migrated in some 50 ms), no Maildir, no IMAP, no
// Prisma, no thread. It checks the contract every source relies on — each message decided once,
// acknowledged only after its batch is committed, as its outcome says, and an interrupted pass
// taken up without deciding anything twice — in well under a second.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrate.js";
import { IngestWriter } from "../../src/db/ingest-writer.js";
import { registerAuditKey } from "../../src/audit/key.js";
import { BlobStore } from "../../src/util/blobs.js";
import { InlineCommitter } from "../../src/pipeline/committer.js";
import { Pipeline } from "../../src/pipeline/ingest.js";
import { extractMessage } from "../../src/pipeline/prepare.js";
import { loadConfig } from "../../src/config/index.js";
import type { Ack, IngestedBatch, IngestResult } from "../../src/pipeline/contracts.js";
import { lineLogger } from "../../src/util/log.js";
import { testTmp } from "../support/global-setup.js";
import { reference, seedReferenceRows } from "../support/stage-data.js";

const enc = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;
function mail(from: string, subject: string, body: string, extra: string[] = []): Buffer {
  return Buffer.from(
    [`From: ${enc("办公室")} <${from}>`, "To: xinxi@hebbb.example", `Subject: ${enc(subject)}`, `Message-ID: <${randomBytes(6).toString("hex")}@test.example>`, "Date: Fri, 20 Nov 2026 10:00:00 +0800", ...extra, "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", Buffer.from(body).toString("base64"), ""].join("\r\n"),
  );
}

const NEWS = "11月20日，石家庄市编办召开机构编制工作会议，部署明年重点任务，要求各县（市、区）做好编制核定工作，确保各项任务按期完成。";
const SECRET = `秘密★1年\n\n拟将某局内设机构由九个调整为七个（甲方案${randomBytes(4).toString("hex")}）。`;

/** A source that holds its messages in memory and records what it was told to do with each. */
class MemorySource {
  readonly acks = new Map<string, Ack>();
  /** The ledger status of a batch's messages when its acknowledgements came. */
  readonly statusAtAck: string[] = [];
  failDone: ((b: IngestedBatch) => boolean) | null = null;
  constructor(
    private readonly pipeline: Pipeline,
    private readonly mailboxId: number,
    readonly messages: Array<{ key: string; raw: Buffer }>,
    private readonly batchSize = 2,
  ) {}

  async pass(): Promise<IngestResult[]> {
    const due = this.messages.filter((m) => !this.acks.has(m.key));
    const results: IngestResult[] = [];
    let from = 0;
    const next = async () => (from < due.length ? due.slice(from, (from += this.batchSize)).map((m) => ({ sourceKey: m.key, file: m.key, raw: m.raw })) : null);
    await this.pipeline.run(this.mailboxId, next, (b) => {
      if (this.failDone?.(b)) throw new Error("the source lost its connection before acknowledging");
      const status = this.pipeline.ledgerStatus(this.mailboxId, b.acks.map((a) => a.msg.sourceKey));
      for (const { msg, ack } of b.acks) {
        this.statusAtAck.push(status.get(msg.sourceKey)!.status);
        this.acks.set(msg.sourceKey, ack);
      }
      results.push(...b.results);
    });
    return results;
  }
}

let dir: string;
let writer: IngestWriter;
let sql: Database.Database;
let pipeline: Pipeline;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(testTmp(), "gw-pipeline-"));
  const dbFile = path.join(dir, "gateway.db");
  migrate(dbFile);
  registerAuditKey(dbFile, randomBytes(32));
  sql = new Database(dbFile);
  seedReferenceRows(sql);
  sql.prepare(`INSERT INTO Mailbox (id, name, kind) VALUES (1, 'memory:test', 'memory')`).run();
  writer = new IngestWriter(dbFile);
  const blobs = new BlobStore(path.join(dir, "blobs"), (sha) => writer.packEntry(sha));
  const limits = loadConfig({ DATA_DIR: dir }).limits;
  pipeline = new Pipeline({
    writer,
    committer: new InlineCommitter(writer, blobs),
    extractor: { extract: (raw, log) => extractMessage(raw, limits, undefined, log) },
    blobs,
    reference: async () => reference(),
    log: lineLogger(() => undefined, "silent"),
  });
});

afterEach(() => {
  writer.close();
  sql.close();
});

const draftRows = () => sql.prepare(`SELECT id, title, body, unitId, columnId, divisionId FROM Draft ORDER BY id`).all() as Array<{ id: number; title: string; body: string; unitId: number | null; columnId: number | null; divisionId: number | null }>;

describe("pipeline with an in-memory source", () => {
  it("decides each message once and acknowledges it, after its batch's commit, as its outcome says", async () => {
    const news = mail("xxk@sjz-bb.example", "石家庄市编办召开机构编制工作会议", NEWS);
    const src = new MemorySource(pipeline, 1, [
      { key: "a", raw: news },
      { key: "b", raw: mail("zdbb@zd-gov.example", "报送：关于某局机构编制调整的请示", SECRET) },
      { key: "c", raw: Buffer.alloc(3000, 0x07) },
      { key: "d", raw: news }, // the same bytes again
      { key: "e", raw: mail("zdbb@zd-gov.example", "自动回复：休假中", "我正在休假，11月30日返回。", ["Auto-Submitted: auto-replied"]) },
    ]);
    const results = await src.pass();
    expect(Object.fromEntries(results.map((r) => [r.file, r.outcome]))).toEqual({ a: "draft", b: "quarantined", c: "failed", d: "duplicate", e: "ignored" });
    expect(Object.fromEntries(src.acks)).toEqual({ a: "processed", b: "remove", c: "failed", d: "processed", e: "processed" });
    // Every acknowledgement came after the ledger had the message's outcome committed.
    expect(src.statusAtAck.every((s) => s !== "received")).toBe(true);

    const [draft, ...more] = draftRows();
    expect(more).toHaveLength(0);
    expect(draft).toMatchObject({ title: "石家庄市编办召开机构编制工作会议", unitId: 1, columnId: 12, divisionId: 1 });
    expect(results.find((r) => r.file === "d")!).toMatchObject({ draftId: draft!.id, reason: expect.stringContaining("完全相同") });
    // Art. 10: of the classified message only the envelope is kept.
    const b = sql.prepare(`SELECT subject, rawPath, quarantine FROM IntakeMessage WHERE sourceKey = 'b'`).get() as { subject: string | null; rawPath: string | null; quarantine: string };
    expect(b.subject ?? "").toBe("");
    expect(b.rawPath).toBeNull();
    expect(JSON.parse(b.quarantine)).toMatchObject({ mark: "秘密★1年" });
  });

  it("takes up an interrupted pass: what was committed is acknowledged, nothing is decided twice", async () => {
    const msgs = ["一", "二", "三", "四"].map((n, i) => ({ key: `m${i}`, raw: mail("xxk@sjz-bb.example", `石家庄市编办召开第${n}次工作会议`, `${NEWS}（第${n}次）`) }));
    const src = new MemorySource(pipeline, 1, msgs);
    // The second batch is committed, but the source fails before acknowledging it.
    src.failDone = (b) => b.acks.some((a) => a.msg.sourceKey === "m2");
    await expect(src.pass()).rejects.toThrow(/lost its connection/);
    expect([...src.acks.keys()]).toEqual(["m0", "m1"]);
    expect(draftRows()).toHaveLength(4);

    src.failDone = null;
    const again = await src.pass();
    expect(again).toEqual([]); // decided before: only the acknowledgements were due
    expect(Object.fromEntries(src.acks)).toEqual({ m0: "processed", m1: "processed", m2: "processed", m3: "processed" });
    expect(draftRows()).toHaveLength(4);
  });
});
