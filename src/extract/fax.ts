// Fax e-mails: recognises the mail a fax server sends when it receives a fax — HylaFAX's
// faxrcvd ("Facsimile received from <TSI>" with its faxinfo summary) and the fax-to-mail forms
// of commercial/cloud fax services ("Fax from <CSID> – N pages", "传真来自 …") — and reads the
// sender's fax number, page count, reception time and resolution from it. The number identifies
// the sending unit (identifyByFax): a fax mail's From address is the fax server's, never the unit's.
import { normaliseFax } from "../identify/unit.js";
/** Times without a zone are the fax server's local time: China Standard Time. */
import { CHINA_OFFSET } from "../domain/time.js";

export type FaxStyle = "hylafax" | "commercial";

export interface FaxInfo {
  style: FaxStyle;
  /** The sender's number in the national form of normaliseFax; null when the fax carried none. */
  faxNumber: string | null;
  /** The number as the fax server wrote it (TSI/CSID or caller ID). */
  rawNumber: string | null;
  /** Where the number came from: the sending machine's own ID or the network's caller ID. */
  numberSource: "tsi" | "caller-id" | null;
  pages: number | null;
  receivedAt: Date | null;
  quality: "normal" | "fine" | "superfine" | null;
}


/** The first run in s that reads as a phone number (≥ 7 digits; +, spaces, dashes, brackets allowed). */
export function findNumber(s: string | null | undefined): string | null {
  if (!s) return null;
  const runs = s.match(/\+?[\d(（][\d\s\-–()（）.]{5,}\d/g) ?? [];
  for (const run of runs) {
    const digits = run.replace(/\D/g, "");
    if (digits.length >= 7 && digits.length <= 16) return run.trim();
  }
  return null;
}

function quality(s: string | null | undefined): FaxInfo["quality"] {
  if (!s) return null;
  if (/super|hyper|超精|超高/i.test(s)) return "superfine";
  if (/fine|精细|高清|196|200\s*x\s*200/i.test(s)) return "fine";
  if (/normal|standard|标准|普通|98/i.test(s)) return "normal";
  return null;
}

/**
 * Reception time as fax servers write it: HylaFAX "2026:11:20 09:41:13", ISO-like
 * "2026-11-20 10:15:02 (GMT+08:00)", "2026/11/20 10:15", "2026年11月20日 10:15:02", or an RFC
 * 5322 date. Without a zone the time is China Standard Time.
 */
export function parseFaxTime(s: string | null | undefined): Date | null {
  if (!s) return null;
  const m = /(\d{4})\s*[-/:.年]\s*(\d{1,2})\s*[-/:.月]\s*(\d{1,2})\s*日?\s*[T\s]\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?/.exec(s);
  if (m) {
    const zone = /(?:GMT|UTC)?\s*([+-])(\d{2}):?(\d{2})\b/.exec(s.slice(m.index + m[0].length));
    const off = zone ? `${zone[1]}${zone[2]}:${zone[3]}` : CHINA_OFFSET;
    const p2 = (v: string | undefined) => (v ?? "0").padStart(2, "0");
    const d = new Date(`${m[1]}-${p2(m[2])}-${p2(m[3])}T${p2(m[4])}:${p2(m[5])}:${p2(m[6])}${off}`);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const d = new Date(s.trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "Label: value" lines of a summary, keys lower-cased without spaces (HylaFAX pads them). */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][A-Za-z0-9 ]{1,30}?|[\u4e00-\u9fff][\u4e00-\u9fff A-Za-z/]{0,20}?)\s*[:：]\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase().replace(/\s+/g, "");
    if (!out.has(key)) out.set(key, m[2]!);
  }
  return out;
}

const pick = (f: Map<string, string>, keys: string[]) => {
  for (const k of keys) {
    const v = f.get(k);
    if (v) return v;
  }
  return null;
};

const int = (s: string | null | undefined) => {
  const m = s ? /\d+/.exec(s) : null;
  return m ? Number(m[0]) : null;
};

