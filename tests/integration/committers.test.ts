// The commit side runs in the commit thread by default (COMMIT_THREAD=1) or inline on the main
// thread (COMMIT_THREAD=0). Both must decide and store exactly the same: the fixtures go
// through each, and every result, draft, attachment and blob is compared. Then the thread
// must see reference data edited after it started (it receives a new version of it).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, submission, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import type { IngestResult } from "../../src/pipeline/contracts.js";

const mailDir = path.join(fixturesDir, "mail");
const files = (JSON.parse(fs.readFileSync(path.join(mailDir, "expected.json"), "utf8")) as Array<{ file: string }>).map((e) => e.file);

async function ingestFixtures(t: TestEnv): Promise<Map<string, IngestResult>> {
  const md = new Maildir(t.env.MAILDIR!);
  for (const f of files) md.deliver(fs.readFileSync(path.join(mailDir, f)), `.${f.replace(/\.eml$/, "")}`);
  const results = await t.app.maildirIntake().runOnce();
  return new Map(results.map((r) => [files.find((f) => r.file?.includes(`.${f.replace(/\.eml$/, "")}.`))!, r]));
}

/** Everything the commit side decided and stored for one fixture, without ids and times. */
async function stored(t: TestEnv, r: IngestResult) {
  const intake = await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: r.intakeId }, include: { attachments: { include: { pages: true }, orderBy: { partIndex: "asc" } } } });
  const draft = r.draftId == null ? null : await t.app.db.draft.findUniqueOrThrow({ where: { id: r.draftId } });
  return {
    result: { outcome: r.outcome, unit: r.unit, column: r.column, division: r.division, title: r.title, reason: r.reason },
    ledger: { status: intake.status, outcome: intake.outcome, sha256: intake.sha256, rawPath: intake.rawPath, errorCode: intake.errorCode, subject: intake.subject },
    rawStored: fs.existsSync(t.app.blobs.pathOf(intake.sha256)),
    draft: draft && {
      title: draft.title,
      body: draft.body,
      documentDate: draft.documentDate,
      unitReason: draft.unitReason,
      columnReason: draft.columnReason,
      divisionReason: draft.divisionReason,
      flags: draft.flags,
      fingerprint: draft.fingerprint,
      screenNote: draft.screenNote,
    },
    attachments: intake.attachments.map((a) => ({
      filename: a.filename,
      sha256: a.sha256,
      size: a.size,
      extractStatus: a.extractStatus,
      text: a.text,
      stored: fs.existsSync(t.app.blobs.pathOf(a.sha256)) && fs.statSync(t.app.blobs.pathOf(a.sha256)).size === a.size,
      pages: a.pages.map((p) => ({ pageNo: p.pageNo, method: p.method, text: p.text })),
    })),
  };
}

let inline: TestEnv;
let threaded: TestEnv;
let inlineResults: Map<string, IngestResult>;
let threadResults: Map<string, IngestResult>;

beforeAll(async () => {
  inline = await freshApp({ COMMIT_THREAD: "0" });
  threaded = await freshApp({ COMMIT_THREAD: "1" });
  inlineResults = await ingestFixtures(inline);
  threadResults = await ingestFixtures(threaded);
}, 120_000);

afterAll(async () => {
  await inline?.app.close();
  await threaded?.app.close();
});

