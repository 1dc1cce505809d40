// Fax e-mail recognition: HylaFAX faxrcvd and commercial fax-to-mail forms (English and
// Chinese), number normalisation, page counts, reception times, and mail that is not a fax.
import { describe, expect, it } from "vitest";
import { findNumber, parseFaxMail, parseFaxTime } from "../../src/extract/fax.js";
import { identifyByFax, type UnitDirectory } from "../../src/identify/unit.js";

const HYLAFAX_BODY = [
  "recvq/fax000000115.tif (ftp://fax.hebbb.example:4559/recvq/fax000000115.tif):",
  "              Sender: +86 319 6122380",
  "               Pages: 3",
  "             Quality: Fine",
  "                Size: ISO A4",
  "            Received: 2026:11:20 09:41:13",
  "     Time To Receive: 1:02",
  "         Signal Rate: 14400 bit/s",
  "         Data Format: 2-D MMR",
  "       Error Correct: Yes",
  "             CallID1: 03196122380",
  "         Received On: ttyIAX0",
].join("\n");

describe("HylaFAX faxrcvd mail", () => {
  it("reads TSI, pages, quality and time (local time is China Standard Time)", () => {
    const f = parseFaxMail({ subject: "Facsimile received from +86 319 6122380", text: HYLAFAX_BODY });
    expect(f).toEqual({
      style: "hylafax",
      rawNumber: "+86 319 6122380",
      faxNumber: "03196122380",
      numberSource: "tsi",
      pages: 3,
      receivedAt: new Date("2026-11-20T01:41:13Z"),
      quality: "fine",
    });
  });

  it("reads the older faxinfo labels and normal resolution", () => {
    const body = "Recvd on: ttyS0\nSender: 0319-6122380\nPages: 1\nQuality: Normal\nReceived: 2026:11:21 16:02:45\nTimeToRecv: 0:31\nSignalRate: 9600 bit/s\nDataFormat: 1-D MH\n";
    const f = parseFaxMail({ subject: "Facsimile received from 0319-6122380", text: body });
    expect(f).toMatchObject({ faxNumber: "03196122380", pages: 1, quality: "normal", receivedAt: new Date("2026-11-21T08:02:45Z") });
  });

  it("falls back to the caller ID when the TSI is a name or empty", () => {
    const named = parseFaxMail({ subject: "Facsimile received from WEIXIAN BBB", text: "Sender: WEIXIAN BBB\nPages: 2\nCallID1: 0319 6122380\n" });
    expect(named).toMatchObject({ faxNumber: "03196122380", numberSource: "caller-id", pages: 2 });
    const none = parseFaxMail({ subject: "Facsimile received from ", text: "Sender: \nPages: 1\n" });
    expect(none).toMatchObject({ style: "hylafax", faxNumber: null, rawNumber: null, numberSource: null, pages: 1 });
  });
});

describe("commercial fax-to-mail", () => {
  it("reads 'Fax from <CSID> – N pages' with a bilingual summary", () => {
    const text = [
      "您收到一份新传真 / You have received a new fax.",
      "",
      "发送方号码 From: +86 313 5222415",
      "接收号码 To: 0311-87801200",
      "页数 Pages: 2",
      "接收时间 Received: 2026-11-20 10:15:02 (GMT+08:00)",
    ].join("\n");
    const f = parseFaxMail({ subject: "Fax from +86 313 5222415 – 2 pages", text });
    expect(f).toEqual({
      style: "commercial",
      rawNumber: "+86 313 5222415",
      faxNumber: "03135222415",
      numberSource: "tsi",
      pages: 2,
      receivedAt: new Date("2026-11-20T02:15:02Z"),
      quality: null,
    });
  });

  it.each([
    ["Fax from 0313-5222415 - 2 pages", "03135222415", 2],
    ["Fax from 031-35222415", "03135222415", null],
    ['eFax message from "0313 5222415" - 2 page(s), Caller-ID: 0313-5222415', "03135222415", 2],
    ["New fax message from +86 (313) 5222415 (2 pages)", "03135222415", 2],
    ["You have received a 3-page fax from 0319 6122380", "03196122380", 3],
    ["传真来自 0313-5222415（共2页）", "03135222415", 2],
    ["传真来自：0319-6122380", "03196122380", null],
    ["您收到一份来自 0312-3652107 的传真", "03123652107", null],
    ["收到传真：0312 3652107 3页", "03123652107", 3],
    ["来自+86-312-3652107的新传真（共4页）", "03123652107", 4],
  ])("subject %s", (subject, number, pages) => {
    const f = parseFaxMail({ subject, text: "" });
    expect(f?.style).toBe("commercial");
    expect(f?.faxNumber).toBe(number);
    expect(f?.pages).toBe(pages);
  });

  it("takes pages and time from Chinese summary fields when the subject has none", () => {
    const f = parseFaxMail({ subject: "您收到一份新传真", text: "发送号码：0319-6122380\n页数：5\n接收时间：2026年11月20日 09:05:00\n分辨率：精细\n" });
    expect(f).toMatchObject({ faxNumber: "03196122380", pages: 5, quality: "fine", receivedAt: new Date("2026-11-20T01:05:00Z") });
  });

  it("does not take the receiving number for the sender", () => {
    const f = parseFaxMail({ subject: "You have received a new fax", text: "To: 0311-87801200\nPages: 1\n" });
    // "You have received a new fax" has no "from": not a recognised form, so not guessed at.
    expect(f).toBeNull();
    const g = parseFaxMail({ subject: "Fax from unknown – 1 page", text: "To: 0311-87801200\n" });
    expect(g).toMatchObject({ style: "commercial", faxNumber: null, pages: 1 });
  });
});

describe("not a fax", () => {
  it.each([
    "报送：平山县扎实推进乡镇综合行政执法改革",
    "转发：关于做好传真报送工作的通知",
    "Re: Fax number for the training",
    "",
  ])("%s", (subject) => {
    expect(parseFaxMail({ subject, text: "传真号码：0319-6122380\n页数：2" })).toBeNull();
  });
});

describe("helpers", () => {
  it("finds the number in a CSID with a name and ignores short digit runs", () => {
    expect(findNumber("WEIXIAN BBB +86 319 6122380")).toBe("+86 319 6122380");
    expect(findNumber("Page 2 of 3")).toBeNull();
    expect(findNumber("（0319）6122380")).toBe("（0319）6122380");
  });

  it("parses the time forms fax servers use", () => {
    expect(parseFaxTime("2026:11:20 09:41:13")).toEqual(new Date("2026-11-20T01:41:13Z"));
    expect(parseFaxTime("2026/11/20 10:15")).toEqual(new Date("2026-11-20T02:15:00Z"));
    expect(parseFaxTime("2026-11-20 10:15:02 UTC+00:00")).toEqual(new Date("2026-11-20T10:15:02Z"));
    expect(parseFaxTime("Fri, 20 Nov 2026 10:15:02 +0800")).toEqual(new Date("2026-11-20T02:15:02Z"));
    expect(parseFaxTime("soon")).toBeNull();
  });

  it("identifies the unit registered by fax number only", () => {
    const dir: UnitDirectory = { byEmail: new Map(), byFax: new Map([["03196122380", { id: 19, name: "威县编办" }]]) };
    const f = parseFaxMail({ subject: "Facsimile received from +86 319 6122380", text: HYLAFAX_BODY });
    expect(identifyByFax(dir, f!.faxNumber)).toMatchObject({ unitId: 19, confirmed: true });
  });
});
