// The text form of a table in a draft body: one line per row, cells between "|", the first row
// the header, a "| --- |" line under it (the Markdown pipe table, readable and editable in the
// draft's text box). HTML mail tables, DOCX tables and spreadsheets become this; the published
// page and the webhook's bodyHtml render it back as an HTML <table> (publish/body-html.ts).

/** A cell's text on one line; a "|" inside a cell becomes the full-width "｜" so the row stays a row. */
const cellText = (s: string) => s.replace(/\s*\n\s*/g, " ").replace(/\|/g, "｜").trim();

export function tableToText(rows: string[][]): string {
  const clean = rows.map((r) => r.map(cellText)).filter((r) => r.some((c) => c));
  if (!clean.length) return "";
  const width = Math.max(...clean.map((r) => r.length));
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? "").join(" | ")} |`;
  return [line(clean[0]!), `| ${Array.from({ length: width }, () => "---").join(" | ")} |`, ...clean.slice(1).map(line)].join("\n");
}

const ROW = /^\s*\|.*\|\s*$/;
const RULE = /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/;

export interface TextBlock {
  kind: "paragraph" | "table";
  /** paragraph: its lines; table: rows of cells (the rule line dropped). */
  lines: string[];
  rows: string[][];
}

/** Splits a body into paragraphs and tables (a table: two or more "|" rows, the second a rule). */
export function textBlocks(body: string): TextBlock[] {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const out: TextBlock[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.some((l) => l.trim())) out.push({ kind: "paragraph", lines: para, rows: [] });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    if (ROW.test(lines[i]!) && RULE.test(lines[i + 1] ?? "")) {
      flush();
      const rows: string[][] = [splitRow(lines[i]!)];
      i += 2;
      while (i < lines.length && ROW.test(lines[i]!)) rows.push(splitRow(lines[i++]!));
      i--;
      out.push({ kind: "table", lines: [], rows });
      continue;
    }
    if (!lines[i]!.trim()) flush();
    else para.push(lines[i]!);
  }
  flush();
  return out;
}

function splitRow(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}
