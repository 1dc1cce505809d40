// Art. 6 statistics against hand-counted fixtures: a duplicate never counts twice, a returned
// item counts as returned; the XLSX export opens and holds the same numbers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { statistics, toCsv, toXlsx } from "../../src/stats/stats.js";
import { Maildir } from "../../src/sources/maildir.js";
import type { Actor } from "../../src/domain/roles.js";

let t: TestEnv;
const actors: Record<string, Actor> = {};
const year = String(new Date(Date.now() + 8 * 3_600_000).getUTCFullYear());

beforeAll(async () => {
  t = await freshApp();
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  for (const u of ["niulifeng", "zhangcaiyan", "chengjingfang", "zhangfuzeng"]) actors[u] = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: u } })).id))!;
  const md = new Maildir(t.env.MAILDIR!);
  // 正定: 3 submissions (one sent twice) → 3 received; 2 published, 1 returned.
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县事业单位分类改革（一）", body: "正定县推进事业单位分类改革，第一阶段。" }));
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县事业单位分类改革（二）", body: "正定县推进事业单位分类改革，第二阶段。" }));
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县事业单位分类改革（三）", body: "正定县推进事业单位分类改革，第三阶段。" }));
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县事业单位分类改革（三）", body: "正定县推进事业单位分类改革，第三阶段。", messageId: "<resend@zd>" }));
  // 平山: 1 submission, published.
  md.deliver(submission({ from: "psbb@ps-gov.example", subject: "平山县乡镇机构改革", body: "平山县推进乡镇机构改革，街道职能调整。" }));
  const results = await t.app.maildirIntake().runOnce();
  expect(results.map((r) => r.outcome).sort()).toEqual(["draft", "draft", "draft", "draft", "duplicate"]);

  const publish = async (title: string, admin: string, head: string) => {
    let d = await t.app.db.draft.findFirstOrThrow({ where: { title } });
    d = await t.app.review.act(actors[admin]!, d.id, d.version, "send_for_review", {});
    d = await t.app.review.act(actors[head]!, d.id, d.version, "division_approve", {});
    await t.app.review.act(actors[admin]!, d.id, d.version, "publish", {});
  };
  await publish("正定县事业单位分类改革（一）", "niulifeng", "zhangcaiyan");
  await publish("正定县事业单位分类改革（二）", "niulifeng", "zhangcaiyan");
  await publish("平山县乡镇机构改革", "chengjingfang", "zhangfuzeng");
  const third = await t.app.db.draft.findFirstOrThrow({ where: { title: "正定县事业单位分类改革（三）" } });
  await t.app.review.act(actors.niulifeng!, third.id, third.version, "return_to_sender", { comment: "请补充数据" });
});

afterAll(async () => {
  await t?.app.close();
});

describe("statistics and ranking", () => {
  it("counts per unit and per division as counted by hand", async () => {
    const s = await statistics(t.app.db, year);
    const unit = (name: string) => s.units.find((r) => r.name === name)!;
    expect(unit("正定县编办")).toMatchObject({ received: 3, published: 2, returned: 1, rejected: 0, rank: 1 });
    expect(unit("平山县编办")).toMatchObject({ received: 1, published: 1, returned: 0, rank: 2 });
    expect(unit("正定县编办").adoptionRate).toBeCloseTo(2 / 3);
    expect(unit("唐山市编办")).toMatchObject({ received: 0, published: 0 }); // silent units are listed too
    const div = (name: string) => s.divisions.find((r) => r.name === name)!;
    expect(div("事业处")).toMatchObject({ received: 3, published: 2, returned: 1 });
    expect(div("市县乡处")).toMatchObject({ received: 1, published: 1 });
    expect(s.totals).toEqual({ received: 4, published: 3, returned: 1, rejected: 0 });
  });

  it("a month with nothing counts nothing, and a bad period is a clear error", async () => {
    const s = await statistics(t.app.db, "2001-01");
    expect(s.totals.received).toBe(0);
    await expect(statistics(t.app.db, "2026-13")).rejects.toThrow(/统计期/);
  });

  it("exports CSV and an XLSX that opens with the same numbers", async () => {
    const s = await statistics(t.app.db, year);
    const csv = toCsv(s, "units");
    expect(csv.startsWith("\ufeff排名,名称,报送")).toBe(true);
    expect(csv).toContain("1,正定县编办,3,2,1,0,66.7%");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await toXlsx(s)) as never);
    const ws = wb.worksheets[0]!;
    const rows = ws.getSheetValues().filter(Boolean) as unknown[][];
    const zd = rows.find((r) => r[2] === "正定县编办")!;
    expect([zd[1], zd[3], zd[4], zd[5], zd[6]]).toEqual([1, 3, 2, 1, 0]);
    expect(wb.worksheets[1]!.name).toContain("省编办各处");
  });
});
