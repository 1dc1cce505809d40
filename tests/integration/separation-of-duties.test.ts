// 三员分立 and one person per box of the 审批表, over real HTTP against the real server: what the
// information-centre account did in the issue — grant itself 处长 and 办领导 and alone triage,
// approve and publish an important item — is refused at every step, whatever roles are held.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { Client, errorText, signInAdministrator } from "../support/http-client.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;
const ids = new Map<string, number>();

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  running = await serve(t.app, () => undefined);
  for (const u of await t.app.db.user.findMany()) ids.set(u.username, u.id);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

const administrators = new Map<string, Client>();
/** Signed in as this user; an administrator once, with the second factor set up (codes are good once). */
async function as(username: string): Promise<Client> {
  if (["xitong", "anquan", "shenji"].includes(username)) {
    if (!administrators.has(username)) administrators.set(username, await signInAdministrator(running.url, username, PASSWORD));
    return administrators.get(username)!;
  }
  const c = new Client(running.url);
  expect((await c.signIn(username, PASSWORD)).status).toBe(302);
  return c;
}

const divisionId = async (name: string) => (await t.app.db.division.findUniqueOrThrow({ where: { name } })).id;

async function grant(security: Client, username: string, grants: string[]) {
  return security.post(`/admin/users/${ids.get(username)}/grants`, { grant: grants, _csrf: await security.csrf("/admin/people") });
}

async function act(c: Client, draftId: number, action: string, comment = "") {
  const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: draftId } });
  return c.post(`/drafts/${draftId}/action`, { _form: ["division_approve", "leader_approve"].includes(action) ? "approval" : `action:${action}`, action, version: String(d.version), comment, _csrf: await c.csrf(`/drafts/${draftId}`) });
}

describe("三员分立", () => {
  it("gives each administrator their own screen and no other", async () => {
    const screens = { xitong: "/admin/users", anquan: "/admin/people", shenji: "/admin/audit", yaolin: "/admin/units" };
    for (const [user, own] of Object.entries(screens)) {
      const c = await as(user);
      for (const path of Object.values(screens)) expect([user, path, (await c.req(path)).status]).toEqual([user, path, path === own ? 200 : 403]);
    }
  });

  it("lets nobody change their own roles, and only the security administrator grant any", async () => {
    const security = await as("anquan");
    const own = await grant(security, "anquan", ["security_admin:", "leader:"]);
    expect(own.status).toBe(403);
    expect(errorText(await own.text())).toContain("不能修改自己的角色");

    const system = await as("xitong");
    const bySystem = await system.post(`/admin/users/${ids.get("xitong")}/grants`, { grant: ["system_admin:", "leader:"], _csrf: await system.csrf("/admin/users") });
    expect(bySystem.status).toBe(403);
    const rolesOfYaolin = async () => (await t.app.db.roleGrant.findMany({ where: { userId: ids.get("yaolin") }, orderBy: { id: "asc" } })).map((g) => [g.role, g.divisionId]);
    const before = await rolesOfYaolin();
    const info = await as("yaolin");
    const byInfoCentre = await info.post(`/admin/users/${ids.get("yaolin")}/grants`, { grant: ["info_centre:", "division_head:1", "leader:"], _csrf: await info.csrf("/queue") });
    expect(byInfoCentre.status).toBe(403);
    expect(await rolesOfYaolin()).toEqual(before);
  });

  it("keeps the three administrators apart and away from approver roles", async () => {
    const security = await as("anquan");
    const both = await grant(security, "xitong", ["system_admin:", "audit_admin:"]);
    expect(both.status).toBe(400);
    expect(errorText(await both.text())).toBe("三员分立：系统管理员、审计管理员须由不同的人担任");
    const approver = await grant(security, "shenji", ["audit_admin:", "leader:"]);
    expect(errorText(await approver.text())).toBe("三员分立：审计管理员不能同时担任办领导");
  });

  it("audits a granted approver role with what was before and after", async () => {
    const security = await as("anquan");
    const zonghe = await divisionId("综合处");
    const res = await grant(security, "zhangwenyi", [`info_admin:${zonghe}`, `division_head:${zonghe}`, "leader:"]);
    expect(res.headers.get("location")).toBe("/admin/people");
    const e = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "user.grants", entityId: String(ids.get("zhangwenyi")) }, orderBy: { id: "desc" } });
    expect(e.actor).toBe("user:anquan");
    const detail = JSON.parse(e.detail) as { before: unknown[]; after: unknown[] };
    expect(detail.before).toContainEqual({ role: "info_admin", divisionId: zonghe });
    expect(detail.before).not.toContainEqual({ role: "leader", divisionId: null });
    expect(detail.after).toEqual([{ role: "info_admin", divisionId: zonghe }, { role: "division_head", divisionId: zonghe }, { role: "leader", divisionId: null }]);
  });
});

