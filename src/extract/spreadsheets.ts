// Spreadsheets as text tables: .xlsx (and WPS .et saved as Office Open XML) through the bounded
// unzip, .xls and WPS .et (BIFF8 in a compound file) through cfb and a reader of the few BIFF
// records that hold cell text. Each sheet becomes a heading line and a table (tables.ts).
// Hidden sheets are screened (Art. 10) but not put in the body. Pure: bytes + limits in.
import CFB from "cfb";
import type { Limits } from "../config/index.js";
import { extraction, type PartExtraction } from "./part.js";
import { tableToText } from "./tables.js";
import { ArchiveRefused, unzipBounded } from "./unzip.js";
import { unescapeXml, xmlText, assertNoDoctype } from "./xml.js";

interface Sheet {
  name: string;
  hidden: boolean;
  rows: string[][];
}

/** Rows and cells read from one workbook, at most this many cells in all (a sheet of a million empty styled cells is not a table). */
const MAX_CELLS = 200_000;

function sheetsToExtraction(method: PartExtraction["method"], sheets: Sheet[], filename: string): PartExtraction {
  const block = (s: Sheet) => `【工作表：${s.name}】\n${tableToText(s.rows)}`.trim();
  const visible = sheets.filter((s) => !s.hidden && s.rows.length);
  const hidden = sheets.filter((s) => s.hidden && s.rows.length);
  return extraction({
    method,
    text: visible.map(block).join("\n\n"),
    screenTexts: hidden.map((s) => ({ where: `${filename} 的隐藏工作表「${s.name}」`, text: s.rows.map((r) => r.join(" ")).join("\n") })),
  });
}

const colIndex = (ref: string) => {
  const letters = /^[A-Z]+/.exec(ref)?.[0] ?? "A";
  let n = 0;
  for (const c of letters) n = n * 26 + (c.charCodeAt(0) - 64);
  return n - 1;
};

/** .xlsx: sharedStrings + each worksheet's cells, by the workbook's sheet order and names. */
export async function xlsxText(content: Buffer, limits: Limits, filename: string): Promise<PartExtraction> {
  let entries;
  try {
    ({ entries } = await unzipBounded(content, limits.archive, { want: (n) => /^xl\/(workbook\.xml|sharedStrings\.xml|worksheets\/[^/]+\.xml|_rels\/workbook\.xml\.rels)$/.test(n) }));
  } catch (err) {
    if (err instanceof ArchiveRefused) return extraction({ method: "xlsx", status: "failed", error: `电子表格${err.message.replace(/^压缩包/, "")}` });
    throw err;
  }
  const file = (n: string) => entries.find((e) => e.name === n)?.content.toString("utf8") ?? null;
  const workbook = file("xl/workbook.xml");
  if (!workbook) return extraction({ method: "xlsx", status: "failed", error: "不是有效的电子表格（缺少 xl/workbook.xml）" });
  assertNoDoctype(workbook, "workbook.xml");
  const shared = [...(file("xl/sharedStrings.xml") ?? "").matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => xmlText(`<si>${m[1]}</si>`, "si").replace(/\n/g, " "));
  const rels = new Map([...(file("xl/_rels/workbook.xml.rels") ?? "").matchAll(/<Relationship\b[^>]*>/g)].map((m) => [/Id="([^"]+)"/.exec(m[0])?.[1] ?? "", /Target="([^"]+)"/.exec(m[0])?.[1] ?? ""]));
  let cells = 0;
  const sheets: Sheet[] = [];
  for (const m of workbook.matchAll(/<sheet\b[^>]*>/g)) {
    const name = unescapeXml(/name="([^"]*)"/.exec(m[0])?.[1] ?? "");
    const rid = /r:id="([^"]+)"/.exec(m[0])?.[1] ?? "";
    const target = (rels.get(rid) ?? "").replace(/^\/?xl\//, "").replace(/^\//, "");
    const xml = file(`xl/${target}`);
    if (!xml) continue;
    assertNoDoctype(xml, name);
    const rows: string[][] = [];
    for (const row of xml.matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
      const cellsOfRow: string[] = [];
      for (const c of row[1]!.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        if (++cells > MAX_CELLS) break;
        const attrs = c[1]!;
        const inner = c[2] ?? "";
        const type = /\bt="([^"]+)"/.exec(attrs)?.[1];
        const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
        const value = type === "s" ? (shared[Number(v)] ?? "") : type === "inlineStr" ? xmlText(inner, "is") : unescapeXml(v ?? "");
        cellsOfRow[colIndex(/\br="([A-Z]+)/.exec(attrs)?.[1] ?? String.fromCharCode(65 + Math.min(25, cellsOfRow.length)))] = value;
      }
      rows.push(Array.from(cellsOfRow, (x) => x ?? ""));
    }
    sheets.push({ name, hidden: /state="(hidden|veryHidden)"/.test(m[0]), rows });
  }
  return sheetsToExtraction("xlsx", sheets, filename);
}

