// A crash mid-batch loses and duplicates nothing: SIGKILL the real CLI while it ingests, run it
// again, and every message is ingested exactly once.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshApp, gatewayCli, jsonLines, spawnGateway, submission, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";

const N = 400;
let t: TestEnv;

afterAll(async () => {
  await t?.app.close();
});

describe("crash safety of the Maildir intake", () => {
  it("SIGKILL in the middle of a batch, then a rerun: every message exactly once", async () => {
    t = await freshApp({ INGEST_BATCH: "25" });
    const maildir = new Maildir(t.env.MAILDIR!);
    const units = ["zdbb@zd-gov.example", "psbb@ps-gov.example", "qabb@qa-gov.example", "stranger@mail163.example"];
    for (let i = 0; i < N; i++)
      maildir.deliver(submission({ from: units[i % units.length]!, subject: `报送：第${i}号工作动态`, body: `${i}日，县编办召开会议，部署编制核定工作。编号${i}。` }));

    const child = spawnGateway(["ingest", "--json"], t.env);
    let seen = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        seen += chunk.toString().split("\n").filter((l) => l.startsWith("{")).length;
        if (seen >= 60 && !child.killed) {
          child.kill("SIGKILL");
        }
      });
      child.on("exit", () => resolve());
    });
    expect(child.signalCode).toBe("SIGKILL");
    const before = await t.app.db.draft.count();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(N);

    const { stdout } = await gatewayCli(["ingest", "--json"], t.env);
    const rerun = jsonLines<{ outcome: string }>(stdout);
    expect(rerun.every((r) => r.outcome === "draft")).toBe(true);

    expect(await t.app.db.draft.count()).toBe(N);
    expect(await t.app.db.intakeMessage.count()).toBe(N);
    expect(await t.app.db.intakeMessage.count({ where: { status: { not: "done" } } })).toBe(0);
    // Each numbered submission became exactly one draft.
    const titles = (await t.app.db.draft.findMany({ select: { title: true } })).map((d) => d.title);
    expect(new Set(titles).size).toBe(N);
    // Every message is acknowledged the Maildir way.
    expect(fs.readdirSync(path.join(t.env.MAILDIR!, "new"))).toHaveLength(0);
    expect(fs.readdirSync(path.join(t.env.MAILDIR!, "cur")).filter((f) => f.endsWith(":2,S"))).toHaveLength(N);

    // A third run finds nothing to do.
    const third = await gatewayCli(["ingest", "--json"], t.env);
    expect(jsonLines(third.stdout)).toHaveLength(0);
  }, 120_000);
});
