// The Art. 5 chain at the service level (not just hidden buttons), accounts and the audit trail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { ReviewService } from "../../src/review/service.js";
import { verifyAudit } from "../../src/audit/verify.js";
import type { Actor } from "../../src/domain/roles.js";
import { Maildir } from "../../src/sources/maildir.js";
import { statistics } from "../../src/stats/stats.js";

let t: TestEnv;
let svc: ReviewService;
const as: Record<string, Actor> = {};

beforeAll(async () => {
  t = await freshApp();
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  for (const u of ["niulifeng", "zhangcaiyan", "mayun", "chengjingfang", "zhangwenyi", "liyingming"]) {
    const user = await t.app.db.user.findUniqueOrThrow({ where: { username: u } });
    as[u] = (await loadActor(t.app.db, user.id))!;
  }
  svc = new ReviewService(t.app.db);
  const md = new Maildir(t.env.MAILDIR!);
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "报送：正定县推进事业单位分类改革", body: "11月20日，正定县召开事业单位分类改革推进会。\n\n正定县编办\n2026年11月20日" }));
  md.deliver(submission({ from: "psbb@ps-gov.example", subject: "平山县乡镇机构改革进展", body: "平山县推进乡镇机构改革，街道办事处职能调整。" }));
  md.deliver(submission({ from: "qabb@qa-gov.example", subject: "迁安市事业单位编制核定工作会议", body: "会议通报了排查邪教组织渗透机关事业单位的情况，部署事业单位编制核定工作。" }));
  await t.app.maildirIntake().runOnce();
});

afterAll(async () => {
  await t?.app.close();
});

const draftByTitle = (title: string) => t.app.db.draft.findFirstOrThrow({ where: { title } });

