// The review screen's reads over real HTTP: the original beside a draft is read through the
// gateway's own MIME reading (a GBK body labelled utf-8 reads as Chinese there too), and the
// downloads of a draft's page images and attachments are shown only to those who may see the
// draft, with a small visibility check of their own.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;

class Client {
  cookies = new Map<string, string>();
  constructor(private readonly base: string) {}
  async req(p: string, init: RequestInit = {}) {
    const res = await fetch(this.base + p, { ...init, redirect: "manual", headers: { ...(init.headers ?? {}), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const c of res.headers.getSetCookie()) {
      const [k, v] = c.split(";")[0]!.split("=");
      this.cookies.set(k!, v!);
    }
    return res;
  }
  static async signedIn(base: string, username: string): Promise<Client> {
    const c = new Client(base);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await c.req("/login")).text())![1]!;
    const res = await c.req("/login", { method: "POST", body: new URLSearchParams({ username, password: PASSWORD, _csrf: csrf }), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(302);
    return c;
  }
}

/** An account with `role` in the division (same), or one whose grants are all for other divisions and see no others. */
async function usernameOf(role: string, divisionId: number, same: boolean): Promise<string> {
  const users = await t.app.db.user.findMany({ include: { grants: true } });
  const u = same
    ? users.find((x) => x.grants.some((g) => g.role === role && g.divisionId === divisionId))
    : users.find((x) => x.grants.length > 0 && x.grants.every((g) => (g.role === "info_admin" || g.role === "division_head") && g.divisionId != null && g.divisionId !== divisionId) && x.grants.some((g) => g.role === role));
  if (!u) throw new Error(`no ${role} ${same ? "of" : "outside"} division ${divisionId} in the demo accounts`);
  return u.username;
}

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  const maildir = new Maildir(t.env.MAILDIR!);
  maildir.deliver(fs.readFileSync(path.join(fixturesDir, "mail/19-langfang-utf8-label-gbk-bytes.eml")));
  maildir.deliver(fs.readFileSync(path.join(fixturesDir, "fax/fax-commercial-zhangbei.eml")));
  running = await serve(t.app, () => undefined);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

describe("review screen reads", () => {
  it("shows the original of a GBK body labelled utf-8 decoded as the draft was, not as U+FFFD", async () => {
    const draft = await t.app.db.draft.findFirstOrThrow({ where: { title: "廊坊市编办召开县级编办主任座谈会" } });
    const c = await Client.signedIn(running.url, await usernameOf("info_admin", draft.divisionId!, true));
    const res = await c.req(`/drafts/${draft.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const original = html.slice(html.indexOf('class="card original"'));
    expect(original).toContain("市编办主任杨志强出席会议并讲话");
    expect(original).toContain("市县两级编办要进一步加强上下联动");
    expect(original).not.toContain("\uFFFD");
  });

  it("serves a fax's page images and its attachment to the division, refuses other divisions, and 404s what does not exist", async () => {
    const draft = await t.app.db.draft.findFirstOrThrow({ where: { channel: "fax" }, include: { intakes: { include: { attachments: { include: { pages: true } } } } } });
    const attachment = draft.intakes[0]!.attachments[0]!;
    const page = attachment.pages.find((p) => p.imageSha256)!;
    expect(page).toBeDefined();
    const owner = await Client.signedIn(running.url, await usernameOf("info_admin", draft.divisionId!, true));
    const outsider = await Client.signedIn(running.url, await usernameOf("info_admin", draft.divisionId!, false));
    const leader = await Client.signedIn(running.url, "mayun");

    const image = await owner.req(`/pages/${page.id}/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer()).subarray(1, 4).toString("latin1")).toBe("PNG");
    expect((await leader.req(`/pages/${page.id}/image`)).status).toBe(200);
    const refused = await outsider.req(`/pages/${page.id}/image`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("此稿件不在您的处室队列中");
    expect((await owner.req(`/pages/999999/image`)).status).toBe(404);

    const file = await owner.req(`/attachments/${attachment.id}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/octet-stream");
    expect(file.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(Buffer.from(await file.arrayBuffer()).subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect((await outsider.req(`/attachments/${attachment.id}`)).status).toBe(403);
    expect((await owner.req(`/attachments/999999`)).status).toBe(404);
  });
});