// ───────────────────────────── BIFF8 (.xls, .et) ─────────────────────────────

/** A BIFF8 unicode string (XLUnicodeRichExtendedString) at pos; returns the text and the next position. */
function biffString(buf: Buffer, pos: number, cch: number): { text: string; next: number } {
  const flags = buf[pos]!;
  let p = pos + 1;
  const rich = flags & 0x08 ? buf.readUInt16LE(p) : 0;
  if (flags & 0x08) p += 2;
  const ext = flags & 0x04 ? buf.readUInt32LE(p) : 0;
  if (flags & 0x04) p += 4;
  const wide = (flags & 0x01) !== 0;
  const len = wide ? cch * 2 : cch;
  const text = wide ? buf.toString("utf16le", p, p + len) : buf.toString("latin1", p, p + len);
  return { text, next: p + len + rich * 4 + ext };
}

interface BiffRecord {
  type: number;
  data: Buffer;
  offset: number;
}

function records(stream: Buffer): BiffRecord[] {
  const out: BiffRecord[] = [];
  for (let p = 0; p + 4 <= stream.length; ) {
    const type = stream.readUInt16LE(p);
    const len = stream.readUInt16LE(p + 2);
    out.push({ type, data: stream.subarray(p + 4, p + 4 + len), offset: p });
    p += 4 + len;
  }
  return out;
}

/**
 * The shared string table: SST and its CONTINUE records. A string may be split across a
 * CONTINUE; the continued part starts with its own flags byte (8-bit or 16-bit characters).
 */
function sharedStrings(recs: BiffRecord[], i: number): string[] {
  const chunks = [recs[i]!.data];
  for (let k = i + 1; k < recs.length && recs[k]!.type === 0x003c; k++) chunks.push(recs[k]!.data);
  const count = chunks[0]!.readUInt32LE(4);
  const out: string[] = [];
  let c = 0;
  let p = 8;
  const take = (): number => {
    while (p >= chunks[c]!.length && c < chunks.length - 1) {
      c++;
      p = 0;
    }
    return c;
  };
  for (let s = 0; s < count && take() < chunks.length; s++) {
    const buf = chunks[c]!;
    if (p + 3 > buf.length) break;
    const cch = buf.readUInt16LE(p);
    let flags = buf[p + 2]!;
    p += 3;
    const rich = flags & 0x08 ? buf.readUInt16LE(p) : 0;
    if (flags & 0x08) p += 2;
    const ext = flags & 0x04 ? buf.readUInt32LE(p) : 0;
    if (flags & 0x04) p += 4;
    let text = "";
    let left = cch;
    while (left > 0) {
      const b = chunks[c]!;
      const wide = (flags & 0x01) !== 0;
      const avail = Math.floor((b.length - p) / (wide ? 2 : 1));
      const n = Math.min(left, avail);
      text += wide ? b.toString("utf16le", p, p + n * 2) : b.toString("latin1", p, p + n);
      p += wide ? n * 2 : n;
      left -= n;
      if (left > 0) {
        if (c + 1 >= chunks.length) break;
        c++;
        flags = chunks[c]![0]!;
        p = 1;
      }
    }
    // Formatting runs and extended data may cross into the next CONTINUE too.
    let skip = rich * 4 + ext;
    while (skip > 0) {
      const room = chunks[c]!.length - p;
      if (skip <= room) {
        p += skip;
        skip = 0;
      } else if (c + 1 < chunks.length) {
        skip -= room;
        c++;
        p = 0;
      } else break;
    }
    out.push(text);
  }
  return out;
}

