// Extracted content → the draft's title, body and document date, each with its reason.
import { createHash } from "node:crypto";
import { isFaxHeaderLine } from "./fax-header.js";

const PREFIX = /^\s*(?:【[^】]{1,6}】|\[(?:报送|信息|投稿)\]|(?:报送|上报|转发|答复|回复|回覆|转|传真|Fwd?|FW|Re|RE|AW|WG|TR)\s*[:：])\s*/i;

export function stripSubjectPrefixes(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 10; i++) {
    const next = s.replace(PREFIX, "");
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

// A subject that names only the channel is generic ("传真", "传真件", "来自0312…的传真"); one that
// starts with 传真： and goes on with a title is a title with a prefix (see PREFIX).
const GENERIC = /^(?:|信息|报送信息|工作信息|信息报送|稿件|投稿|附件|材料|报送材料|相关材料|报送文件|文件|资料|无主题|\(无主题\)|（无主题）|no subject|untitled|.*\.(?:docx?|pdf|wps|ofd|et|xlsx?|zip|tiff?|jpe?g|png)|Facsimile received from.*|(?:new )?e?fax (?:message )?(?:received )?from.*|you have (?:received )?a (?:new )?fax.*|传真|传真件|传真文件|新传真|(?:您)?(?:收到|有)(?:一份|一封|新的?)?(?:来自.*的)?(?:新)?传真.*|传真来自.*|来自.*的(?:新)?传真.*|[\d\s\-+()]{7,})$/i;

export function isGenericSubject(s: string): boolean {
  return GENERIC.test(s.trim());
}

/** A document's letterhead, number or mark line — never its title: 张北县机构编制委员会办公室, 冀机编办〔2026〕12号. */
const LETTERHEAD = /^(.{2,24}(办公室|编办|委员会|人民政府|编委|局|处)(文件)?|.{0,14}[〔[(（【]\s*\d{4}\s*[〕\])）】]\s*\d+\s*号|(签发人|密级|紧急程度|急件|特急|抄送|附件)[:：].*|.{1,20}[:：]|[-—\s]*\d+[-—\s]*|第\s*\d+\s*页.*|(?:\d{4}|[〇零○一二三四五六七八九]{4})年.{1,4}月.{1,4}日)$/;

/** 文号: the document number, e.g. 冀机编办〔2026〕12号 (OCR reads 〔〕 as [], () or 【】). */
const DOC_NUMBER = /([\u4e00-\u9fa5]{1,12})\s*[〔[(（【]\s*(\d{4})\s*[〕\])）】]\s*(\d{1,4})\s*号/;

/** The document number among the first lines of a text, normalised to 〔〕. */
export function documentNumber(texts: string[]): string | null {
  for (const t of texts) {
    for (const line of t.split("\n").slice(0, 15)) {
      const m = DOC_NUMBER.exec(line.replace(/\s+/g, ""));
      if (m) return `${m[1]}〔${m[2]}〕${m[3]}号`;
    }
  }
  return null;
}

const DOC_TITLE = /^关于.{2,80}的(?:报告|通知|请示|意见|函|通报|方案|批复|决定|总结|汇报|情况说明)$/;

/** The document's own title line, e.g. 关于……的报告, among the first lines of a text. */
export function documentTitleLine(text: string): string | null {
  const lines = text.split("\n").slice(0, 20).map((l) => l.replace(/\s+/g, ""));
  return lines.find((l) => DOC_TITLE.test(l)) ?? null;
}

/**
 * The longest title a draft gets: a 公文 title is rarely over 60 characters, and a 300 KB subject
 * made a 100,000-character title (the queue, the search index and every notice carried it).
 */
export const TITLE_MAX_CHARS = 200;

export function chooseTitle(subject: string, texts: string[]): { title: string; reason: string } {
  const chosen = chooseTitleUnbounded(subject, texts);
  const chars = [...chosen.title];
  if (chars.length <= TITLE_MAX_CHARS) return chosen;
  return { title: chars.slice(0, TITLE_MAX_CHARS).join(""), reason: `${chosen.reason}；原标题 ${chars.length} 字，过长，截取前 ${TITLE_MAX_CHARS} 字` };
}

function chooseTitleUnbounded(subject: string, texts: string[]): { title: string; reason: string } {
  const stripped = stripSubjectPrefixes(subject);
  if (!isGenericSubject(stripped)) {
    return { title: stripped, reason: stripped === subject.trim() ? "取自邮件主题" : `取自邮件主题（去掉前缀“${subject.trim().slice(0, subject.trim().length - stripped.length).trim()}”）` };
  }
  for (const t of texts) {
    const line = documentTitleLine(t);
    if (line) return { title: line, reason: "邮件主题无实际内容，取自正文标题行" };
  }
  for (const t of texts) {
    // The first line that is not a letterhead, 文号, addressee (市委编办：), page number or date.
    const first = t.split("\n").slice(0, 20).map((l) => l.trim()).find((l) => l.length >= 4 && !LETTERHEAD.test(l.replace(/\s+/g, "")) && !isFaxHeaderLine(l));
    if (first) return { title: first.replace(/\s+(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])\s+/g, "").slice(0, 60), reason: "邮件主题无实际内容，取自正文首行（跳过版头、文号、主送机关）" };
  }
  return { title: stripped || "（无标题）", reason: "主题与正文均无可用标题" };
}

