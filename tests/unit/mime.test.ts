import { describe, expect, it } from "vitest";
import iconv from "iconv-lite";
import { loadConfig } from "../../src/config/index.js";
import { parseMessage } from "../../src/extract/mime.js";
import { scanStructure } from "../../src/extract/structure.js";
import { normaliseFax, identifyByEmail } from "../../src/identify/unit.js";

const limits = loadConfig({}).limits;
const head = (ct: string, extra = "") => `From: a@b.example\r\nSubject: test\r\nMessage-ID: <x@y>\r\nMIME-Version: 1.0\r\nContent-Type: ${ct}\r\n${extra}\r\n`;

describe("MIME limits and charsets", () => {
  it("refuses an empty message, an oversize one, too many parts and deep nesting with clear errors", async () => {
    await expect(parseMessage(Buffer.alloc(0), limits)).rejects.toMatchObject({ code: "EMPTY_MESSAGE" });
    await expect(parseMessage(Buffer.alloc(2000, 65), { ...limits, messageBytes: 1000 })).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    const many = head('multipart/mixed; boundary="b"') + Array.from({ length: 20 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join("") + "--b--\r\n";
    await expect(parseMessage(Buffer.from(many), { ...limits, parts: 10 })).rejects.toMatchObject({ code: "TOO_MANY_PARTS" });
    let nested = "leaf\r\n";
    for (let i = 0; i < 12; i++) nested = `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n${nested}--b${i}--\r\n`.replace(`boundary="b${i + 1}"`, `boundary="b${i - 1}"`);
    const deep = Buffer.from(head('multipart/mixed; boundary="b0"') + Array.from({ length: 12 }, (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`).join("") + "--b12\r\nContent-Type: text/plain\r\n\r\nleaf\r\n");
    expect(scanStructure(deep).depth).toBe(13);
    await expect(parseMessage(deep, limits)).rejects.toMatchObject({ code: "MIME_TOO_DEEP" });
  });

  it("repairs a GBK body labelled utf-8 and raw 8-bit GBK subjects", async () => {
    const text = "正定县编办召开事业单位分类改革推进会。";
    const raw = Buffer.concat([
      Buffer.from("From: a@b.example\r\nSubject: "),
      iconv.encode("报送：工作动态", "gbk"),
      Buffer.from("\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"),
      iconv.encode(text, "gbk"),
    ]);
    const p = await parseMessage(raw, limits);
    expect(p.text).toBe(text);
    expect(p.subject).toBe("报送：工作动态");
    expect(p.flags).toContain("charset_repaired");
  });

  it("refuses an attachment over the limit", async () => {
    const big = Buffer.alloc(5000, 1).toString("base64");
    const raw = head('multipart/mixed; boundary="b"') + `--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${big}\r\n--b--\r\n`;
    await expect(parseMessage(Buffer.from(raw), { ...limits, attachmentBytes: 1000 })).rejects.toMatchObject({ code: "ATTACHMENT_TOO_LARGE" });
  });

  it("recognises auto-replies", async () => {
    const p = await parseMessage(Buffer.from(head("text/plain; charset=utf-8", "Auto-Submitted: auto-replied\r\n") + "I am away"), limits);
    expect(p.automatic).toContain("auto-replied");
  });
});

describe("sender identification", () => {
  it("normalises fax numbers", () => {
    expect(normaliseFax("0311-8802 1745")).toBe("031188021745");
    expect(normaliseFax("+86 311 88021745")).toBe("031188021745");
    expect(normaliseFax("0086-311-88021745")).toBe("031188021745");
    expect(normaliseFax("12")).toBeNull();
  });

  it("never trusts the display name", () => {
    const dir = { byEmail: new Map([["zdbb@zd-gov.example", { id: 1, name: "正定县编办" }]]), byFax: new Map() };
    expect(identifyByEmail(dir, "zdbb@zd-gov.example", null).unitName).toBe("正定县编办");
    const forged = identifyByEmail(dir, "someone@mail163.example", "正定县编办");
    expect(forged.unitId).toBeNull();
    expect(forged.reason).toContain("不作为依据");
  });
});
