// Hostile and odd messages through the real CLI in one Maildir batch (issue #15): each ends as
// fixtures/hostile/expected.json says, with its reason; every ordinary submission of the batch
// is committed beside them; bounces are kept and listed under 运行状态.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, gatewayCli, jsonLines, submission, type IngestLine, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Client } from "../support/http-client.js";
import { mail, randomBytes } from "../../fixtures/hostile/tools/lib.mjs";

const hostile = path.join(fixturesDir, "hostile");
const expected = JSON.parse(fs.readFileSync(path.join(hostile, "expected.json"), "utf8")) as Array<{ file: string; outcome: string; reason?: string; unit?: string; flags?: string[] }>;
// The inline-image PDF needs the OCR lane: it is exercised in ocr-lane.test.ts.
const cases = expected.filter((e) => !e.file.startsWith("01-"));

let t: TestEnv;
let lines: IngestLine[] = [];
const byFile = new Map<string, IngestLine>();
const ordinary = ["正定县编办召开机构编制工作会议", "平山县编办开展事业单位登记管理培训", "迁安市编办推进乡镇综合行政执法改革"];

beforeAll(async () => {
  t = await freshApp();
  const md = new Maildir(t.env.MAILDIR!);
  const senders = ["zdbb@zd-gov.example", "psbb@ps-gov.example", "qabb@qa-gov.example"];
  // Ordinary submissions before, between and after the hostile ones: one batch for all.
  md.deliver(submission({ from: senders[0]!, subject: ordinary[0]!, body: "12月1日，正定县编办召开全县机构编制工作会议，部署明年重点工作。" }), ".ordinary0");
  for (const e of cases) byFile.set(md.deliver(fs.readFileSync(path.join(hostile, e.file)), `.${e.file.replace(/\W/g, "")}`), { file: e.file } as IngestLine);
  md.deliver(submission({ from: senders[1]!, subject: ordinary[1]!, body: "平山县编办举办事业单位登记管理业务培训班，全县120余名经办人员参加。" }), ".ordinary1");
  const noise = md.deliver(randomBytes(1 << 20), ".noise");
  const longSubject = md.deliver(mail({ from: "xxk@qhd-bb.example", subject: "秦皇岛市编办关于机构编制工作的报告".repeat(6_000), id: "long-subject@qhd-bb.example", text: "秦皇岛市编办报送工作报告，请审阅。" }), ".longsubject");
  const bigText = md.deliver(
    mail({ from: "xxk@ts-bb.example", subject: "唐山市编办关于统计数据的报告", id: "big-text@ts-bb.example", text: "见附件。", attachments: [{ name: "统计数据.txt", type: "text/plain", data: Buffer.from(`唐山 ${"1234567890,".repeat(4)}\n`.repeat(220_000)) }] }),
    ".bigtext",
  );
  md.deliver(submission({ from: senders[2]!, subject: ordinary[2]!, body: "迁安市编办稳步推进乡镇综合行政执法改革，执法事项全部下放到位。" }), ".ordinary2");
  const { stdout } = await gatewayCli(["ingest", "--json"], t.env);
  lines = jsonLines<IngestLine>(stdout);
  const named = new Map(lines.map((l) => [l.file!, l]));
  for (const file of [...byFile.keys()]) byFile.set(file, { ...named.get(file)!, file: byFile.get(file)!.file });
  byFile.set(noise, { ...named.get(noise)!, file: "noise" });
  byFile.set(longSubject, { ...named.get(longSubject)!, file: "long subject" });
  byFile.set(bigText, { ...named.get(bigText)!, file: "big text" });
}, 300_000);

afterAll(async () => {
  await t?.app.close();
});

describe("hostile messages in one batch", () => {
  it("ends each as expected, with its reason", () => {
    for (const e of cases) {
      const line = [...byFile.values()].find((l) => l.file === e.file);
      expect(line, e.file).toBeDefined();
      expect(line!.outcome, e.file).toBe(e.outcome);
      // A draft's reason is its routing; what went wrong with a part is on the draft (below).
      if (e.reason && e.outcome !== "draft") expect(line!.reason, e.file).toContain(e.reason);
      if (e.unit) expect(line!.unit, e.file).toBe(e.unit);
    }
  });

  it("commits every ordinary submission of the batch", async () => {
    for (const title of ordinary) expect(lines.find((l) => l.title === title)?.outcome, title).toBe("draft");
    expect(lines).toHaveLength(cases.length + ordinary.length + 3);
  });

  it("flags the drafts whose attachment could not be read, with the reason on the draft", async () => {
    for (const e of cases.filter((c) => c.flags)) {
      const line = [...byFile.values()].find((l) => l.file === e.file)!;
      const draft = await t.app.db.draft.findUniqueOrThrow({ where: { id: line.draftId! } });
      for (const f of e.flags!) expect(JSON.parse(draft.flags), e.file).toContain(f);
      expect(draft.screenNote, e.file).toContain(e.reason!);
    }
  });

  it("fails noise with a reason, and bounds a long subject and a long attachment", async () => {
    const noise = [...byFile.values()].find((l) => l.file === "noise")!;
    expect(noise).toMatchObject({ outcome: "failed" });
    expect(noise.reason).toMatch(/^不是邮件：/);
    const long = [...byFile.values()].find((l) => l.file === "long subject")!;
    expect(long, JSON.stringify(long).slice(0, 300)).toMatchObject({ outcome: "draft" });
    expect([...long.title!]).toHaveLength(200);
    const big = [...byFile.values()].find((l) => l.file === "big text")!;
    const draft = await t.app.db.draft.findUniqueOrThrow({ where: { id: big.draftId! } });
    expect(draft.body.length).toBeLessThanOrEqual(t.app.config.limits.textChars);
    expect(JSON.parse(draft.flags)).toContain("text_truncated");
    const cut = /「统计数据.txt」共 (\d+) 字，保留前 (\d+) 字/.exec(draft.screenNote ?? "");
    expect(Number(cut?.[1])).toBeGreaterThan(10_000_000);
    expect(Number(cut?.[2])).toBeLessThanOrEqual(t.app.config.limits.textChars);
  });

  it("keeps bounces and lists them under 运行状态", async () => {
    const bounces = cases.filter((c) => c.file.startsWith("dsn-"));
    const rows = await t.app.db.intakeMessage.findMany({ where: { outcome: "ignored" } });
    expect(rows).toHaveLength(bounces.length);
    for (const r of rows) {
      expect(r.rawPath).toMatch(/^[0-9a-f]{64}$/);
      expect(r.error).toMatch(/^自动发送的邮件（退信（/);
    }
    await seedDemoUsers(t.app.db, "Demo-pass-2026");
    const running: Running = await serve(t.app, () => undefined);
    try {
      const yao = new Client(running.url);
      expect((await yao.signIn("yaolin", "Demo-pass-2026")).status).toBe(302);
      const html = await (await yao.req("/admin/status")).text();
      const section = html.slice(html.indexOf('id="ignored-mail"'), html.indexOf("对网关通知的回复"));
      expect(section).toContain("mailer-daemon@googlemail.com");
      expect(section).toContain("Delivery Status Notification (Failure)");
      expect(section).toContain("退信（X-Failed-Recipients）");
      expect(section.match(/<tr><td>/g)).toHaveLength(bounces.length);
    } finally {
      await running.stop();
    }
  });
});
