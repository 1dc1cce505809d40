// Attachment 4 round trip: a 信息员推荐表 arrives as a DOCX, becomes a pending officer record
// of the sending unit, the info centre confirms it, and mail from the officer's own address is
// then identified as that unit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshApp, submission, type TestEnv } from "../helpers.js";
import { makeDocx } from "../../fixtures/mail/tools/lib.mjs";
import { loadActor, seedDemoUsers } from "../../src/accounts/users.js";
import { AdminService } from "../../src/admin/service.js";
import { Maildir } from "../../src/sources/maildir.js";

let t: TestEnv;

beforeAll(async () => {
  t = await freshApp();
  await seedDemoUsers(t.app.db, "Demo-pass-2026");
});

afterAll(async () => {
  await t?.app.close();
});

function formMail(): Buffer {
  const docx = makeDocx(
    [
      { text: "《河北机构编制网》信息员推荐表", kind: "title" },
      ...["姓    名", "王晓红", "性    别", "女", "年    龄", "34", "所在单位", "正定县机构编制委员会办公室", "职    务", "综合股副股长", "政治面貌", "中共党员", "手    机", "13903110000", "电子邮件", "wangxh@mail163.example", "邮政编码", "050800", "本单位推荐意见", "同意推荐。（单位盖章）"].map((text) => ({ text, kind: "body" as const })),
    ],
    { creator: "正定县编办", created: "2026-11-20T09:00:00Z", title: "信息员推荐表" },
  );
  const b64 = (b: Buffer) => b.toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    [
      "From: zdbb@zd-gov.example",
      "To: xinxi@hebbb.example",
      `Subject: =?UTF-8?B?${Buffer.from("报送信息员推荐表").toString("base64")}?=`,
      "Message-ID: <officer-form@zd-gov.example>",
      "Date: Fri, 20 Nov 2026 09:00:00 +0800",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      "见附件。",
      "--b",
      'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="tuijianbiao.docx"',
      "Content-Transfer-Encoding: base64",
      "",
      b64(docx),
      "--b--",
      "",
    ].join("\r\n"),
  );
}

describe("信息员推荐表", () => {
  it("round-trips from a DOCX to a registered sender of the unit", async () => {
    const md = new Maildir(t.env.MAILDIR!);
    md.deliver(formMail());
    const [r] = await t.app.maildirIntake().runOnce();
    expect(r).toMatchObject({ outcome: "draft", unit: "正定县编办", division: "信息中心", column: null });
    const officer = await t.app.db.infoOfficer.findFirstOrThrow({ include: { unit: true } });
    expect(officer).toMatchObject({ name: "王晓红", sex: "女", age: 34, email: "wangxh@mail163.example", status: "pending", sourceDraftId: r!.draftId });
    expect(officer.unit.name).toBe("正定县编办");

    // Before confirmation, mail from the officer's own address is from an unknown sender.
    md.deliver(submission({ from: "wangxh@mail163.example", subject: "正定县召开编制工作会议", body: "正定县编办召开会议。" }));
    const [before] = await t.app.maildirIntake().runOnce();
    expect(before!.unit).toBeNull();

    const admin = new AdminService(t.app.db, () => t.app.pipeline.invalidateReference());
    const yaolin = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "yaolin" } })).id))!;
    const niulifeng = (await loadActor(t.app.db, (await t.app.db.user.findUniqueOrThrow({ where: { username: "niulifeng" } })).id))!;
    await expect(admin.decideOfficer(niulifeng, officer.id, true)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await admin.decideOfficer(yaolin, officer.id, true);
    expect((await t.app.db.unitAddress.findUniqueOrThrow({ where: { email: "wangxh@mail163.example" } })).source).toBe("officer");

    md.deliver(submission({ from: "wangxh@mail163.example", subject: "正定县召开编制工作会议（二）", body: "正定县编办召开第二次会议。" }));
    const [after] = await t.app.maildirIntake().runOnce();
    expect(after!.unit).toBe("正定县编办");
    expect(await t.app.db.auditEvent.count({ where: { action: "officer.confirm" } })).toBe(1);
  });
});