function hylafax(subject: string, text: string): FaxInfo | null {
  const m = /^\s*Facsimile received from\s*(.*)$/i.exec(subject);
  if (!m) return null;
  const f = fields(text);
  const tsi = pick(f, ["sender", "tsi", "from"]) ?? m[1]!.trim();
  const callId = pick(f, ["callid1", "callid", "callerid", "cidnumber"]);
  // The TSI is what the sending machine was programmed with; the caller ID comes from the
  // network. Prefer the TSI when it is a number (it usually carries the area code), else the ID.
  const tsiNumber = findNumber(tsi);
  const raw = tsiNumber ?? findNumber(callId);
  return {
    style: "hylafax",
    rawNumber: raw,
    faxNumber: raw ? normaliseFax(raw) : null,
    numberSource: tsiNumber ? "tsi" : raw ? "caller-id" : null,
    pages: int(pick(f, ["pages", "npages"])),
    receivedAt: parseFaxTime(pick(f, ["received", "receivedat", "date"])),
    quality: quality(pick(f, ["quality", "resolution"])),
  };
}

// Subjects of commercial fax-to-mail services, English and Chinese. Each captures the number
// part (group "num") and, where the subject has it, the page count (group "pages").
const COMMERCIAL_SUBJECTS: RegExp[] = [
  /^\s*(?:new\s+)?(?:e?fax)(?:\s+message)?\s+(?:received\s+)?from\s+["“]?(?<num>[^"”]*?)["”]?\s*(?:[-–—,:|(（]\s*(?<pages>\d+)\s*(?:pages?|page\(s\)|页))?[)）]?(?:\s*[,，].*)?\s*$/i,
  /^\s*you\s+have\s+(?:received\s+)?a\s+(?:new\s+)?(?:(?<pages>\d+)[-\s]page\s+)?fax\s+from\s+(?<num>.+?)\s*$/i,
  /^\s*(?:新)?传真来自\s*[:：]?\s*(?<num>.+?)\s*(?:[（(]?\s*共?\s*(?<pages>\d+)\s*页\s*[)）]?)?\s*$/,
  /^\s*(?:您)?(?:收到|有)(?:一份|一封|新的?)?(?:来自\s*(?<num>.+?)\s*的)?(?:新)?传真(?:\s*[:：\-–—]\s*(?<num2>.+?))?(?:\s*[（(]?\s*共?\s*(?<pages>\d+)\s*页\s*[)）]?)?\s*$/,
  /^\s*来自\s*(?<num>.+?)\s*的(?:新)?传真(?:\s*[（(]?\s*共?\s*(?<pages>\d+)\s*页\s*[)）]?)?\s*$/,
];

function commercial(subject: string, text: string): FaxInfo | null {
  let hit: RegExpExecArray | null = null;
  for (const re of COMMERCIAL_SUBJECTS) if ((hit = re.exec(subject))) break;
  if (!hit) return null;
  const g = hit.groups ?? {};
  const f = fields(text);
  // The summary's own fields win over the subject: subjects get truncated and reworded.
  const fromField = pick(f, ["from", "sender", "csid", "tsi", "faxfrom", "发送方号码", "发送方号码from", "发送号码", "发送方", "主叫号码", "来电号码", "对方号码", "传真号码", "发件号码", "发送方传真"]);
  const callerField = pick(f, ["callerid", "caller-id", "ani", "主叫", "来电显示"]);
  const fromNumber = findNumber(fromField) ?? findNumber(g.num) ?? findNumber(g.num2);
  const raw = fromNumber ?? findNumber(callerField);
  const pagesField = pick(f, ["pages", "pagecount", "numberofpages", "页数", "页数pages", "总页数"]);
  const timeField = pick(f, ["received", "receivedat", "receivedon", "time", "date", "接收时间", "接收时间received", "收到时间", "到达时间", "时间"]);
  return {
    style: "commercial",
    rawNumber: raw,
    faxNumber: raw ? normaliseFax(raw) : null,
    numberSource: fromNumber ? "tsi" : raw ? "caller-id" : null,
    pages: int(pagesField) ?? (g.pages ? Number(g.pages) : null),
    receivedAt: parseFaxTime(timeField),
    quality: quality(pick(f, ["quality", "resolution", "分辨率", "质量"])),
  };
}

/**
 * A fax server's mail → what it says about the fax; null for any other mail. Labels inside the
 * summary may be bilingual ("页数 Pages: 2"): fields() keeps the whole label as the key, and
 * both forms are looked up.
 */
export function parseFaxMail(msg: { subject: string; text: string }): FaxInfo | null {
  const subject = (msg.subject ?? "").replace(/\s+/g, " ").trim();
  const text = msg.text ?? "";
  return hylafax(subject, text) ?? commercial(subject, text);
}
