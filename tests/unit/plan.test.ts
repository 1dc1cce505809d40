// Batch planning of the sources (src/sources/plan.ts), without a server or a database: which
// messages are read, only acknowledged, left waiting or recorded as oversized, and how the ones
// to read are cut into batches by count and bytes.
import { describe, expect, it } from "vitest";
import { batches, chunks, dueMaildirFiles, planWindow } from "../../src/sources/plan.js";

const msg = (key: string, size = 1000) => ({ sourceKey: key, size });
const row = (status: string, outcome: string | null = null) => ({ status, outcome });

describe("batch planning", () => {
  it("cuts batches by count and by bytes, in order, a message over the byte budget alone", () => {
    const items = [msg("a", 40), msg("b", 40), msg("c", 40), msg("d", 500), msg("e", 10)];
    expect([...batches(items, 2, 100)].map((b) => b.map((m) => m.sourceKey))).toEqual([["a", "b"], ["c"], ["d"], ["e"]]);
    expect([...batches(items, 10, 1000)].map((b) => b.length)).toEqual([5]);
    expect([...batches([], 10, 1000)]).toEqual([]);
    expect([...chunks([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("reads new and interrupted messages, only moves decided ones, leaves parked ones, records oversized ones", () => {
    const items = [msg("new"), msg("again"), msg("done"), msg("dup"), msg("failed"), msg("secret"), msg("ocr"), msg("huge", 50_000_000)];
    const ledger = new Map([
      ["again", row("received")],
      ["done", row("done", "draft")],
      ["dup", row("done", "duplicate")],
      ["failed", row("failed", "failed")],
      ["secret", row("quarantined", "quarantined")],
      ["ocr", row("parked")],
    ]);
    const plan = planWindow(items, ledger, 25_000_000);
    expect(plan.read.map((m) => m.sourceKey)).toEqual(["new", "again"]);
    expect(Object.fromEntries([...plan.acknowledge].map(([ack, l]) => [ack, l.map((m) => m.sourceKey)]))).toEqual({ processed: ["done", "dup"], failed: ["failed"], remove: ["secret"] });
    expect(plan.waiting.map((m) => m.sourceKey)).toEqual(["ocr"]);
    expect(plan.oversized.map((m) => m.sourceKey)).toEqual(["huge"]);
  });

  it("an oversized message already decided is only moved, not recorded again", () => {
    const plan = planWindow([msg("huge", 50_000_000)], new Map([["huge", row("failed", "failed")]]), 25_000_000);
    expect(plan.oversized).toEqual([]);
    expect(plan.acknowledge.get("failed")?.map((m) => m.sourceKey)).toEqual(["huge"]);
  });

  it("finds the Maildir files that need work: unread, unacknowledged, not parked", () => {
    const f = (key: string, dir: "new" | "cur", seen: boolean) => ({ sourceKey: key, dir, seen });
    const files = [f("new", "new", false), f("retry", "cur", false), f("done-unacked", "new", false), f("done", "cur", true), f("failed-in-new", "new", false), f("failed-moved", "cur", false), f("parked", "new", false), f("lost-commit", "cur", true)];
    const ledger = new Map([
      ["retry", row("received")],
      ["done-unacked", row("done", "draft")],
      ["done", row("done", "draft")],
      ["failed-in-new", row("failed", "failed")],
      ["failed-moved", row("failed", "failed")],
      ["parked", row("parked")],
    ]);
    expect(dueMaildirFiles(files, ledger).map((x) => x.sourceKey)).toEqual(["new", "retry", "done-unacked", "failed-in-new", "lost-commit"]);
  });
});
