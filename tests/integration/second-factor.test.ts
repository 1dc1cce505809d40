// Two-factor sign-in (TOTP, recovery codes) over real HTTP against the real server: required for
// the administrators of 三员分立, optional for approvers; a code is good once; guessing codes
// locks the account like guessing passwords; the secret is not in the database in clear; an
// administrator's factor is reset only on the host.
import Database from "better-sqlite3";
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, gatewayCli, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Client, enrolSecondFactor, errorText, signInAdministrator } from "../support/http-client.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000", LOCKOUT_THRESHOLD: "5" });
  await seedDemoUsers(t.app.db, PASSWORD);
  running = await serve(t.app, () => undefined);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

/** The password step; returns the client waiting for its code. */
async function password(username: string): Promise<Client> {
  const c = new Client(running.url);
  expect((await c.signIn(username, PASSWORD)).headers.get("location")).toBe("/login/code");
  return c;
}
const code = async (c: Client, value: string) => c.post("/login/code", { code: value, _csrf: await c.csrf("/login/code") });

describe("second factor", () => {
  it("makes an administrator set it up before anything else", async () => {
    const c = new Client(running.url);
    expect((await c.signIn("shenji", PASSWORD)).headers.get("location")).toBe("/account/second-factor");
    for (const p of ["/admin/audit", "/queue", "/stats"]) expect((await c.req(p)).headers.get("location")).toBe("/account/second-factor");
    const page = await (await c.req("/account/second-factor")).text();
    expect(page).toContain("必须先设置双因素登录");
    const { secret } = await enrolSecondFactor(c);
    expect((await c.req("/admin/audit")).status).toBe(200);
    // Not in the database in clear, and not turned off by the administrator.
    const row = new Database(t.app.config.dbFile, { readonly: true }).prepare(`SELECT totpSecret FROM User WHERE username = 'shenji'`).get() as { totpSecret: string };
    expect(row.totpSecret).toMatch(/^v1:/);
    expect(row.totpSecret).not.toContain(secret);
    const off = await c.post("/account/second-factor/disable", { code: generateSync({ secret }), _csrf: await c.csrf("/account/second-factor") });
    expect(off.status).toBe(403);
  });

  it("signs in with password and code; stores no session in between; a code is good once", async () => {
    const first = await signInAdministrator(running.url, "anquan", PASSWORD);
    const secret = await (async () => {
      // Set up again, to know the secret here.
      const again = await enrolSecondFactor(first);
      return again.secret;
    })();
    const sessions = await t.app.db.session.count();
    const c = await password("anquan");
    expect(c.cookies.has("gw.sid")).toBe(false);
    expect(await t.app.db.session.count()).toBe(sessions);
    expect((await c.req("/queue")).headers.get("location")).toBe("/login?next=%2Fqueue"); // the password alone signs nobody in (the page asked for is kept for after sign-in)

    // The code of the next step (the current one was used to confirm the setup).
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    expect((await code(c, next)).headers.get("location")).toBe("/");
    expect((await c.req("/admin/people")).status).toBe(200);
    const replay = await password("anquan");
    const res = await code(replay, next);
    expect(res.status).toBe(401);
    expect(errorText(await res.text())).toContain("验证码不正确或已使用过");
  });

  it("takes a recovery code once", async () => {
    const { recoveryCodes } = await enrolSecondFactor(await signInAdministrator(running.url, "xitong", PASSWORD));
    const a = await password("xitong");
    expect((await code(a, recoveryCodes[3]!.toUpperCase())).headers.get("location")).toBe("/");
    const b = await password("xitong");
    expect((await code(b, recoveryCodes[3]!)).status).toBe(401);
    const e = await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "auth.login", actor: "user:xitong" }, orderBy: { id: "desc" } });
    expect(JSON.parse(e.detail)).toEqual({ secondFactor: "recovery", recoveryCodesLeft: 9 });
  });

  it("locks the account after LOCKOUT_THRESHOLD wrong codes, in parallel too; the right code is then refused", async () => {
    const mayun = new Client(running.url);
    expect((await mayun.signIn("mayun", PASSWORD)).status).toBe(302); // optional for an approver: not forced
    const { secret } = await enrolSecondFactor(mayun);
    const c = await password("mayun"); // counts 1
    const csrf = await c.csrf("/login/code");
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => c.post("/login/code", { code: String(100000 + i * 7919).slice(0, 6), _csrf: csrf })));
    expect(guesses.every((g) => g.status === 401)).toBe(true);
    const checked = await t.app.db.auditEvent.count({ where: { actor: "user:mayun", action: { in: ["auth.second_factor_failed", "auth.locked"] } } });
    expect(checked).toBe(4); // the password counted one of the five
    const right = await code(c, generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    expect(right.status).toBe(401);
    expect(right.headers.get("location")).toBeNull();
  });

  it("lets only the host reset an administrator's or an approver's factor (security review M3), not the system administrator", async () => {
    const xitong = await t.app.db.user.findUniqueOrThrow({ where: { username: "xitong" } });
    const audit = await t.app.db.user.findUniqueOrThrow({ where: { username: "shenji" } });
    const mayun = await t.app.db.user.findUniqueOrThrow({ where: { username: "mayun" } });
    await t.app.db.user.update({ where: { id: mayun.id }, data: { lockedUntil: null, failedLogins: 0 } });

    const c0 = await signInAdministrator(running.url, "xitong", PASSWORD).catch(() => null);
    expect(c0).toBeNull(); // xitong has a factor now: no setup page, the code step instead

    const { stdout } = await gatewayCli(["account", "reset-2fa", "xitong"], t.env);
    expect(stdout).toContain("已重置 xitong 的双因素登录");
    expect((await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "auth.second_factor_removed", entityId: String(xitong.id) } })).actor).toMatch(/^system:cli:/);
    const admin = await signInAdministrator(running.url, "xitong", PASSWORD);
    const csrf = await admin.csrf("/admin/users");
    const forbidden = await admin.post(`/admin/users/${audit.id}/second-factor/reset`, { _csrf: csrf });
    expect(forbidden.status).toBe(403);
    expect(errorText(await forbidden.text())).toContain("gateway account reset-2fa");
    // 马云 is an approver (办领导): with a password reset, the web reset would let xitong sign in as him.
    const approver = await admin.post(`/admin/users/${mayun.id}/second-factor/reset`, { _csrf: csrf });
    expect(approver.status).toBe(403);
    expect(errorText(await approver.text())).toContain("审批人账号的双因素登录只能在服务器上");
    expect((await t.app.db.user.findUniqueOrThrow({ where: { id: mayun.id } })).totpEnabledAt).not.toBeNull();
    expect((await gatewayCli(["account", "reset-2fa", "mayun"], t.env)).stdout).toContain("已重置 mayun 的双因素登录");
    expect((await t.app.db.user.findUniqueOrThrow({ where: { id: mayun.id } })).totpEnabledAt).toBeNull();
    const back = new Client(running.url);
    expect((await back.signIn("mayun", PASSWORD)).headers.get("location")).toBe("/"); // password alone again
  });
});
