// The people screen (人员与角色) over real HTTP: a real installation starts with no demo address,
// 运行状态 warns while an approver has none, the security administrator registers and changes
// addresses (audited, before and after), approval requests go to the address now registered, and
// a bad address is refused with a message naming the field.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { serve, type Running } from "../../src/serve.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { Client, enrolSecondFactor, errorText } from "../support/http-client.js";

let t: TestEnv;
let running: Running;
const lines: string[] = [];

/** Signs in with a one-time password from the first start and sets a real one. */
async function firstSignIn(username: string): Promise<Client> {
  // First-start passwords are in a 0600 file in DATA_DIR, not in the log (security review L2).
  expect(lines.join("\n")).not.toMatch(/one-time password [A-Za-z0-9]{16}/);
  const once = new RegExp(` ${username}\\s+(\\S{16})$`, "m").exec(fs.readFileSync(path.join(t.dir, "first-start-passwords.txt"), "utf8"))![1]!;
  const c = new Client(running.url);
  expect((await c.signIn(username, once)).headers.get("location")).toBe("/password");
  const pw = `Sicheres-Kennwort-2026-${username.length}`;
  expect((await c.post("/password", { current: once, next: pw, confirm: pw, _csrf: await c.csrf("/password") })).headers.get("location")).toBe("/account/second-factor");
  administrators.set(username, { client: c, ...(await enrolSecondFactor(c)) });
  return c;
}
const administrators = new Map<string, { client: Client; secret: string; recoveryCodes: string[] }>();

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  running = await serve(t.app, (l) => lines.push(l));
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

describe("people screen", () => {
  it("seeds the people of Attachments 1 and 2 without any address on a real installation", async () => {
    const people = await t.app.db.person.findMany();
    expect(people.length).toBeGreaterThanOrEqual(19);
    expect(people.filter((p) => p.email != null)).toEqual([]);
    expect(await t.app.db.user.count({ where: { username: { in: ["mayun", "liyingming", "yaolin"] } } })).toBe(0);
  });

  it("warns on 运行状态 while an approver has no address, and names them", async () => {
    // 运行状态 is the information centre's: the security administrator grants that role to a colleague first.
    const system = await firstSignIn("sysadmin");
    const created = await system.post("/admin/users", { username: "yaolin", displayName: "姚琳", personId: String((await t.app.db.person.findFirstOrThrow({ where: { name: "姚琳" } })).id), _csrf: await system.csrf("/admin/users") });
    const once = /一次性密码：(\S+?)（/.exec(decodeURIComponent(created.headers.get("location") ?? "") + (await system.req("/admin/users").then((r) => r.text())))![1]!;
    const security = await firstSignIn("secadmin");
    const yaolin = await t.app.db.user.findUniqueOrThrow({ where: { username: "yaolin" } });
    expect((await security.post(`/admin/users/${yaolin.id}/grants`, { grant: ["info_centre:"], _csrf: await security.csrf("/admin/people") })).status).toBe(302);
    const info = new Client(running.url);
    await info.signIn("yaolin", once);
    await info.post("/password", { current: once, next: "Zhongxin-Kennwort-2026", confirm: "Zhongxin-Kennwort-2026", _csrf: await info.csrf("/password") });

    const status = await (await info.req("/admin/status")).text();
    expect(status).toContain("审核人未登记邮箱");
    for (const name of ["李英明", "马云", "袁栓"]) expect(status).toContain(name);
    const page = await (await security.req("/admin/people")).text();
    expect(page).toContain("综合处责任人，未登记邮箱");
  });

  it("registers an approver's address, audited with before and after; a bad address is refused naming the field", async () => {
    // Signed in again: password, then a recovery code (the authenticator's code of this half-minute was used).
    const security = new Client(running.url);
    expect((await security.signIn("secadmin", "Sicheres-Kennwort-2026-8")).headers.get("location")).toBe("/login/code");
    const code = administrators.get("secadmin")!.recoveryCodes[0]!;
    expect((await security.post("/login/code", { code, _csrf: await security.csrf("/login/code") })).headers.get("location")).toBe("/");
    const li = await t.app.db.person.findFirstOrThrow({ where: { name: "李英明" } });
    const form = (email: string) => ({ id: String(li.id), name: li.name, title: li.title ?? "", divisionId: String(li.divisionId), leaderRank: "", email });

    const bad = await security.post("/admin/people", { ...form("li yingming@"), _csrf: await security.csrf("/admin/people") });
    expect([bad.status, bad.headers.get("location")]).toEqual([400, null]);
    expect(errorText(await bad.text())).toBe("「登记邮箱」li yingming@ 不是有效的邮箱地址");
    const unitAddress = await security.post("/admin/people", { ...form("xxk@sjz-bb.example"), _csrf: await security.csrf("/admin/people") });
    expect(errorText(await unitAddress.text())).toContain("是报送单位「石家庄市编办」的报送邮箱");
    const twice = await security.post("/admin/people", { ...form(["a@hebbb.gov.example", "b@hebbb.gov.example"] as unknown as string), _csrf: await security.csrf("/admin/people") });
    expect(errorText(await twice.text())).toBe("「登记邮箱」只能填写一项");

    const ok = await security.post("/admin/people", { ...form("Li.Yingming@HEBBB.gov.example"), _csrf: await security.csrf("/admin/people") });
    expect(ok.headers.get("location")).toBe("/admin/people");
    expect((await t.app.db.person.findUniqueOrThrow({ where: { id: li.id } })).email).toBe("li.yingming@hebbb.gov.example");
    // 李英明 has no account yet (no approval is possible without one): the address applies at once; with an account he would confirm it (admin-approval-paths.test.ts).
    const e = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "person.email_changed", entityId: String(li.id) }, orderBy: { id: "desc" } });
    expect(e.actor).toBe("user:secadmin");
    expect(JSON.parse(e.detail)).toMatchObject({ before: null, after: "li.yingming@hebbb.gov.example", how: "no_account" });
    const page = await (await security.req("/admin/people")).text();
    expect(page).not.toContain("综合处责任人，未登记邮箱");
  });

  it("refuses the people screen's changes to anyone but the security administrator", async () => {
    const info = new Client(running.url);
    expect((await info.signIn("yaolin", "Zhongxin-Kennwort-2026")).status).toBe(302);
    const li = await t.app.db.person.findFirstOrThrow({ where: { name: "李英明" } });
    const res = await info.post("/admin/people", { id: String(li.id), name: li.name, email: "attacker@evil.example", _csrf: await info.csrf("/queue") });
    expect(res.status).toBe(403);
    expect((await t.app.db.person.findUniqueOrThrow({ where: { id: li.id } })).email).toBe("li.yingming@hebbb.gov.example");
  });

  it("the demo registers the demo addresses (and only the demo does)", async () => {
    const demo = await freshApp();
    try {
      await seedDemoUsers(demo.app.db, "Demo-pass-2026");
      expect((await demo.app.db.person.findFirstOrThrow({ where: { name: "李英明" } })).email).toBe("liyingming@hebbb.example");
    } finally {
      await demo.app.close();
    }
  });
});
