// Text helpers shared by the extractors: charset sniffing, HTML → text, whitespace.
import iconv from "iconv-lite";
import { convert } from "html-to-text";

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/g;

export function cjkCount(s: string): number {
  return s.match(CJK)?.length ?? 0;
}

export function replacementCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "\ufffd") n++;
  return n;
}

/** Decodes bytes whose charset is unknown: UTF-8 when valid, else GB18030 (a superset of GBK and GB2312). */
export function decodeUnknown(buf: Buffer): { text: string; charset: string } {
  const utf8 = buf.toString("utf8");
  if (replacementCount(utf8) === 0) return { text: utf8.replace(/^\ufeff/, ""), charset: "utf-8" };
  return { text: iconv.decode(buf, "gb18030"), charset: "gb18030" };
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

export function htmlToText(html: string): string {
  return tidyText(
    convert(html, {
      wordwrap: false,
      selectors: [
        { selector: "a", options: { ignoreHref: true } },
        { selector: "img", format: "skip" },
        { selector: "table", format: "dataTable" },
        { selector: "style", format: "skip" },
        { selector: "script", format: "skip" },
      ],
    }),
  );
}

/** Characters that carry content: CJK, Latin letters and digits (page markers of pdf-parse not counted). */
export function meaningfulChars(s: string): number {
  return cjkCount(s) + (s.replace(/--\s*\d+\s*of\s*\d+\s*--/g, "").match(/[A-Za-z0-9]/g)?.length ?? 0);
}
