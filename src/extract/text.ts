// Text helpers shared by the extractors: charset sniffing, HTML → text, whitespace.
import iconv from "iconv-lite";
import { convert, type FormatCallback } from "html-to-text";
import { GatewayError } from "../domain/errors.js";
import { tableToText } from "./tables.js";

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/g;

export function cjkCount(s: string): number {
  return s.match(CJK)?.length ?? 0;
}

export function replacementCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "\ufffd") n++;
  return n;
}

/**
 * How well bytes read as UTF-8: the multi-byte sequences that are valid and the bytes that are
 * not. GBK text read as UTF-8 is almost all invalid; a UTF-8 file with one stray byte (a
 * truncated copy, a byte from an editor) has one invalid byte among thousands of valid ones.
 */
export function utf8Quality(buf: Buffer): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    let ok = n > 0;
    for (let k = 1; ok && k <= n; k++) ok = i + k < buf.length && (buf[i + k]! & 0xc0) === 0x80;
    if (ok) {
      valid++;
      i += n + 1;
    } else {
      invalid++;
      i++;
    }
  }
  return { valid, invalid };
}

/** UTF-8 "as a whole": at most one invalid byte per 10 valid characters (GBK read as UTF-8 has about 10 invalid per valid one). */
export function mostlyUtf8(buf: Buffer): boolean {
  const q = utf8Quality(buf);
  return q.invalid === 0 || (q.valid > 0 && q.invalid * 10 <= q.valid);
}

/**
 * Decodes bytes whose charset is unknown: UTF-8 when it reads as UTF-8 as a whole (a stray byte
 * stays one U+FFFD, it does not turn the whole text into GB18030 mojibake), else GB18030 (a
 * superset of GBK and GB2312).
 */
export function decodeUnknown(buf: Buffer): { text: string; charset: string } {
  if (mostlyUtf8(buf)) return { text: buf.toString("utf8").replace(/^\ufeff/, ""), charset: "utf-8" };
  return { text: iconv.decode(buf, "gb18030"), charset: "gb18030" };
}

/** Labels mail clients write for Chinese text that iconv-lite knows under another name. */
const CHARSET_ALIASES: Record<string, string> = { gb2312: "gbk", "x-gbk": "gbk", cp936: "gbk", "windows-936": "gbk", "x-euc-cn": "gbk", "euc-cn": "gbk" };

/**
 * Decodes bytes by their declared charset first; only when the declared one fails as a whole
 * (UTF-8 that is not UTF-8, an unknown label) the unknown-charset rule decides. gb2312 is read
 * as GBK so that GBK-only characters under a gb2312 label survive, and GBK as GB18030 (its superset).
 */
export function decodeDeclared(buf: Buffer, declared: string | null | undefined): { text: string; charset: string; repaired: boolean } {
  const label = (declared ?? "").trim().toLowerCase().replace(/^"|"$/g, "");
  if (!label) return { ...decodeUnknown(buf), repaired: false };
  if (/^(utf-?8|us-ascii|ascii)$/.test(label)) {
    if (mostlyUtf8(buf)) return { text: buf.toString("utf8").replace(/^\ufeff/, ""), charset: "utf-8", repaired: false };
    const u = decodeUnknown(buf);
    return { ...u, repaired: u.charset !== "utf-8" };
  }
  const name = CHARSET_ALIASES[label] ?? (label === "gbk" ? "gb18030" : label);
  if (!iconv.encodingExists(name)) return { ...decodeUnknown(buf), repaired: true };
  return { text: iconv.decode(buf, name === "gbk" ? "gb18030" : name), charset: name, repaired: false };
}

/**
 * A file name from raw bytes (ZIP entries, raw 8-bit MIME parameters): UTF-8 when flagged or
 * valid, else GB18030 — what Chinese Windows archivers and mail clients write.
 */
export function decodeFileName(raw: Buffer, utf8Flag = false): string {
  if (utf8Flag || raw.every((b) => b < 0x80)) return raw.toString("utf8");
  const q = utf8Quality(raw);
  return q.invalid === 0 ? raw.toString("utf8") : iconv.decode(raw, "gb18030");
}

/**
 * Repairs a name that a parser decoded byte by byte as Latin-1 (raw 8-bit GBK in a MIME
 * parameter: 「秘密★1年」 arrives as "ÃØÃÜ¡ï1Äê"). Only a string made entirely of code points up
 * to U+00FF, some of them above U+007F, is a candidate; it is kept when it does not read better.
 */
export function repairLatin1Mojibake(s: string): string {
  if (!/[\u0080-\u00ff]/.test(s) || [...s].some((c) => c.codePointAt(0)! > 0xff)) return s;
  const fixed = decodeFileName(Buffer.from(s, "latin1"));
  return replacementCount(fixed) === 0 && cjkCount(fixed) > 0 ? fixed : s;
}

/** tesseract and some PDF producers put spaces between CJK characters; remove those only. */
export function normaliseCjkSpacing(s: string): string {
  return s.replace(/([\u3000-\u303f\u3400-\u9fff\uff00-\uffef])[ \t]+(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])/g, "$1");
}

