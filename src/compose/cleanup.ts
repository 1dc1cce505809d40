// Clean-up before publishing, as suggestions the officer accepts or rejects (nothing is changed
// behind their back): signature blocks and contact lines, the title repeated as the first line,
// OCR line breaks inside sentences, half-width punctuation in Chinese text — and personal data
// (phone, mobile, ID-card and bank-card numbers), which publishing government websites must not
// carry unless a person decided it may (an office's public phone number), so it blocks 发布 until
// each is removed or confirmed. Pure: text in, suggestions out; compose/ imports nothing of the project.

export type SuggestionKind = "title_repeat" | "signature" | "contact" | "line_join" | "punctuation" | "phone" | "mobile" | "id_card" | "bank_card" | "sensitive_term";

export interface Suggestion {
  /** Stable for the same finding in the same text: the web screen answers by id. */
  id: string;
  kind: SuggestionKind;
  /** What the officer reads: 「删除签名档」, 「手机号 139****1234」. */
  label: string;
  /** The exact text found (a line, a number); for whole-body kinds, empty. */
  find: string;
  /** What accepting does: replace `find` (or, for whole-body kinds, transform the body). */
  replace: string;
  /** Personal data and 错敏词: 发布 is held until it is removed or confirmed. */
  blocking: boolean;
  status: "open" | "accepted" | "rejected";
  /** Who answered, when, why (kept in the draft; the audit trail has the same). */
  answeredBy?: string;
  reason?: string;
}

export const kindLabel: Record<SuggestionKind, string> = {
  title_repeat: "正文首行重复标题",
  signature: "签名档",
  contact: "联系方式",
  line_join: "断行",
  punctuation: "标点",
  phone: "电话号码",
  mobile: "手机号码",
  id_card: "身份证号码",
  bank_card: "银行卡号",
  sensitive_term: "错敏词",
};

const hash = (s: string) => {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0;
  return h.toString(36);
};
const mk = (kind: SuggestionKind, label: string, find: string, replace: string, blocking = false): Suggestion => ({ id: `${kind}-${hash(find || label)}`, kind, label, find, replace, blocking, status: "open" });

// ───────────────────────────── personal data ─────────────────────────────

export interface PersonalDatum {
  kind: "phone" | "mobile" | "id_card" | "bank_card";
  value: string;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** GB 11643: an 18-digit citizen ID with a valid date and check digit. */
export function isIdCard(s: string): boolean {
  if (!/^[1-8]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]$/.test(s)) return false;
  const sum = [...s.slice(0, 17)].reduce((n, c, i) => n + Number(c) * ID_WEIGHTS[i]!, 0);
  return ID_CHECK[sum % 11] === s[17]!.toUpperCase();
}

