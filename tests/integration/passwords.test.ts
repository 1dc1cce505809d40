// The password policy where officers meet it: the password page of the real server refuses a
// short, a common and a username-based password with a Chinese message naming the field, and
// `gateway demo` refuses an empty or weak DEMO_PASSWORD before touching anything.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, gatewayCli, tempDir, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Client, errorText } from "../support/http-client.js";

const PASSWORD = "Demo-pass-2026";
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

describe("password policy over HTTP and in the demo", () => {
  it.each([
    ["Password12", "新密码：密码至少 12 位"],
    ["Password1234", "新密码：该密码属于常见密码（易被猜中），请换一个"],
    ["Mayun-2026-Hebei", "新密码：密码不能是用户名，也不能包含用户名"],
  ])("refuses %s on the password page", async (pw, message) => {
    const c = new Client(running.url);
    expect((await c.signIn("mayun", PASSWORD)).status).toBe(302);
    const res = await c.post("/password", { current: PASSWORD, next: pw, confirm: pw, _csrf: await c.csrf("/password") });
    expect(res.status).toBe(400);
    expect(errorText(await res.text())).toBe(message);
    const user = await t.app.db.user.findUniqueOrThrow({ where: { username: "mayun" } });
    expect(user.passwordChangedAt.getTime()).toBeLessThan(Date.now() - 50); // unchanged
  });

  it.each([
    ["", "DEMO_PASSWORD 不能使用：密码为空"],
    ["Password1234", "DEMO_PASSWORD 不能使用：该密码属于常见密码"],
    ["short", "DEMO_PASSWORD 不能使用：密码至少 12 位"],
  ])("gateway demo refuses DEMO_PASSWORD=%j and leaves the data directory alone", async (pw, message) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "keep.txt"), "前一次演示的数据");
    const err = (await gatewayCli(["demo", "--dir", dir], { ...process.env, DEMO_PASSWORD: pw }).then(
      () => null,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | null;
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain(message);
    expect(fs.readFileSync(path.join(dir, "keep.txt"), "utf8")).toBe("前一次演示的数据");
  });
});