describe("one person, one box of the 审批表", () => {
  it("refuses the sender as 处长 and as 办领导, and an approver as publisher, whatever roles they hold", async () => {
    // 张文艺 now holds 信息管理员, 处长 (综合处) and 办领导 (previous test); 李英明 is 处长 and gets 信息管理员 too.
    const security = await as("anquan");
    const zonghe = await divisionId("综合处");
    await grant(security, "liyingming", [`division_head:${zonghe}`, `info_admin:${zonghe}`]);

    new Maildir(t.env.MAILDIR!).deliver(submission({ from: "xxk@sjz-bb.example", subject: "石家庄市召开机构编制工作会议", body: "11月25日，石家庄市召开全市机构编制工作会议，部署明年重点工作。" }));
    await running.pollNow();
    const draft = await t.app.db.draft.findFirstOrThrow({ where: { title: "石家庄市召开机构编制工作会议" } });
    const column = await t.app.db.column.findUniqueOrThrow({ where: { name: "机构编制工作动态" } });

    const zhang = await as("zhangwenyi");
    const d = await t.app.db.draft.findUniqueOrThrow({ where: { id: draft.id } });
    const triage = await zhang.post(`/drafts/${d.id}/triage`, { unitId: String(d.unitId), columnId: String(column.id), divisionId: String(zonghe), important: "on", version: String(d.version), _csrf: await zhang.csrf(`/drafts/${d.id}`) });
    expect(triage.status).toBe(302);
    expect((await act(zhang, d.id, "send_for_review")).status).toBe(302);

    const selfApprove = await act(zhang, d.id, "division_approve");
    expect(selfApprove.status).toBe(403);
    expect(errorText(await selfApprove.text())).toContain("同一人不能在同一份审批表中担任两个角色：您已作为「信息管理员」签署此稿件，不能再作为「处长审核」（请由他人办理）");

    const li = await as("liyingming");
    expect((await act(li, d.id, "division_approve", "同意")).status).toBe(302);
    expect((await act(zhang, d.id, "leader_approve", "同意")).status).toBe(403); // the sender again
    const ma = await as("mayun");
    expect((await act(ma, d.id, "leader_approve", "同意")).status).toBe(302);

    const liPublishes = await act(li, d.id, "publish");
    expect(liPublishes.status).toBe(403);
    expect(errorText(await liPublishes.text())).toContain("您已作为「处长审核」签署此稿件，不能再作为「信息管理员」");
    expect((await act(zhang, d.id, "publish")).status).toBe(302);

    const done = await t.app.db.draft.findUniqueOrThrow({ where: { id: d.id }, include: { reviewSteps: { orderBy: { id: "asc" } }, published: true } });
    expect(done.status).toBe("published");
    const form = await (await zhang.req(`/drafts/${d.id}/form`)).text();
    for (const name of ["张文艺", "李英明", "马云"]) expect(form).toContain(name);
    const people = new Set([done.reviewSteps[0]!.requestedByUserId, ...done.reviewSteps.map((s) => s.decidedByUserId), done.published[0]!.publishedByUserId]);
    expect(people.size).toBe(3); // 信息管理员, 处长, 办领导: three people, whatever their grants
  });
});