function rkNumber(rk: number): number {
  const v = rk & 0x02 ? rk >> 2 : (() => {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(rk & 0xfffffffc, 4);
    return b.readDoubleLE(0);
  })();
  return rk & 0x01 ? v / 100 : v;
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));

/** .xls / .et (BIFF8): sheet names, shared strings, labels and numbers. Encrypted workbooks are refused. */
export function xlsText(content: Buffer, filename: string): PartExtraction {
  const cfb = CFB.read(content, { type: "buffer" });
  const entry = CFB.find(cfb, "Workbook") ?? CFB.find(cfb, "Book");
  if (!entry?.content) return extraction({ method: "xls", status: "failed", error: "不是有效的 Excel/WPS 表格（缺少 Workbook 流）" });
  const stream = Buffer.from(entry.content as Uint8Array);
  const recs = records(stream);
  if (recs.some((r) => r.type === 0x002f)) return extraction({ method: "xls", status: "failed", error: "表格已加密，无法检查内容" });
  const bounds = recs.filter((r) => r.type === 0x0085).map((r) => {
    const cch = r.data[6]!;
    return { start: r.data.readUInt32LE(0), hidden: (r.data[4]! & 0x03) !== 0, name: biffString(r.data, 7, cch).text };
  });
  const sstAt = recs.findIndex((r) => r.type === 0x00fc);
  const sst = sstAt >= 0 ? sharedStrings(recs, sstAt) : [];
  const sheets: Sheet[] = [];
  let cells = 0;
  for (const b of bounds) {
    const grid: string[][] = [];
    const put = (row: number, col: number, v: string) => {
      if (++cells > MAX_CELLS || row > 65535 || col > 255) return;
      (grid[row] ??= [])[col] = v;
    };
    let k = recs.findIndex((r) => r.offset === b.start);
    if (k < 0) continue;
    for (k++; k < recs.length && recs[k]!.type !== 0x000a; k++) {
      const { type, data } = recs[k]!;
      if (data.length < 6) continue;
      const row = data.readUInt16LE(0);
      const col = data.readUInt16LE(2);
      if (type === 0x00fd && data.length >= 10) put(row, col, sst[data.readUInt32LE(6)] ?? "");
      else if (type === 0x0204 && data.length >= 9) put(row, col, biffString(data, 8, data.readUInt16LE(6)).text);
      else if (type === 0x0203 && data.length >= 14) put(row, col, num(data.readDoubleLE(6)));
      else if (type === 0x027e && data.length >= 10) put(row, col, num(rkNumber(data.readUInt32LE(6))));
      else if (type === 0x00bd) {
        const last = data.readUInt16LE(data.length - 2);
        for (let c = col, p = 4; c <= last && p + 6 <= data.length - 2; c++, p += 6) put(row, c, num(rkNumber(data.readUInt32LE(p + 2))));
      }
    }
    sheets.push({ name: b.name, hidden: b.hidden, rows: Array.from(grid, (r) => Array.from(r ?? [], (x) => x ?? "")) });
  }
  return sheetsToExtraction("xls", sheets, filename);
}
