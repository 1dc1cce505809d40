// Art. 10: classified material is never stored. Marked documents arrive in the mail body, as a
// PDF, as a DOCX and as a faxed G4 TIFF (read by OCR); afterwards the database file (and its WAL), the data directory, the Maildir
// and the temp directory are scanned for the classified text — in plain UTF-8 and as the very
// bytes of the raw message, the PDF and the DOCX (which compress their text) — and nothing is
// found. Ordinary news about secrecy work goes through as a normal draft.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, freshApp, type TestEnv } from "../helpers.js";
import { Maildir } from "../../src/sources/maildir.js";
import { launchChromium } from "../e2e/browser.js";
import { makeDocx } from "../../fixtures/mail/tools/lib.mjs";
import { flushOutbox } from "../../src/notify/outbox.js";
import { queueQuarantineNotices } from "../../src/approvals/requests.js";

let t: TestEnv;
const started = Date.now();
/** A path in another test run's data directories (tests/support/global-setup.ts makes gw-tests-*). */
const otherRun = (f: string) => path.relative(os.tmpdir(), f).startsWith("gw-tests-");
// A tag of this run in every secret, so no other file on the machine can match by chance.
const tag = Math.random().toString(36).slice(2, 10).toUpperCase();
const secrets = {
  body: `拟将某局内设机构由九个调整为七个并核减行政编制十三名（甲方案${tag}）`,
  pdf: `拟将某中心由公益二类调整为公益一类并核增事业编制二十一名（乙方案${tag}）`,
  docx: `拟撤销某临时机构并将其职责划入某委员会办公室（丙方案${tag}）`,
};
const needles: Array<{ what: string; bytes: Buffer }> = [];

const enc = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;
function mail(subject: string, body: string, attachment?: { name: string; type: string; data: Buffer }): Buffer {
  const head = [`From: ${enc("办公室")} <zdbb@zd-gov.example>`, "To: xinxi@hebbb.example", `Subject: ${enc(subject)}`, `Message-ID: <${Math.random().toString(36).slice(2)}@zd-gov.example>`, "Date: Thu, 26 Nov 2026 09:00:00 +0800", "MIME-Version: 1.0"];
  const b64 = (buf: Buffer) => buf.toString("base64").replace(/.{76}/g, "$&\r\n");
  if (!attachment) return Buffer.from([...head, "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", b64(Buffer.from(body)), ""].join("\r\n"));
  return Buffer.from(
    [
      ...head,
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      b64(Buffer.from(body)),
      "--b1",
      `Content-Type: ${attachment.type}; name="${attachment.name}"`,
      `Content-Disposition: attachment; filename="${attachment.name}"`,
      "Content-Transfer-Encoding: base64",
      "",
      b64(attachment.data),
      "--b1--",
      "",
    ].join("\r\n"),
  );
}

/** Every file below dir (skipping what the filter rejects). */
function files(dir: string, keep: (f: string, st: fs.Stats) => boolean = () => true): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.statSync(p);
        if (keep(p, st)) out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

let results: Array<{ outcome: string; reason: string }> = [];

