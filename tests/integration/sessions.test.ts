// Sessions over real HTTP, checked in the real SQLite file: nothing is stored before sign-in; a
// password change ends the user's other sessions and a reset all of them; disabling user 1 ends
// user 1's sessions and no others (not 10–19 or 100, as a substring match on the data did); and
// no back-office page may be kept by the browser.
import argon2 from "argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Client, signInAdministrator } from "../support/http-client.js";

const PASSWORD = "Demo-pass-2026";
/** The sign-in page, with or without the page to return to afterwards. */
const SIGN_IN = /^\/login(\?next=[^&]*)?$/;
let t: TestEnv;
let running: Running;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  running = await serve(t.app, () => undefined);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

const sessionsOf = async (username: string) => {
  const u = await t.app.db.user.findUniqueOrThrow({ where: { username } });
  return t.app.db.session.count({ where: { userId: u.id } });
};

async function signedIn(username: string, password = PASSWORD): Promise<Client> {
  const c = new Client(running.url);
  const res = await c.signIn(username, password);
  expect(res.status).toBe(302);
  return c;
}

describe("sessions", () => {
  it("stores no session for anonymous requests, a failed sign-in or the sign-in page", async () => {
    const before = await t.app.db.session.count();
    for (let i = 0; i < 20; i++) {
      const c = new Client(running.url);
      await c.req("/login");
      await c.req("/queue");
      await c.post("/login", { username: i === 0 ? "zhangwenyi" : `nobody${i}`, password: "not-the-password", _csrf: await c.csrf() });
      expect(c.cookies.has("gw.sid")).toBe(false);
    }
    expect(await t.app.db.session.count()).toBe(before);
    const c = await signedIn("zhangwenyi");
    expect(c.cookies.has("gw.sid")).toBe(true);
    expect(await t.app.db.session.count()).toBe(before + 1);
  });

  it("marks every back-office page no-store, and after 退出 the queue is gone", async () => {
    const c = await signedIn("liyingming");
    for (const p of ["/queue", "/stats", "/password"]) {
      const res = await c.req(p);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect((await c.post("/logout", { _csrf: await c.csrf("/queue") })).headers.get("location")).toMatch(SIGN_IN);
    const after = await c.req("/queue");
    expect(after.status).toBe(302);
    expect(after.headers.get("location")).toMatch(SIGN_IN);
  });

  it("ends the other sessions of a user who changes the password; the session that changed it goes on", async () => {
    const office = await signedIn("wangandong");
    const phone = await signedIn("wangandong");
    expect(await sessionsOf("wangandong")).toBe(2);
    const res = await office.post("/password", { current: PASSWORD, next: "Neues-Kennwort-2026", confirm: "Neues-Kennwort-2026", _csrf: await office.csrf("/password") });
    expect(res.headers.get("location")).not.toMatch(SIGN_IN);
    expect((await office.req("/queue")).status).toBe(200);
    const stale = await phone.req("/queue");
    expect(stale.headers.get("location")).toMatch(SIGN_IN);
    expect(await sessionsOf("wangandong")).toBe(1);
    const events = await t.app.db.auditEvent.findMany({ where: { action: "auth.password_changed", actor: "user:wangandong" } });
    expect(JSON.parse(events[0]!.detail)).toEqual({ otherSessionsEnded: 1 });
  });

  it("ends every session of a user whose password an administrator resets", async () => {
    const a = await signedIn("zhuxiaoyong");
    const b = await signedIn("zhuxiaoyong");
    const target = await t.app.db.user.findUniqueOrThrow({ where: { username: "zhuxiaoyong" } });
    const sysadmin = await signInAdministrator(running.url, "xitong", PASSWORD); // the demo's 系统管理员
    const reset = await sysadmin.post(`/admin/users/${target.id}/reset`, { _csrf: await sysadmin.csrf("/admin/users") });
    expect(reset.headers.get("location")).toBe("/admin/users");
    for (const c of [a, b]) expect((await c.req("/queue")).headers.get("location")).toMatch(SIGN_IN);
    expect(await sessionsOf("zhuxiaoyong")).toBe(0);
  });

  it("disabling user 1 ends the sessions of user 1 only, not of users 10–19 or 100", async () => {
    // Users with ids 1…100 on a database of their own, so the ids are what the old bug needed.
    const own = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
    const r = await serve(own.app, () => undefined);
    try {
      const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id });
      await own.app.db.user.deleteMany({});
      await own.app.db.user.createMany({ data: Array.from({ length: 100 }, (_, i) => ({ id: i + 1, username: `officer${i + 1}`, displayName: `干部${i + 1}`, passwordHash: hash })) });
      await own.app.db.roleGrant.create({ data: { userId: 2, role: "system_admin" } });
      const ids = [1, 10, 11, 15, 19, 100];
      const clients = new Map<number, Client>();
      for (const id of ids) {
        const c = new Client(r.url);
        expect((await c.signIn(`officer${id}`, PASSWORD)).status).toBe(302);
        clients.set(id, c);
      }
      const sysadmin = await signInAdministrator(r.url, "officer2", PASSWORD);
      const res = await sysadmin.post("/admin/users/1/disable", { disabled: "1", _csrf: await sysadmin.csrf("/admin/users") });
      expect(res.headers.get("location")).toBe("/admin/users");
      expect((await clients.get(1)!.req("/queue")).headers.get("location")).toMatch(SIGN_IN);
      for (const id of ids.slice(1)) expect((await clients.get(id)!.req("/queue")).status).toBe(200);
      expect(await own.app.db.session.count({ where: { userId: { in: ids.slice(1) } } })).toBe(5);
      expect(await own.app.db.session.count({ where: { userId: 2 } })).toBe(1); // the administrator's own
    } finally {
      await r.stop();
      await own.app.close();
    }
  });
});