/** Collapses runs of blank lines and trailing spaces; keeps paragraphs. */
export function tidyText(s: string): string {
  return s
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\u00a0]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Deepest element nesting converted to text. html-to-text walks the tree recursively and
 * overflows the call stack at about 2,000 levels ("Maximum call stack size exceeded", which was
 * reported as 「邮件格式无法解析」 though the MIME was fine); htmlparser2's parse alone is
 * quadratic in the depth. Real markup stays far below this: Chromium's parser flattens anything
 * nested deeper than 512 levels.
 */
export const MAX_HTML_DEPTH = 1000;

// Elements that hold no content, and elements a parser closes implicitly when a sibling opens
// (li after li, td after td): neither opens a level that nests.
const VOID_OR_IMPLIED = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rt", "rp"]);

/**
 * The nesting depth of HTML elements in one linear pass, stopping once past `stopAt`: a start
 * tag opens a level (unless void or implied-end), an end tag closes down to the
 * nearest open element of its name and is ignored otherwise; comments are skipped.
 */
export function htmlNestingDepth(html: string, stopAt = Infinity): number {
  const stack: string[] = [];
  const open = new Map<string, number>();
  let max = 0;
  // [^<>]: a scan from one "<" stops at the next, so the pass stays linear on "<<<<…".
  const tag = /<(!--|\/?)([A-Za-z][A-Za-z0-9:_-]*)?[^<>]*>/g;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    if (m[1] === "!--") {
      const end = html.indexOf("-->", m.index + 4);
      if (end < 0) break;
      tag.lastIndex = end + 3;
      continue;
    }
    const name = m[2]?.toLowerCase();
    if (!name || VOID_OR_IMPLIED.has(name)) continue;
    if (m[1] === "/") {
      if (!open.get(name)) continue;
      while (stack.length) {
        const top = stack.pop()!;
        open.set(top, open.get(top)! - 1);
        if (top === name) break;
      }
      continue;
    }
    // In HTML mode a trailing "/" closes nothing (htmlparser2 as html-to-text uses it): <div/> nests.
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
    if (stack.length > max && (max = stack.length) > stopAt) return max;
  }
  return max;
}

/**
 * HTML → text, the gateway's own conversion for every HTML it reads (mail bodies, HTML
 * attachments, DOCX through mammoth): no link targets ("[javascript:…]", tracking URLs), no
 * image URLs, no scripts or styles, and tables kept as tables in the text form of tables.ts.
 */
export function htmlToText(html: string): string {
  const depth = htmlNestingDepth(html, MAX_HTML_DEPTH);
  if (depth > MAX_HTML_DEPTH) throw new GatewayError("HTML_TOO_DEEP", `HTML 元素嵌套超过 ${MAX_HTML_DEPTH} 层，无法转换为文字（邮件结构本身无误）`);
  return tidyText(
    convert(html, {
      wordwrap: false,
      formatters: { pipeTable: formatPipeTable },
      selectors: [
        { selector: "a", options: { ignoreHref: true } },
        { selector: "img", format: "skip" },
        { selector: "table", format: "pipeTable" },
        { selector: "style", format: "skip" },
        { selector: "script", format: "skip" },
        { selector: "head", format: "skip" },
        { selector: "h1", options: { uppercase: false } },
        { selector: "h2", options: { uppercase: false } },
        { selector: "h3", options: { uppercase: false } },
      ],
    }),
  );
}

type Walk = Parameters<FormatCallback>[1];
type Builder = Parameters<FormatCallback>[2];
interface HtmlNode {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: HtmlNode[];
}

/** html-to-text's data-table walk with the gateway's text form of a table (see tables.ts). */
function formatPipeTable(elem: unknown, walk: Walk, builder: Builder): void {
  const table = elem as HtmlNode;
  builder.openTable();
  const cell = (node: HtmlNode) => {
    builder.openTableCell();
    walk((node.children ?? []) as never, builder);
    builder.closeTableCell({ colspan: Number(node.attribs?.colspan) || 1, rowspan: 1 });
  };
  const walkTable = (node: HtmlNode) => {
    if (node.type !== "tag") return;
    if (["thead", "tbody", "tfoot"].includes(node.name ?? "")) return node.children?.forEach(walkTable);
    if (node.name !== "tr") return;
    builder.openTableRow();
    for (const c of node.children ?? []) if (c.type === "tag" && (c.name === "td" || c.name === "th")) cell(c);
    builder.closeTableRow();
  };
  table.children?.forEach(walkTable);
  builder.closeTable({
    leadingLineBreaks: 2,
    trailingLineBreaks: 2,
    tableToString: (rows) => tableToText(rows.map((r) => r.flatMap((c) => [c.text, ...Array.from({ length: Math.max(0, (c.colspan ?? 1) - 1) }, () => "")]))),
  });
}

/** Characters that carry content: CJK, Latin letters and digits (page markers of pdf-parse not counted). */
export function meaningfulChars(s: string): number {
  return cjkCount(s) + (s.replace(/--\s*\d+\s*of\s*\d+\s*--/g, "").match(/[A-Za-z0-9]/g)?.length ?? 0);
}