describe("commit thread and inline commit", () => {
  it("decide and store every fixture the same way", async () => {
    expect(threadResults.size).toBe(files.length);
    expect(inlineResults.size).toBe(files.length);
    for (const f of files) {
      const a = await stored(inline, inlineResults.get(f)!);
      const b = await stored(threaded, threadResults.get(f)!);
      expect(b, f).toEqual(a);
      if (a.result.outcome !== "quarantined") expect(b.rawStored, f).toBe(true);
    }
    // The fixtures include attachments, so the thread stored part bytes it received.
    const withParts = [...threadResults.values()].filter((r) => r.outcome === "draft");
    const parts = await threaded.app.db.attachment.count({ where: { intakeId: { in: withParts.map((r) => r.intakeId) } } });
    expect(parts).toBeGreaterThan(0);
  });

  it("the thread decides with reference data edited after it started", async () => {
    const address = "xinban@new-county.example";
    const mail = () => submission({ from: address, subject: "报送：推进事业单位分类改革工作", body: "我县推进事业单位分类改革，完成公益一类事业单位编制核定。\n\n某县编办\n2026年11月24日" });
    const md = new Maildir(threaded.env.MAILDIR!);
    md.deliver(mail());
    const [before] = await threaded.app.maildirIntake().runOnce();
    expect(before).toMatchObject({ outcome: "draft", unit: null });

    // Registered in the web screen (which invalidates the pipeline's reference data).
    const unit = await threaded.app.db.sendingUnit.findFirstOrThrow({ where: { name: { contains: "正定" } } });
    await threaded.app.db.unitAddress.create({ data: { unitId: unit.id, email: address, source: "manual" } });
    threaded.app.pipeline.invalidateReference();
    md.deliver(submission({ from: address, subject: "报送：乡镇机构改革工作进展", body: "我县乡镇（街道）综合行政执法改革稳步推进。\n\n某县编办\n2026年11月25日" }));
    const [after] = await threaded.app.maildirIntake().runOnce();
    expect(after).toMatchObject({ outcome: "draft", unit: unit.name });
  });
});

describe("a batch the commit thread cannot settle", () => {
  it("stays `received` and unacknowledged, the batches before it are kept, and a rerun ingests each message once", async () => {
    const t = await freshApp({ COMMIT_THREAD: "1", INGEST_BATCH: "5" });
    try {
      const md = new Maildir(t.env.MAILDIR!);
      const mails = Array.from({ length: 12 }, (_, i) =>
        submission({ from: "zdbb@zd-gov.example", subject: `报送：乡镇机构改革工作进展（${i + 1}）`, body: `第${i + 1}期：我县乡镇（街道）综合行政执法改革稳步推进。\n\n正定县编办\n2026年11月2${i % 10}日`, messageId: `<committers-${i + 1}@zd-gov.example>` }),
      );
      for (const m of mails) md.deliver(m);
      // The blob directory the 7th message (second batch) needs is a file: its blob cannot be written.
      const sha = createHash("sha256").update(mails[6]!).digest("hex");
      // Blob directories are named by the first two hex digits: no other message may share this
      // one, or its batch fails too (fixed Message-IDs keep the hashes, so this holds every run).
      expect(mails.filter((m) => createHash("sha256").update(m).digest("hex").slice(0, 2) === sha.slice(0, 2))).toHaveLength(1);
      const blocker = path.dirname(t.app.blobs.pathOf(sha));
      fs.mkdirSync(path.dirname(blocker), { recursive: true });
      fs.writeFileSync(blocker, "not a directory");

      const seen: IngestResult[] = [];
      await expect(t.app.maildirIntake().runOnce((r) => seen.push(r))).rejects.toThrow();
      expect(seen.map((r) => r.outcome)).toEqual(["draft", "draft", "draft", "draft", "draft"]);
      expect(await t.app.db.draft.count()).toBe(5);
      expect(await t.app.db.intakeMessage.count({ where: { status: "received" } })).toBeGreaterThanOrEqual(5);
      const listed = md.list();
      expect(listed.filter((i) => i.seen)).toHaveLength(5);
      expect(listed.filter((i) => i.dir === "new")).toHaveLength(7);

      fs.rmSync(blocker);
      const rerun = await t.app.maildirIntake().runOnce();
      expect(rerun.map((r) => r.outcome)).toEqual(Array(7).fill("draft"));
      expect(await t.app.db.draft.count()).toBe(12);
      expect(await t.app.db.intakeMessage.count({ where: { status: "received" } })).toBe(0);
      expect(md.list().every((i) => i.seen)).toBe(true);
    } finally {
      await t.app.close();
    }
  });
});
