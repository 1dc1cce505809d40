import fs from "node:fs";
import path from "node:path";
// Account and request protections over real HTTP: CSRF, lockout, session renewal at sign-in,
// network allowlist, security headers, first-start administrator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { createApp } from "../../src/app.js";
import { Client, enrolSecondFactor } from "../support/http-client.js";

let t: TestEnv;
let running: Running;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000", LOCKOUT_THRESHOLD: "3" });
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
  running = await serve(t.app, () => undefined);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

describe("web security", () => {
  it("refuses a state-changing request without the session's CSRF token", async () => {
    const c = new Client(running.url);
    await c.csrf();
    const res = await c.post("/login", { username: "niulifeng", password: "Demo-pass-2026" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("页面已过期");
    const ok = await c.post("/login", { username: "niulifeng", password: "Demo-pass-2026", _csrf: await c.csrf() });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/");
  });

  it("gives a new session id at sign-in", async () => {
    const c = new Client(running.url);
    const token = await c.csrf();
    const before = c.cookies.get("gw.sid");
    await c.post("/login", { username: "niulifeng", password: "Demo-pass-2026", _csrf: token });
    expect(c.cookies.get("gw.sid")).toBeDefined();
    expect(c.cookies.get("gw.sid")).not.toBe(before);
  });

  it("locks an account after repeated failures, even for the right password, and audits it", async () => {
    const c = new Client(running.url);
    for (let i = 0; i < 3; i++) await c.post("/login", { username: "wangyanli", password: "wrong-password", _csrf: await c.csrf() });
    const res = await c.post("/login", { username: "wangyanli", password: "Demo-pass-2026", _csrf: await c.csrf() });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("锁定");
    const actions = (await t.app.db.auditEvent.findMany({ where: { actor: "user:wangyanli" } })).map((e) => e.action);
    expect(actions).toEqual(["auth.login_failed", "auth.login_failed", "auth.locked", "auth.login_locked"]);
  });

  it("sends security headers and a content security policy without inline script", async () => {
    const res = await fetch(`${running.url}/login`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses the back office from a network outside the allowlist", async () => {
    const other = await createApp({ ...t.env, PORT: "0", ALLOWED_NETWORKS: "10.0.0.0/8" });
    const r = await serve(other, () => undefined);
    try {
      const res = await fetch(`${r.url}/login`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("不允许从 127.0.0.1 访问后台");
    } finally {
      await r.stop();
      await other.close();
    }
  });

  it("creates the three administrators of 三员分立 at first start, each with a one-time password that must be changed", async () => {
    const empty = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
    const lines: string[] = [];
    const r = await serve(empty.app, (l) => lines.push(l));
    try {
      const created = lines.filter((l) => l.includes("one-time password"));
      expect(created.map((l) => /"(\w+)"/.exec(l)![1])).toEqual(["sysadmin", "secadmin", "auditadmin"]);
      const grants = await empty.app.db.roleGrant.findMany({ include: { user: true }, orderBy: { id: "asc" } });
      expect(grants.map((g) => [g.user.username, g.role])).toEqual([["sysadmin", "system_admin"], ["secadmin", "security_admin"], ["auditadmin", "audit_admin"]]);
      // The passwords are in a 0600 file in DATA_DIR, never in the service log (security review L2).
      const file = path.join(empty.dir, "first-start-passwords.txt");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const passwords = [...fs.readFileSync(file, "utf8").matchAll(/ (sysadmin|secadmin|auditadmin)\s+(\S{16})$/gm)].map((m) => m[2]!);
      expect(passwords).toHaveLength(3);
      for (const pw of passwords) expect(lines.join("\n")).not.toContain(pw);
      const password = passwords[0]!;
      const c = new Client(r.url);
      const res = await c.post("/login", { username: "sysadmin", password, _csrf: await c.csrf() });
      expect(res.headers.get("location")).toBe("/password");
      // The page asked for is kept through the forced change (issue #16: the mail's link survives sign-in).
      expect((await c.req("/queue")).headers.get("location")).toBe("/password?next=%2Fqueue");
      const change = await c.post("/password", { current: password, next: "short", confirm: "short", _csrf: await c.csrf("/password") });
      expect(await change.text()).toContain("至少 12 位");
      const changed = await c.post("/password", { current: password, next: "Neues-Passwort-2026", confirm: "Neues-Passwort-2026", _csrf: await c.csrf("/password") });
      expect(changed.headers.get("location")).toBe("/account/second-factor"); // an administrator sets up the second factor next
      expect((await c.req("/admin/users")).headers.get("location")).toBe("/account/second-factor");
      await enrolSecondFactor(c);
      expect((await c.req("/admin/users")).status).toBe(200);
      // Started again: nothing new is created while each role has its holder.
      const again: string[] = [];
      const r2 = await serve(empty.app, (l) => again.push(l));
      await r2.stop();
      expect(again.some((l) => l.includes("one-time password"))).toBe(false);
    } finally {
      await r.stop();
      await empty.app.close();
    }
  });
});
