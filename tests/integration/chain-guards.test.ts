// The chain guarded in the service, not only on the screen (issue #16): no 送审 while the sending
// unit is unconfirmed; 「登记此地址为本单位」 by the information centre only, audited, confirming
// every waiting draft of that sender; unconfirmed items never counted in statistics, ranking,
// exports or the 通报; 发布 of an item the router hinted as important asks for 办领导审核 (or a
// recorded reason); a 办领导's 退回 signed in the box of their rank; an approver's 意见 recorded
// as an opinion, not a decision.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { AdminService } from "../../src/admin/service.js";
import type { Actor } from "../../src/domain/roles.js";
import { Maildir } from "../../src/sources/maildir.js";
import { statistics, toCsv } from "../../src/stats/stats.js";
import { approvalForm } from "../../src/web/approval-form.js";

let t: TestEnv;
let admin: AdminService;
const as: Record<string, Actor> = {};
const year = String(new Date(Date.now() + 8 * 3_600_000).getUTCFullYear());

beforeAll(async () => {
  t = await freshApp();
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  for (const u of ["niulifeng", "zhangcaiyan", "mayun", "yaolin", "zhangwenyi", "liyingming"]) {
    const user = await t.app.db.user.findUniqueOrThrow({ where: { username: u } });
    as[u] = (await loadActor(t.app.db, user.id))!;
  }
  admin = new AdminService(t.app.db, () => t.app.pipeline.invalidateReference());
  const md = new Maildir(t.env.MAILDIR!);
  // Two items from an address no unit has registered; the display name claims 正定县编办.
  md.deliver(submission({ from: "zhengding.xx@personal-mail.example", subject: "正定县推进事业单位分类改革", body: "正定县召开事业单位分类改革推进会，部署事业单位改革工作。" }));
  md.deliver(submission({ from: "zhengding.xx@personal-mail.example", subject: "正定县事业单位改革第二阶段", body: "正定县推进事业单位改革第二阶段工作。" }));
  // A registered sender whose item the router hints as important (省委 …).
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县贯彻省委编委会议精神推进事业单位改革", body: "正定县传达学习省委编委会议精神，部署事业单位改革。" }));
  md.deliver(submission({ from: "zdbb@zd-gov.example", subject: "正定县事业单位改革工作简报", body: "正定县事业单位改革简报：推进分类改革，落实省委编委会议部署。" }));
  await t.app.maildirIntake().runOnce();
});

afterAll(async () => {
  await t?.app.close();
});

const byTitle = (title: string) => t.app.db.draft.findFirstOrThrow({ where: { title } });
const events = (draftId: number) => t.app.db.auditEvent.findMany({ where: { entityType: "draft", entityId: String(draftId) }, orderBy: { id: "asc" } });

