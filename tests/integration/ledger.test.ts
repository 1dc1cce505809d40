// The intake ledger's transitions (src/ledger/) on a real SQLite file: each moves a row only from
// the states it allows, so a message is never decided twice; parked messages are neither read
// again nor acknowledged; two interrupted extractions set a message aside; a retry starts over.
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { SqliteLedger } from "../../src/ledger/sqlite-ledger.js";
import { mergeDraft, retry } from "../../src/ledger/prisma-ledger.js";
import { dueAction, LedgerConflict, MAX_INTERRUPTIONS } from "../../src/ledger/status.js";

let t: TestEnv;
let sqlite: Database.Database;
let ledger: SqliteLedger;
let mailboxId: number;

const open = (key: string) => ledger.open(mailboxId, [{ sourceKey: key, file: key, uidValidity: null, uid: null, sha256: `sha-${key}`, size: 10 }]).get(key)!;
const final = (id: number, outcome: "draft" | "failed" = "draft") => ({ id, outcome, processedAt: new Date(), attempts: 1, rawPath: `sha-${id}` });

beforeAll(async () => {
  t = await freshApp();
  sqlite = new Database(t.app.config.dbFile);
  ledger = new SqliteLedger(sqlite);
  mailboxId = (await t.app.db.mailbox.create({ data: { name: "ledger-test", kind: "maildir" } })).id;
});

afterAll(async () => {
  sqlite?.close();
  await t?.app.close();
});

describe("intake ledger", () => {
  it("opens a row once per source key and reads it as due", () => {
    const a = open("a");
    expect(a).toMatchObject({ status: "received", outcome: null, attempts: 0 });
    expect(open("a").id).toBe(a.id);
    expect(dueAction(ledger.status(mailboxId, ["a"]).get("a"))).toEqual({ kind: "read" });
    expect(dueAction(undefined)).toEqual({ kind: "read" });
  });

  it("finalises an undecided row once; a second decision is refused, not written over the first", async () => {
    const b = open("b");
    ledger.finalise(final(b.id));
    expect(() => ledger.finalise(final(b.id, "failed"))).toThrow(LedgerConflict);
    expect(await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ status: "done", outcome: "draft" });
    expect(dueAction(ledger.status(mailboxId, ["b"]).get("b"))).toEqual({ kind: "ack", ack: "processed" });
  });

  it("parks a message for the OCR lane: not read again, not acknowledged, then finalised from there", () => {
    const c = open("c");
    ledger.park(c.id);
    expect(() => ledger.park(c.id)).toThrow(LedgerConflict);
    expect(dueAction(ledger.status(mailboxId, ["c"]).get("c"))).toEqual({ kind: "wait" });
    ledger.finalise(final(c.id));
    expect(ledger.state(c.id)).toMatchObject({ status: "done", outcome: "draft" });
  });

  it(`gives up on a message after ${MAX_INTERRUPTIONS} interrupted extractions, and a retry from 运行状态 starts the count again`, async () => {
    const d = open("d");
    expect(ledger.recordInterruption(d.id)).toEqual({ interruptions: 1, giveUp: false });
    expect(ledger.recordInterruption(d.id)).toEqual({ interruptions: 2, giveUp: true });
    ledger.finalise({ ...final(d.id, "failed"), errorCode: "EXTRACT_INTERRUPTED", error: "提取 2 次未能完成" });
    expect(() => ledger.recordInterruption(d.id)).toThrow(LedgerConflict);
    expect(dueAction(ledger.status(mailboxId, ["d"]).get("d"))).toEqual({ kind: "ack", ack: "failed" });

    await t.app.db.$transaction((tx) => retry(tx, d.id));
    expect(await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({ status: "received", outcome: null, interruptions: 0 });
    await expect(t.app.db.$transaction((tx) => retry(tx, d.id))).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
  });

  it("lists the mail of a merged duplicate under the original", async () => {
    const mk = (title: string) => t.app.db.draft.create({ data: { status: "triage", channel: "email", title, body: "", originalTitle: title, originalBody: "", receivedAt: new Date(), unitReason: "", columnReason: "", divisionReason: "", flags: "[]", fingerprint: title } });
    const [first, second] = [await mk("原稿"), await mk("重复稿")];
    const e = open("e");
    ledger.finalise({ ...final(e.id), draftId: second.id });
    await t.app.db.$transaction((tx) => mergeDraft(tx, second.id, first.id));
    expect(await t.app.db.intakeMessage.findUniqueOrThrow({ where: { id: e.id } })).toMatchObject({ draftId: first.id, outcome: "duplicate" });
  });
});
