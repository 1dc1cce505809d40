// The fax machine's header line: what the sending machine prints across the top of every page
// (its TTI — "transmitting terminal identification" — or the CSID of a fax service), e.g.
//   NOV-18-2026 09:12 FROM: +86 312 3051234 T0: 0311 87801234 P.01/03
//   2026-11-18 09:12  保定市编办  0312-3051234  第1页
// It is metadata of the transmission (when, from which number, which page), never the title
// or the first line of the body. OCR misreads it freely (T0 for TO, l for 1), so the line is
// recognised by its parts: a time of day and at least one of a FROM/TO/FAX label, a page mark,
// or a fax-length number, on a line that is mostly not Chinese text.

const TIME = /(?:^|[^\d])([01]?\d|2[0-3])\s*[:：.]\s*[0-5]\d(?!\d)/;
const LABEL = /\b(?:FROM|FRON|FR0M|T[O0]|FAX|TEL|PAGE|P\s*\.\s*\d|ID)\b|发件|传真|第\s*\d+\s*页|P\d{2,3}\b/i;
const NUMBER = /\+?\d[\d\s\-–()（）]{6,}\d/;
const DATE = /\b(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[-\s./]*\d{1,2}[-\s./,]*\d{2,4}\b|\b\d{4}[-/.年]\s*\d{1,2}[-/.月]\s*\d{1,2}日?|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b/i;
const CJK = /[\u3400-\u9fff]/g;

export function isFaxHeaderLine(line: string): boolean {
  const l = line.trim();
  if (l.length < 12 || l.length > 160) return false;
  if (!TIME.test(l)) return false;
  const cjk = l.match(CJK)?.length ?? 0;
  if (cjk > 16 || cjk / l.replace(/\s/g, "").length > 0.5) return false;
  const signs = [LABEL.test(l), NUMBER.test(l), DATE.test(l)].filter(Boolean).length;
  return signs >= 2;
}

/**
 * Removes fax header lines from the top of each page (the first two non-empty lines after the
 * start or a page break) and returns them. Lines further down are left alone: a body line is
 * not a header line just because it holds a time and a number.
 */
export function splitFaxHeaders(text: string): { text: string; headers: string[] } {
  const headers: string[] = [];
  const pages = text.split(/\n{2,}(?=\S)|\f/);
  // Pages are joined with blank lines by the OCR; paragraphs too. Check the first lines of each block.
  const out = pages.map((block) => {
    const lines = block.split("\n");
    let seen = 0;
    for (let i = 0; i < lines.length && seen < 2; i++) {
      if (!lines[i]!.trim()) continue;
      seen++;
      if (isFaxHeaderLine(lines[i]!)) {
        headers.push(lines[i]!.trim());
        lines.splice(i, 1);
        i--;
      }
    }
    return lines.join("\n");
  });
  return { text: out.join("\n\n").replace(/^\n+/, ""), headers };
}