const CN_DIGIT: Record<string, number> = { 〇: 0, 零: 0, O: 0, "○": 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

function cnYear(s: string): number | null {
  const digits = [...s].map((c) => CN_DIGIT[c]);
  return digits.every((d) => d !== undefined) ? Number(digits.join("")) : null;
}

function cnSmall(s: string): number | null {
  // 一 … 九, 十, 十一 … 十九, 二十 … 三十一
  const m = /^([一二三])?(十)?([一二三四五六七八九])?$/.exec(s);
  if (!m || s === "") return null;
  const tens = m[2] ? (m[1] ? CN_DIGIT[m[1]]! : 1) : 0;
  const ones = m[3] ? CN_DIGIT[m[3]]! : m[2] ? 0 : m[1] ? CN_DIGIT[m[1]]! : 0;
  if (!m[2] && m[1] && m[3]) return null;
  return tens * 10 + ones;
}

const ARABIC_DATE = /(20\d{2}|19\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?/;
const CHINESE_DATE = /([〇零○O一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日/;

function toDate(y: number, m: number, d: number): Date | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 ? date : null;
}

function parseDate(s: string): Date | null {
  const a = ARABIC_DATE.exec(s);
  if (a) return toDate(Number(a[1]), Number(a[2]), Number(a[3]));
  const c = CHINESE_DATE.exec(s);
  if (c) {
    const y = cnYear(c[1]!);
    const m = cnSmall(c[2]!);
    const d = cnSmall(c[3]!);
    if (y != null && m != null && d != null) return toDate(y, m, d);
  }
  return null;
}

/** 落款 date (a line that is only a date, perhaps after the unit's name), else the first full date. */
export function documentDate(texts: string[]): { date: Date | null; reason: string } {
  for (const t of texts) {
    const lines = t.split("\n").map((l) => l.trim()).filter(Boolean);
    for (let i = lines.length - 1; i >= Math.max(0, lines.length - 8); i--) {
      const line = lines[i]!.replace(/\s+/g, "");
      const m = ARABIC_DATE.exec(line) ?? CHINESE_DATE.exec(line);
      if (m && line.length - m[0].length <= 30 && line.endsWith(m[0])) {
        const d = parseDate(line);
        if (d) return { date: d, reason: `落款日期“${m[0]}”` };
      }
    }
  }
  for (const t of texts) {
    const m = ARABIC_DATE.exec(t) ?? CHINESE_DATE.exec(t);
    const d = m ? parseDate(m[0]) : null;
    if (m && d) return { date: d, reason: `正文中首个完整日期“${m[0].trim()}”` };
  }
  return { date: null, reason: "正文中没有完整日期" };
}

/** Removes the header block a mail client puts above a forwarded original. */
export function unwrapForward(text: string): string {
  return text
    .replace(/^[-–—\s]*(?:原始邮件|Original Message|转发的邮件|Forwarded message)[-–—\s]*$/gim, "")
    .replace(/^(?:发件人|From|发送时间|Sent|Date|日期|收件人|To|抄送|Cc|主题|Subject)\s*[:：].*$/gim, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export function fingerprint(sender: string, title: string, body: string): string {
  const norm = (s: string) => s.replace(/\s+/g, "");
  return createHash("sha256").update(`${sender}\n${norm(title)}\n${norm(body)}`).digest("hex");
}