describe("the chain guarded in the service", () => {
  it("refuses 送审 while the sending unit is unconfirmed, even with a sender address, and names the field", async () => {
    const d = await byTitle("正定县推进事业单位分类改革");
    expect(d.unitConfirmed).toBe(false);
    expect(d.senderAddress).toBe("zhengding.xx@personal-mail.example");
    const err = await t.app.review.act(as.niulifeng!, d.id, d.version, "send_for_review", {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VALIDATION" });
    const fields = (err as { detail: { fields: Record<string, string> } }).detail.fields;
    expect(fields.unitId).toContain("zhengding.xx@personal-mail.example 未登记");
    expect((await byTitle("正定县推进事业单位分类改革")).status).toBe("triage");
  });

  it("registers the address for a unit only for the information centre, confirms every waiting draft of that sender, and audits it", async () => {
    const d = await byTitle("正定县推进事业单位分类改革");
    const zhengding = await t.app.db.sendingUnit.findFirstOrThrow({ where: { name: "正定县编办" } });
    await expect(admin.registerSender(as.niulifeng!, d.id, zhengding.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.registerSender(as.yaolin!, d.id, null)).rejects.toMatchObject({ code: "VALIDATION", detail: { fields: { unitId: "请选择报送单位" } } });

    const done = await admin.registerSender(as.yaolin!, d.id, zhengding.id, "127.0.0.1");
    expect(done.confirmed).toBe(2);
    for (const title of ["正定县推进事业单位分类改革", "正定县事业单位改革第二阶段"]) {
      const x = await byTitle(title);
      expect(x).toMatchObject({ unitId: zhengding.id, unitConfirmed: true });
      expect(JSON.parse(x.flags)).not.toContain("unit_unconfirmed");
      expect(x.unitReason).toContain("姚琳");
      expect((await events(x.id)).map((e) => e.action)).toContain("draft.unit_confirmed");
    }
    const registry = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "unit.register_sender" } });
    expect(registry.actor).toBe("user:yaolin");
    expect(JSON.parse(registry.detail)).toMatchObject({ unit: "正定县编办", email: "zhengding.xx@personal-mail.example" });
    expect(await t.app.db.unitAddress.findUnique({ where: { email: "zhengding.xx@personal-mail.example" } })).toMatchObject({ unitId: zhengding.id, source: "manual" });

    // The address now belongs to 正定: another unit cannot take it over silently.
    const pingshan = await t.app.db.sendingUnit.findFirstOrThrow({ where: { name: "平山县编办" } });
    const fresh = await t.app.db.draft.create({ data: { status: "triage", channel: "email", senderAddress: "zhengding.xx@personal-mail.example", receivedAt: new Date(), fingerprint: "x-test", title: "测试", body: "测试", originalTitle: "测试", originalBody: "测试", unitReason: "", columnReason: "", divisionReason: "" } });
    await expect(admin.registerSender(as.yaolin!, fresh.id, pingshan.id)).rejects.toThrow(/已登记在「正定县编办」名下/);

    // The next mail from the address is 正定's without anybody's help.
    new Maildir(t.env.MAILDIR!).deliver(submission({ from: "zhengding.xx@personal-mail.example", subject: "正定县编办信息简报第三期", body: "正定县推进事业单位改革第三阶段。" }));
    await t.app.maildirIntake().runOnce();
    expect(await byTitle("正定县编办信息简报第三期")).toMatchObject({ unitId: zhengding.id, unitConfirmed: true });
    // Now it may go for review.
    const ready = await byTitle("正定县推进事业单位分类改革");
    expect((await t.app.review.act(as.niulifeng!, ready.id, ready.version, "send_for_review", {})).status).toBe("division_review");
  });

  it("never counts an unconfirmed item in statistics, ranking, exports or the 通报", async () => {
    const d = await t.app.db.draft.create({ data: { status: "triage", channel: "email", senderAddress: "nobody@unknown.example", receivedAt: new Date(), fingerprint: "y-test", title: "来历不明的稿件", body: "……", originalTitle: "来历不明的稿件", originalBody: "……", unitReason: "", columnReason: "", divisionReason: "" } });
    const s = await statistics(t.app.db, year);
    expect(s.units.map((u) => u.name)).not.toContain("（未确认单位）");
    const confirmed = await t.app.db.draft.count({ where: { unitConfirmed: true, duplicateOfId: null } });
    expect(s.totals.received).toBe(confirmed);
    expect(s.unconfirmed).toBeGreaterThanOrEqual(2); // this one and the test draft above
    expect(toCsv(s, "units")).not.toContain("未确认");
    expect(s.divisions.reduce((n, r) => n + r.received, 0)).toBe(confirmed);
    await t.app.db.draft.update({ where: { id: d.id }, data: { status: "archived" } });
  });

  it("asks for 办领导审核 before publishing an item the router hinted as important, and says why", async () => {
    let d = await byTitle("正定县贯彻省委编委会议精神推进事业单位改革");
    expect(d.importantHint).toContain("省委");
    expect(d.important).toBe(false);
    d = await t.app.review.act(as.niulifeng!, d.id, d.version, "send_for_review", {});
    d = await t.app.review.act(as.zhangcaiyan!, d.id, d.version, "division_approve", {});
    expect(d.status).toBe("approved"); // not marked important: the 处长 alone approved it
    const refused = await t.app.review.act(as.niulifeng!, d.id, d.version, "publish", {}).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "VALIDATION" });
    expect((refused as Error).message).toMatch(/重要信息提示.*省委.*报办领导审核/);
    expect((await byTitle(d.title)).status).toBe("approved");

    d = await t.app.review.act(as.niulifeng!, d.id, d.version, "refer_to_leader", {});
    expect(d).toMatchObject({ status: "leader_review", important: true });
    // The leader sends it back; the 退回 is signed in the 副主任批示 box, as a 退回.
    d = await t.app.review.act(as.mayun!, d.id, d.version, "send_back", { comment: "请核实会议时间" });
    const steps = await t.app.db.reviewStep.findMany({ where: { draftId: d.id }, orderBy: { id: "asc" } });
    expect(steps.map((s) => [s.stage, s.status, s.decidedByLabel, s.opinion])).toEqual([
      ["division_head", "approved", "张才彦", "同意"],
      ["deputy_director", "returned", "马云", "请核实会议时间"],
    ]);
    const detail = t.app.read.draftDetail(as.niulifeng!, d.id);
    const form = approvalForm(detail.draft, detail.opinions);
    expect(form.boxes.deputy).toEqual([expect.objectContaining({ decision: "退回", text: "请核实会议时间", who: "马云" })]);
    expect(form.boxes.head).toEqual([expect.objectContaining({ decision: "同意", who: "张才彦" })]);
    expect(detail.notes).toEqual([expect.objectContaining({ kind: "sent_back", tag: "办领导退回", who: "马云", why: "请核实会议时间" })]);
  });

  it("publishes a hinted item after the 处长 alone only with a recorded reason", async () => {
    let d = await byTitle("正定县事业单位改革工作简报");
    expect(d.importantHint).toBeTruthy();
    d = await t.app.review.act(as.niulifeng!, d.id, d.version, "send_for_review", {});
    d = await t.app.review.act(as.zhangcaiyan!, d.id, d.version, "division_approve", {});
    d = await t.app.review.act(as.niulifeng!, d.id, d.version, "publish", { comment: "简报为例行工作信息，不涉及重要事项" });
    expect(d.status).toBe("published");
    const published = (await events(d.id)).find((e) => e.action === "review.publish")!;
    expect(JSON.parse(published.detail).hintOverride).toMatchObject({ reason: "简报为例行工作信息，不涉及重要事项" });
    const log = t.app.read.draftDetail(as.niulifeng!, d.id).log;
    expect(log.at(-1)).toMatchObject({ who: "牛立峰", what: "发布", why: "未报办领导审核的理由：简报为例行工作信息，不涉及重要事项" });
  });

  it("records an approver's 意见 as an opinion on the waiting step, not a decision, and only from that approver", async () => {
    let d = await byTitle("正定县事业单位改革第二阶段");
    d = await t.app.review.act(as.niulifeng!, d.id, d.version, "send_for_review", {});
    await expect(t.app.review.comment(as.liyingming!, d.id, "标题可再精炼")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(t.app.review.comment(as.zhangcaiyan!, d.id, "  ")).rejects.toMatchObject({ code: "VALIDATION" });
    await t.app.review.comment(as.zhangcaiyan!, d.id, "标题可再精炼");
    const after = await byTitle(d.title);
    expect(after).toMatchObject({ status: "division_review", version: d.version });
    const detail = t.app.read.draftDetail(as.niulifeng!, d.id);
    expect(detail.notes).toEqual([expect.objectContaining({ kind: "comment", tag: "处长意见", who: "张才彦", why: "标题可再精炼" })]);
    expect(approvalForm(detail.draft, detail.opinions).boxes.head).toEqual([expect.objectContaining({ decision: "意见", text: "标题可再精炼", note: "未作审核决定" })]);
    const queue = await t.app.read.queue(as.niulifeng!, { page: 1 });
    expect(queue.rows.find((r) => r.id === d.id)!.notes).toEqual([expect.objectContaining({ tag: "处长意见", who: "张才彦" })]);
    // Once decided, the opinion is history: the banner goes, the record stays.
    await t.app.review.act(as.zhangcaiyan!, d.id, after.version, "division_approve", {});
    const decided = t.app.read.draftDetail(as.niulifeng!, d.id);
    expect(decided.notes).toEqual([]);
    expect(decided.log.map((e) => e.what)).toEqual(expect.arrayContaining(["提出审核意见（未作决定）", "处长审核同意"]));
  });
});