/** Luhn check of a card number. */
export function luhn(s: string): boolean {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    let d = Number(s[s.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Phone, mobile, ID-card and bank-card numbers in a text (each value once, as written). */
export function personalData(text: string): PersonalDatum[] {
  const out: PersonalDatum[] = [];
  const seen = new Set<string>();
  const add = (kind: PersonalDatum["kind"], value: string) => {
    if (!seen.has(value)) {
      seen.add(value);
      out.push({ kind, value });
    }
  };
  for (const m of text.matchAll(/(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g)) if (isIdCard(m[0])) add("id_card", m[0]);
  for (const m of text.matchAll(/(?<![\dA-Za-z])(?:\d{4}[ -]?){3,4}\d{1,4}(?![\dA-Za-z])/g)) {
    const digits = m[0].replace(/\D/g, "");
    if (digits.length >= 16 && digits.length <= 19 && /^(62|4|5|3|9)/.test(digits) && luhn(digits) && !isIdCard(digits)) add("bank_card", m[0].trim());
  }
  for (const m of text.matchAll(/(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)/g)) add("mobile", m[0].trim());
  for (const m of text.matchAll(/(?<![\d-])(?:[(（]0\d{2,3}[)）]|0\d{2,3})[ -－—]?\d{7,8}(?:[-－]\d{1,4})?(?!\d)/g)) {
    if (!seen.has(m[0]) && ![...seen].some((v) => v.includes(m[0]))) add("phone", m[0].trim());
  }
  return out;
}

const mask = (d: PersonalDatum) => (d.value.length > 7 ? `${d.value.slice(0, 3)}${"*".repeat(Math.max(3, d.value.length - 7))}${d.value.slice(-4)}` : d.value);

// ───────────────────────────── text transformations ─────────────────────────────

const SIG_SEPARATOR = /^\s*(?:--|——|-{2,}|_{3,})\s*$/;
const CONTACT = /^\s*(?:联系人|联系电话|联\s*系\s*人|电话|手机|传真|邮箱|电子邮箱|E-?mail|Tel|Mobile|QQ|微信|地址|邮编)\s*[:：]/i;
const SENT_FROM = /^\s*(?:发自我的|来自|Sent from my|Get Outlook for)\S*.{0,20}$/i;
const FINAL = /[。！？；：…”」』）)》.!?;:]$/;
const LIST_START = /^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\(\d+\)|\d+[.、．]|[①-⑩])/;
const CJK = "\\u3400-\\u9fff";

/** Joins lines broken inside a sentence (OCR and PDF text keep the page's line breaks). */
export function joinBrokenLines(body: string): string {
  const lines = body.split("\n");
  const out: string[] = [];
  for (const line of lines) {
    const prev = out[out.length - 1];
    const t = line.trim();
    const joinable =
      prev != null && prev.trim() && t && !FINAL.test(prev.trim()) && !LIST_START.test(t) && !/^\s*\|/.test(line) && !/^\s*\|/.test(prev) && !/^[\u3000 ]{2}/.test(line) && prev.trim().length >= 12 && new RegExp(`[${CJK}，、]$`).test(prev.trim());
    if (joinable) out[out.length - 1] = prev!.replace(/\s+$/, "") + t;
    else out.push(line);
  }
  return out.join("\n");
}

const HALF_TO_FULL: Record<string, string> = { ",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）" };

/** Half-width punctuation next to Chinese text becomes full width (not in numbers, times, URLs or tables). */
export function fullWidthPunctuation(body: string): string {
  return body
    .split("\n")
    .map((line) => {
      if (/^\s*\|/.test(line)) return line;
      return line
        .replace(new RegExp(`(?<=[${CJK}”」）])([,;:?!])(?!\\d)|([,;:?!])(?=[${CJK}“「（])`, "g"), (m) => HALF_TO_FULL[m] ?? m)
        .replace(new RegExp(`(?<=[${CJK}])\\.(?=\\s*$|[${CJK}])`, "g"), "。")
        .replace(new RegExp(`\\((?=[${CJK}])`, "g"), "（")
        .replace(new RegExp(`(?<=[${CJK}])\\)`, "g"), "）");
    })
    .join("\n");
}

function firstLine(body: string): string | null {
  return body.split("\n").find((l) => l.trim())?.trim() ?? null;
}

/** The suggestions for a draft's text; `terms` are the 错敏词 found by the router's rules. */
export function suggestCleanup(title: string, body: string, terms: string[] = []): Suggestion[] {
  const out: Suggestion[] = [];
  const norm = (s: string) => s.replace(/\s+/g, "");
  const first = firstLine(body);
  if (first && norm(first) === norm(title)) out.push(mk("title_repeat", `删除正文首行重复的标题「${first.slice(0, 30)}」`, first, ""));
  // The signature block: from a separator line ("-- ") near the end to the end.
  const lines = body.split("\n");
  const sep = lines.findIndex((l, i) => SIG_SEPARATOR.test(l) && i >= lines.length - 10);
  if (sep >= 0) {
    const block = lines.slice(sep).join("\n");
    if (block.trim()) out.push(mk("signature", `删除签名档（${lines.length - sep} 行）`, block, ""));
  }
  const sigLines = new Set(sep >= 0 ? lines.slice(sep) : []);
  for (const l of lines) {
    if (sigLines.has(l)) continue;
    if (CONTACT.test(l) || SENT_FROM.test(l)) out.push(mk("contact", `删除联系方式行「${l.trim().slice(0, 30)}」`, l, ""));
  }
  if (joinBrokenLines(body) !== body) out.push(mk("line_join", "合并句中断行（OCR 或 PDF 的换行）", "", ""));
  if (fullWidthPunctuation(body) !== body) out.push(mk("punctuation", "中文中的半角标点改为全角", "", ""));
  for (const d of personalData(`${title}\n${body}`)) out.push(mk(d.kind, `${kindLabel[d.kind]} ${mask(d)}：删除或确认可以公开`, d.value, "", true));
  for (const t of terms) out.push(mk("sensitive_term", `错敏词「${t}」：修改或确认无误`, t, "", true));
  return out;
}

/** The body after accepting one suggestion; null when it no longer applies (the text changed). */
export function applySuggestion(body: string, s: Suggestion): string | null {
  if (s.kind === "line_join") return joinBrokenLines(body);
  if (s.kind === "punctuation") return fullWidthPunctuation(body);
  if (!s.find || !body.includes(s.find)) return null;
  if (s.kind === "title_repeat") return body.replace(s.find, "").replace(/^\s*\n/, "");
  if (s.kind === "signature" || s.kind === "contact") return body.replace(s.find + "\n", "").replace(s.find, "").replace(/\n{3,}/g, "\n\n").trimEnd();
  // Personal data and terms: removing the number or term where it stands.
  return body.split(s.find).join(s.replace);
}