beforeAll(async () => {
  t = await freshApp();
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.setContent(`<html><body style="font-family: 'WenQuanYi Zen Hei'"><p>机密★5年</p><h1>关于某中心机构编制调整的请示</h1><p>${secrets.pdf}。</p></body></html>`);
  const pdf = Buffer.from(await page.pdf({ format: "A4" }));
  await browser.close();
  const docx = makeDocx(
    [
      { text: "密级：秘密", kind: "body" },
      { text: "关于撤销某临时机构的请示", kind: "title" },
      { text: `${secrets.docx}。`, kind: "body" },
      { text: "二〇二六年十一月二十五日", kind: "sign" },
    ],
    { creator: "正定县编办", created: "2026-11-25T09:00:00Z", title: "请示" },
  );
  const bodyMail = mail("报送：关于某局机构编制调整的请示", `秘密★1年\n\n关于某局机构编制调整的请示\n\n${secrets.body}。\n\n正定县编办\n2026年11月25日`);
  const pdfMail = mail("报送：请示", "详见附件。", { name: "qingshi.pdf", type: "application/pdf", data: pdf });
  const docxMail = mail("报送：请示", "请审阅附件。", { name: "qingshi.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data: docx });
  const tiff = fs.readFileSync(path.join(fixturesDir, "fax/classified/marked-fax-g4.tif"));
  const faxMail = mail("Fax from 0319-6122380 - 1 page", "传真件见附件。", { name: "fax000000120.tif", type: "image/tiff", data: tiff });
  const news = mail("报送：正定县编办开展保密宣传月活动", "11月20日，正定县编办组织开展保密宣传月活动，学习《保守国家秘密法》，对涉密人员进行培训，强调工作秘密管理要求。\n\n正定县编办\n2026年11月20日");
  const slice = (b: Buffer) => b.subarray(Math.floor(b.length / 2), Math.floor(b.length / 2) + 48);
  needles.push(
    ...Object.entries(secrets).map(([k, s]) => ({ what: `${k} text (UTF-8)`, bytes: Buffer.from(s) })),
    { what: "raw body mail", bytes: slice(bodyMail) },
    { what: "raw PDF mail", bytes: slice(pdfMail) },
    { what: "PDF bytes", bytes: slice(pdf) },
    { what: "DOCX bytes", bytes: slice(docx) },
    { what: "TIFF bytes", bytes: slice(tiff) },
    { what: "raw fax mail", bytes: slice(faxMail) },
    // The fax fixture's text is fixed: look for it only where this run wrote (the data directory).
  );
  const md = new Maildir(t.env.MAILDIR!);
  for (const m of [bodyMail, pdfMail, docxMail, faxMail, news]) md.deliver(m);
  results = await t.app.maildirIntake().runOnce();
  await queueQuarantineNotices(t.app.db, t.app.config);
  await flushOutbox(t.app.db, t.app.config);
}, 120_000);

afterAll(async () => {
  await t?.app.close();
});

describe("classified material (Art. 10)", () => {
  it("quarantines the marked body, PDF, DOCX and faxed TIFF, and lets news about secrecy work through", () => {
    expect(results.map((r) => r.outcome)).toEqual(["quarantined", "quarantined", "quarantined", "quarantined", "draft"]);
    expect(results[3]!.reason).toMatch(/秘密.{0,3}1\s*年/);
    expect(results[0]!.reason).toContain("秘密★1年");
    expect(results[1]!.reason).toContain("机密★5年");
    expect(results[2]!.reason).toContain("密级：秘密");
  });

  it("keeps only the envelope, alerts the info centre and tells the registered sender", async () => {
    const rows = await t.app.db.intakeMessage.findMany({ where: { status: "quarantined" } });
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.rawPath).toBeNull();
      expect(r.subject).toBeNull();
      expect(r.fromAddress).toBe("zdbb@zd-gov.example");
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(r.quarantine!).where).toBeTruthy();
    }
    expect(await t.app.db.alert.count({ where: { kind: "quarantine" } })).toBe(4);
    expect(await t.app.db.draft.count()).toBe(1);
    const notices = await t.app.db.outboundMail.findMany({ where: { kind: "quarantine_notice" } });
    expect(notices.map((n) => n.toAddress)).toEqual(Array(4).fill("zdbb@zd-gov.example"));
    expect(notices[0]!.text).toContain("第十条");
  });

  it("leaves no copy anywhere: database and WAL, data directory, Maildir, temp files", async () => {
    await t.app.close(); // flush and release the database files before reading them
    const scanned = [
      ...files(t.dir),
      // Other test runs' data directories (gw-tests-*: another worktree's suite, running the same
      // fixtures at the same time) are not this gateway's temp files.
      ...files(os.tmpdir(), (f, st) => st.mtimeMs >= started && !f.startsWith(t.dir) && !otherRun(f) && st.size < 50_000_000),
    ];
    expect(scanned.some((f) => f.endsWith("gateway.db"))).toBe(true);
    const found: string[] = [];
    for (const f of scanned) {
      let content: Buffer;
      try {
        content = fs.readFileSync(f);
      } catch {
        continue;
      }
      for (const n of needles) if (content.includes(n.bytes)) found.push(`${n.what} in ${f}`);
      if (f.startsWith(t.dir) && content.includes(Buffer.from("内设机构由九个调整为七个并核减"))) found.push(`faxed text in ${f}`);
    }
    expect(found).toEqual([]);
    // The Maildir held the messages: the quarantined ones are gone from it too.
    expect(fs.readdirSync(path.join(t.env.MAILDIR!, "cur"))).toHaveLength(1);
  });
});