describe("review chain", () => {
  it("routes each item to its division's queue, and a division sees only its own", async () => {
    const shiye = await t.app.read.queue(as.niulifeng!, { page: 1 });
    expect(shiye.rows.map((r) => r.title).sort()).toEqual(["正定县推进事业单位分类改革", "迁安市事业单位编制核定工作会议"]);
    const shixian = await t.app.read.queue(as.chengjingfang!, { page: 1 });
    expect(shixian.rows.map((r) => r.title)).toEqual(["平山县乡镇机构改革进展"]);
  });

  it("refuses publish without review at the service level", async () => {
    const d = await draftByTitle("正定县推进事业单位分类改革");
    await expect(svc.act(as.niulifeng!, d.id, d.version, "publish", {})).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    // Even forcing the status behind the chain's back does not help: publish checks the recorded steps.
    await t.app.db.draft.update({ where: { id: d.id }, data: { status: "approved" } });
    await expect(svc.act(as.niulifeng!, d.id, d.version, "publish", {})).rejects.toThrow(/未经处长审核/);
    await t.app.db.draft.update({ where: { id: d.id }, data: { status: "triage" } });
  });

  it("refuses another division's info administrator and a head of another division", async () => {
    const d = await draftByTitle("正定县推进事业单位分类改革");
    await expect(svc.act(as.chengjingfang!, d.id, d.version, "send_for_review", {})).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(svc.edit(as.chengjingfang!, d.id, d.version, { title: "x", body: "y" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("runs triage → 处长审核 → 办领导审核 → 发布 for an important item and fills the 审批表", async () => {
    let d = await draftByTitle("正定县推进事业单位分类改革");
    d = await svc.edit(as.niulifeng!, d.id, d.version, { title: d.title, body: d.body + "\n（已核实）", note: "核实数据" });
    d = await svc.triage(as.niulifeng!, d.id, d.version, { unitId: d.unitId, columnId: d.columnId, divisionId: d.divisionId, important: true });
    await expect(svc.act(as.niulifeng!, d.id, d.version - 1, "send_for_review", {})).rejects.toMatchObject({ code: "STALE_VERSION" });
    d = await svc.act(as.niulifeng!, d.id, d.version, "send_for_review", {});
    expect(d.status).toBe("division_review");
    await expect(svc.act(as.liyingming!, d.id, d.version, "division_approve", {})).rejects.toMatchObject({ code: "FORBIDDEN" });
    d = await svc.act(as.zhangcaiyan!, d.id, d.version, "division_approve", { comment: "同意，报马主任审批" });
    expect(d.status).toBe("leader_review");
    await expect(svc.act(as.niulifeng!, d.id, d.version, "publish", {})).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    d = await svc.act(as.mayun!, d.id, d.version, "leader_approve", { comment: "同意发布" });
    expect(d.status).toBe("approved");
    d = await svc.act(as.niulifeng!, d.id, d.version, "publish", {});
    expect(d.status).toBe("published");

    const steps = await t.app.db.reviewStep.findMany({ where: { draftId: d.id }, orderBy: { id: "asc" } });
    expect(steps.map((s) => [s.stage, s.status, s.decidedByLabel])).toEqual([
      ["division_head", "approved", "张才彦"],
      ["deputy_director", "approved", "马云"],
    ]);
    expect(steps[0]).toMatchObject({ formDivision: "事业处", formInfoAdmin: "牛立峰", formTitle: "正定县推进事业单位分类改革", formColumn: "事业单位改革", formSource: "正定县编办" });
    const item = await t.app.db.publishedItem.findFirstOrThrow({ where: { draftId: d.id } });
    expect(item.publishedBy).toBe("牛立峰");
    expect(item.body).toContain("（已核实）");
    expect(await t.app.db.draftRevision.count({ where: { draftId: d.id } })).toBe(1);
  });

  it("send back requires a reason and returns the item to triage", async () => {
    let d = await draftByTitle("平山县乡镇机构改革进展");
    d = await svc.act(as.chengjingfang!, d.id, d.version, "send_for_review", {});
    const head = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "zhangfuzeng" } })).id))!;
    await expect(svc.act(head, d.id, d.version, "send_back", {})).rejects.toMatchObject({ code: "VALIDATION" });
    d = await svc.act(head, d.id, d.version, "send_back", { comment: "请补充改革后机构数量" });
    expect(d.status).toBe("triage");
    const step = await t.app.db.reviewStep.findFirstOrThrow({ where: { draftId: d.id } });
    expect(step).toMatchObject({ status: "returned", opinion: "请补充改革后机构数量", decidedByLabel: "张福增" });
  });

  it("an item with prohibited content is flagged and cannot be published until a person clears it with a reason", async () => {
    let d = await draftByTitle("迁安市事业单位编制核定工作会议");
    expect(JSON.parse(d.flags)).toContain("prohibited_content");
    expect(d.screenNote).toContain("邪教组织");
    d = await svc.act(as.niulifeng!, d.id, d.version, "send_for_review", {});
    d = await svc.act(as.zhangcaiyan!, d.id, d.version, "division_approve", {});
    await expect(svc.act(as.niulifeng!, d.id, d.version, "publish", {})).rejects.toThrow(/违禁内容/);
    await expect(svc.clearProhibited(as.niulifeng!, d.id, d.version, " ")).rejects.toMatchObject({ code: "VALIDATION" });
    d = await svc.clearProhibited(as.niulifeng!, d.id, d.version, "系通报防范工作，非违禁内容");
    expect(d.screenNote).toContain("已由牛立峰人工复核");
    d = await svc.act(as.niulifeng!, d.id, d.version, "publish", {});
    expect(d.status).toBe("published");
  });

  it("a correction after publication is a new version that keeps the old one, and goes through review again", async () => {
    let d = await draftByTitle("正定县推进事业单位分类改革");
    expect(d.status).toBe("published");
    d = await svc.act(as.niulifeng!, d.id, d.version, "correct", { comment: "更正统计数字" });
    expect(d.status).toBe("triage");
    d = await svc.edit(as.niulifeng!, d.id, d.version, { title: d.title, body: d.body.replace("（已核实）", "（已核实，数字已更正）") });
    d = await svc.act(as.niulifeng!, d.id, d.version, "send_for_review", {});
    d = await svc.act(as.zhangcaiyan!, d.id, d.version, "division_approve", {});
    // Important: the earlier 办领导 approval no longer counts for the corrected text.
    expect(d.status).toBe("leader_review");
    d = await svc.act(as.mayun!, d.id, d.version, "leader_approve", {});
    d = await svc.act(as.niulifeng!, d.id, d.version, "publish", {});
    const versions = await t.app.db.publishedItem.findMany({ where: { draftId: d.id }, orderBy: { version: "asc" } });
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]!.supersedesId).toBe(versions[0]!.id);
    expect(versions[0]!.body).toContain("（已核实）");
    expect(versions[1]!.body).toContain("数字已更正");
  });

  it("merges a duplicate into its original: archived, its mail under the original, not counted", async () => {
    new Maildir(t.env.MAILDIR!).deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县推进事业单位分类改革（传真重发）", body: "11月20日，正定县召开事业单位分类改革推进会（重发）。" }));
    const [r] = await t.app.maildirIntake().runOnce();
    const original = await draftByTitle("正定县推进事业单位分类改革");
    let dup = await t.app.db.draft.findUniqueOrThrow({ where: { id: r!.draftId! } });
    await expect(svc.mergeInto(as.chengjingfang!, dup.id, dup.version, original.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    dup = await svc.mergeInto(as.niulifeng!, dup.id, dup.version, original.id);
    expect(dup).toMatchObject({ status: "archived", duplicateOfId: original.id });
    expect(await t.app.db.intakeMessage.count({ where: { draftId: original.id } })).toBe(2);
    const stats = await statistics(t.app.db, String(new Date(Date.now() + 8 * 3_600_000).getUTCFullYear()));
    expect(stats.units.find((u) => u.name === "正定县编办")!.received).toBe(1);
  });

  it("keeps an audit trail that detects tampering behind the application's back", async () => {
    expect((await verifyAudit(t.app.db, t.app.auditFiles)).ok).toBe(true);
    const raw = new Database(t.app.config.dbFile);
    expect(() => raw.prepare(`UPDATE AuditEvent SET actor = 'user:nobody' WHERE id = 3`).run()).toThrow(/append-only/);
    expect(() => raw.prepare(`DELETE FROM AuditEvent WHERE id = 3`).run()).toThrow(/append-only/);
    // Someone with file access drops the trigger and edits a row: the chain shows it.
    raw.exec(`DROP TRIGGER AuditEvent_no_update`);
    raw.prepare(`UPDATE AuditEvent SET detail = '{}' WHERE id = 3`).run();
    raw.close();
    const r = await verifyAudit(t.app.db, t.app.auditFiles);
    expect(r.ok).toBe(false);
    expect(r.firstBadId).toBe(3);
  });
});
