// Sign-in throttling over real HTTP against the real server and its SQLite file: the lockout
// holds against 40 attempts in parallel (the failure is counted before the password is checked),
// per-address and gateway-wide limits refuse floods with the time in Beijing time, and an unknown
// user, a wrong password and a locked account cannot be told apart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Client, errorText, signInAdministrator } from "../support/http-client.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000", LOCKOUT_THRESHOLD: "5", LOCKOUT_MINUTES: "15" });
  await seedDemoUsers(t.app.db, PASSWORD);
  running = await serve(t.app, () => undefined);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

describe("sign-in throttling", () => {
  it("locks the account after exactly LOCKOUT_THRESHOLD of 40 parallel wrong passwords; the right one is then refused", async () => {
    const c = new Client(running.url);
    const token = await c.csrf();
    const attempts = await Promise.all(Array.from({ length: 40 }, (_, i) => c.post("/login", { username: "niulifeng", password: `wrong-${i}-Passwort`, _csrf: token })));
    expect(attempts.map((r) => r.status)).toEqual(Array(40).fill(401));
    const bodies = new Set(await Promise.all(attempts.map(async (r) => errorText(await r.text()))));
    expect(bodies.size).toBe(1); // the same words for every refusal

    // Only five attempts had their password checked; the 35 others were refused before it.
    const user = await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } });
    const events = await t.app.db.auditEvent.findMany({ where: { actor: "user:niulifeng" }, orderBy: { id: "asc" } });
    const checked = events.filter((e) => JSON.parse(e.detail).reason === "bad_password");
    expect(checked).toHaveLength(5);
    expect(events.filter((e) => e.action === "auth.locked")).toHaveLength(1);
    expect(events.filter((e) => e.action === "auth.login_locked")).toHaveLength(35);
    expect(user.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);

    const right = await c.post("/login", { username: "niulifeng", password: PASSWORD, _csrf: token });
    expect(right.status).toBe(401);
    expect(right.headers.get("location")).toBeNull();
    expect(c.cookies.has("gw.sid")).toBe(false);
  });

  it("gives an unknown user, a wrong password and a locked account the same status and message", async () => {
    const c = new Client(running.url);
    const token = await c.csrf();
    const unknown = await c.post("/login", { username: "no-such-officer", password: "Whatever-2026!", _csrf: token });
    const wrong = await c.post("/login", { username: "wangyanli", password: "Whatever-2026!", _csrf: token });
    const locked = await c.post("/login", { username: "niulifeng", password: PASSWORD, _csrf: token }); // locked by the test above
    const texts = await Promise.all([unknown, wrong, locked].map(async (r) => errorText(await r.text())));
    expect([unknown.status, wrong.status, locked.status]).toEqual([401, 401, 401]);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain("用户名或密码错误");
    expect(texts[0]).not.toMatch(/\d{1,2}:\d{2}/); // no time that would tell a locked account apart
  });

  it("shows the system administrator until when the account is locked, in Beijing time, and lets them unlock it", async () => {
    const user = await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } });
    const admin = await signInAdministrator(running.url, "xitong", PASSWORD);
    const page = await (await admin.req("/admin/users")).text();
    const row = new RegExp(`<tr data-username="niulifeng">[\\s\\S]*?</tr>`).exec(page)![0];
    const beijing = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).format(user.lockedUntil!);
    expect(row).toContain(`锁定至 ${beijing}（北京时间）`);
    expect((await admin.post(`/admin/users/${user.id}/unlock`, { _csrf: await admin.csrf("/admin/users") })).headers.get("location")).toBe("/admin/users");
    expect((await new Client(running.url).signIn("niulifeng", PASSWORD)).status).toBe(302);
    expect((await t.app.db.auditEvent.findFirstOrThrow({ where: { action: "user.unlock" } })).actor).toBe("user:xitong");
  });

  it("refuses a flood from one address, saying until when in Beijing time, without checking passwords", async () => {
    const limited = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000", THROTTLE_ADDRESS_PER_HOUR: "8", LOCKOUT_THRESHOLD: "50" });
    await seedDemoUsers(limited.app.db, PASSWORD);
    const r = await serve(limited.app, () => undefined);
    try {
      const c = new Client(r.url);
      const token = await c.csrf();
      // Password spraying: one try each on many accounts, so no account locks.
      const names = ["zhangwenyi", "liyingming", "mayun", "yaolin", "wangandong", "zhuxiaoyong", "liubuxian", "wangyanli", "zhangcaiyan", "niulifeng", "baizhihe", "haoqianwen"];
      const res = await Promise.all(names.map((n) => c.post("/login", { username: n, password: "Spring-2026-Hebei", _csrf: token })));
      const statuses = res.map((x) => x.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(8);
      expect(statuses.filter((s) => s === 429)).toHaveLength(4);
      const throttled = res.find((x) => x.status === 429)!;
      const text = errorText(await throttled.text())!;
      expect(text).toMatch(/^登录尝试过于频繁，请于 \d{2}:\d{2}（北京时间）后再试$/);
      const [hh, mm] = /(\d{2}):(\d{2})/.exec(text)!.slice(1).map(Number);
      // The retry time is within the next two hours, read on a Beijing clock.
      const beijingNow = new Date(Date.now() + 8 * 3_600_000);
      const minutesAhead = (hh! * 60 + mm! - (beijingNow.getUTCHours() * 60 + beijingNow.getUTCMinutes()) + 1440) % 1440;
      expect(minutesAhead).toBeLessThanOrEqual(120);
      // Even the right password is refused from this address now, while another address is not affected.
      const right = await c.post("/login", { username: "zhangwenyi", password: PASSWORD, _csrf: token });
      expect(right.status).toBe(429);
      expect(await limited.app.db.auditEvent.count({ where: { action: "auth.throttled" } })).toBe(1); // one row per episode, not per attempt
    } finally {
      await r.stop();
      await limited.app.close();
    }
  });

  it("refuses every sign-in once the gateway-wide limit is reached, and lets a right password through before", async () => {
    const limited = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000", THROTTLE_GLOBAL_PER_HOUR: "3" });
    await seedDemoUsers(limited.app.db, PASSWORD);
    const r = await serve(limited.app, () => undefined);
    try {
      const c = new Client(r.url);
      const token = await c.csrf();
      // A right password does not count as a failure.
      for (let i = 0; i < 4; i++) expect((await new Client(r.url).signIn("yaolin", PASSWORD)).status).toBe(302);
      for (const n of ["mayun", "liyingming", "zhangwenyi"]) expect((await c.post("/login", { username: n, password: "Guess-Guess-2026", _csrf: token })).status).toBe(401);
      const next = await new Client(r.url).signIn("yaolin", PASSWORD);
      expect(next.status).toBe(429);
      expect(errorText(await next.text())).toContain("（北京时间）");
    } finally {
      await r.stop();
      await limited.app.close();
    }
  });
});
