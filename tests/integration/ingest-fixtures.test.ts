// `gateway ingest --maildir … --once --json` over the realistic fixtures: every fixture's
// expected outcome, unit, column, division, title, date and text, as fixtures/mail/expected.json
// says; a second run creates nothing; an exact re-send is a duplicate.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, gatewayCli, jsonLines, type TestEnv, type IngestLine } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";

interface Expected {
  file: string;
  outcome: string;
  unit: string | null;
  column: string | null;
  division: string | null;
  title: string | null;
  documentDate: string | null;
  bodyIncludes: string[];
}
type Line = IngestLine;

const mailDir = path.join(fixturesDir, "mail");
const expected = JSON.parse(fs.readFileSync(path.join(mailDir, "expected.json"), "utf8")) as Expected[];
let t: TestEnv;
let lines: Line[] = [];
const byFixture = new Map<string, Line>();

beforeAll(async () => {
  t = await freshApp();
  const md = new Maildir(t.env.MAILDIR!);
  for (const e of expected) md.deliver(fs.readFileSync(path.join(mailDir, e.file)), `.${e.file.replace(/\.eml$/, "")}`);
  const { stdout } = await gatewayCli(["ingest", "--maildir", t.env.MAILDIR!, "--once", "--json"], t.env);
  lines = jsonLines<Line>(stdout);
  for (const l of lines) byFixture.set(expected.find((e) => l.file?.includes(`.${e.file.replace(/\.eml$/, "")}.`))!.file, l);
}, 120_000);

afterAll(async () => {
  await t?.app.close();
});

describe("fixtures through the CLI", () => {
  it("prints one JSON line per message with the documented keys", () => {
    expect(lines).toHaveLength(expected.length);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(["column", "division", "draftId", "file", "messageId", "outcome", "reason", "title", "unit"]);
  });

  it.each(expected.map((e) => [e.file, e] as const))("%s", async (_file, e) => {
    const l = byFixture.get(e.file)!;
    expect(l, `no output for ${e.file}`).toBeDefined();
    expect({ outcome: l.outcome, unit: l.unit, column: l.column, division: l.division }).toEqual({ outcome: e.outcome, unit: e.unit, column: e.column, division: e.division });
    expect(l.reason.length).toBeGreaterThan(0);
    if (e.outcome === "failed") return;
    if (e.title) expect(l.title).toBe(e.title);
    const draft = await t.app.db.draft.findUniqueOrThrow({ where: { id: l.draftId! } });
    if (e.documentDate !== undefined) expect(draft.documentDate?.toISOString().slice(0, 10) ?? null).toBe(e.documentDate);
    for (const phrase of e.bodyIncludes ?? []) expect(draft.body).toContain(phrase);
    // The original is kept for comparison.
    const intake = await t.app.db.intakeMessage.findFirstOrThrow({ where: { file: { contains: e.file.replace(/\.eml$/, "") } } });
    expect(intake.rawPath).toBe(intake.sha256);
    expect(fs.existsSync(t.app.blobs.pathOf(intake.sha256))).toBe(true);
  });

  it("a second run creates nothing new", async () => {
    const before = await t.app.db.draft.count();
    const { stdout } = await gatewayCli(["ingest", "--maildir", t.env.MAILDIR!, "--once", "--json"], t.env);
    expect(jsonLines(stdout)).toHaveLength(0);
    expect(await t.app.db.draft.count()).toBe(before);
  });

  it("an exact re-send of a message counts as duplicate", async () => {
    const first = expected.find((e) => e.outcome === "draft")!;
    new Maildir(t.env.MAILDIR!).deliver(fs.readFileSync(path.join(mailDir, first.file)));
    const { stdout } = await gatewayCli(["ingest", "--maildir", t.env.MAILDIR!, "--once", "--json"], t.env);
    const [line] = jsonLines<Line>(stdout);
    expect(line!.outcome).toBe("duplicate");
    expect(line!.draftId).toBe(byFixture.get(first.file)!.draftId);
  });

  it("a failed message is recorded with its reason and kept, and the batch goes on", async () => {
    const failed = await t.app.db.intakeMessage.findMany({ where: { status: "failed" } });
    const expectedFailed = expected.filter((e) => e.outcome === "failed");
    expect(failed).toHaveLength(expectedFailed.length);
    for (const f of failed) {
      expect(f.error).toBeTruthy();
      // Still in the Maildir (moved to cur/ without the seen flag), so nothing is lost.
      expect(fs.existsSync(path.join(t.env.MAILDIR!, "cur", `${f.sourceKey}:2,`))).toBe(true);
    }
  });
});
