// The 通报 of Art. 6: what each city/county office submitted and had published in a period, and
// each division's work, written as the information centre sends it — with its 文号 and date —
// for print, and as a Word document (.docx) that Word and WPS open for the last edits before it
// is sent. One description of the document feeds both, so the printed page and the file say the
// same thing. Only units whose items are confirmed are ranked (stats.ts).
import * as docxModule from "docx";
import { formatDay } from "../domain/time.js";
import { neutraliseCell } from "../util/display-text.js";
import type { Statistics } from "./stats.js";

// docx 9 ships its types with extension-less re-exports ('./file') that TypeScript's NodeNext
// resolution cannot follow, so every name reads as missing. The few parts used here, typed as
// the package documents them; the runtime is the package's own ESM build.
type Align = "left" | "center" | "right";
interface Paragraph {
  readonly kind?: "paragraph";
}
interface Table {
  readonly kind?: "table";
}
interface DocxApi {
  AlignmentType: { LEFT: Align; CENTER: Align; RIGHT: Align };
  WidthType: { PERCENTAGE: "pct" };
  TextRun: new (o: { text: string; font: { eastAsia: string; ascii: string; hAnsi: string }; size: number; bold?: boolean }) => object;
  Paragraph: new (o: { children: object[]; alignment?: Align; indent?: { firstLine: number }; spacing?: { line?: number; before?: number } }) => Paragraph;
  TableCell: new (o: { children: Paragraph[] }) => object;
  TableRow: new (o: { children: object[]; tableHeader?: boolean }) => object;
  Table: new (o: { rows: object[]; width: { size: number; type: "pct" } }) => Table;
  Document: new (o: { creator: string; title: string; sections: Array<{ properties: { page: { margin: { top: number; bottom: number; left: number; right: number } } }; children: Array<Paragraph | Table> }> }) => object;
  Packer: { toBuffer(doc: object): Promise<Buffer> };
}
const { AlignmentType, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } = docxModule as unknown as DocxApi;

export interface BulletinFields {
  /** 文号, e.g. 冀编办信〔2026〕3号; may be left empty for a draft. */
  docNumber: string;
  /** The date the 通报 is issued. */
  date: Date;
  /** Who issues it (落款). */
  issuer: string;
}

export const DEFAULT_ISSUER = "河北省机构编制委员会办公室信息中心";

export interface BulletinTable {
  heading: string;
  header: string[];
  rows: Array<Array<string | number>>;
}

export interface Bulletin {
  title: string;
  docNumber: string;
  salutation: string;
  paragraphs: string[];
  tables: BulletinTable[];
  issuer: string;
  dateText: string;
}

/** The 通报's text and tables for a period's statistics. */
export function bulletin(s: Statistics, fields: BulletinFields): Bulletin {
  const commended = s.units.filter((u) => u.rank <= 3 && u.published > 0).map((u) => u.name);
  const paragraphs = [
    `根据《河北机构编制网管理暂行办法》第六条，现将${s.period.label}河北机构编制网信息报送和发布情况通报如下。本期共收到报送信息 ${s.totals.received} 条，采用发布 ${s.totals.published} 条，退回修改 ${s.totals.returned} 条。`,
  ];
  if (commended.length) paragraphs.push(`${commended.join("、")}信息报送及时、采用数量多，予以通报表扬。`);
  return {
    title: `关于${s.period.label}河北机构编制网信息报送情况的通报`,
    docNumber: fields.docNumber.trim(),
    salutation: "各设区市、县（市、区）编办，省编办各处（局、中心）：",
    paragraphs,
    tables: [
      { heading: "一、市县编办信息报送情况", header: ["排名", "单位", "报送", "采用", "退回"], rows: s.units.map((r) => [r.rank, r.name, r.received, r.published, r.returned]) },
      { heading: "二、省编办各处信息发布情况", header: ["排名", "处室", "收到", "发布", "退回"], rows: s.divisions.map((r) => [r.rank, r.name, r.received, r.published, r.returned]) },
    ],
    issuer: fields.issuer.trim() || DEFAULT_ISSUER,
    dateText: formatDay(fields.date),
  };
}

// Official documents (GB/T 9704): title in 小标宋 二号 (22 pt), text in 仿宋 三号 (16 pt), headings in
// 黑体. Word and WPS substitute what a machine lacks; the sizes and layout stay.
const TITLE_FONT = { eastAsia: "方正小标宋简体", ascii: "Times New Roman", hAnsi: "Times New Roman" };
const BODY_FONT = { eastAsia: "仿宋_GB2312", ascii: "Times New Roman", hAnsi: "Times New Roman" };
const HEADING_FONT = { eastAsia: "黑体", ascii: "Times New Roman", hAnsi: "Times New Roman" };
const run = (text: string, font: typeof BODY_FONT, size: number, bold = false) => new TextRun({ text, font, size: size * 2, bold });
const line = (text: string, opts: { font?: typeof BODY_FONT; size?: number; align?: Align; indent?: boolean; before?: number } = {}) =>
  new Paragraph({
    children: [run(text, opts.font ?? BODY_FONT, opts.size ?? 16)],
    alignment: opts.align,
    indent: opts.indent ? { firstLine: 640 } : undefined, // two characters of 三号
    spacing: { line: 560, before: opts.before ?? 0 }, // 28 pt line pitch
  });

function table(t: BulletinTable): Table {
  const cell = (v: string | number, head = false) =>
    new TableCell({ children: [new Paragraph({ alignment: typeof v === "number" || head ? AlignmentType.CENTER : AlignmentType.LEFT, children: [run(String(neutraliseCell(v)), head ? HEADING_FONT : BODY_FONT, 12)] })] });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [new TableRow({ tableHeader: true, children: t.header.map((h) => cell(h, true)) }), ...t.rows.map((r) => new TableRow({ children: r.map((v) => cell(v)) }))],
  });
}

/** The 通报 as a .docx file. */
export async function bulletinDocx(b: Bulletin): Promise<Buffer> {
  const children: Array<Paragraph | Table> = [];
  if (b.docNumber) children.push(line(b.docNumber, { align: AlignmentType.CENTER }));
  children.push(line(b.title, { font: TITLE_FONT, size: 22, align: AlignmentType.CENTER, before: 280 }), line(""), line(b.salutation));
  for (const p of b.paragraphs) children.push(line(p, { indent: true }));
  for (const t of b.tables) children.push(line(t.heading, { font: HEADING_FONT, indent: true, before: 200 }), table(t));
  children.push(line("", {}), line(b.issuer, { align: AlignmentType.RIGHT, before: 400 }), line(b.dateText, { align: AlignmentType.RIGHT }));
  const doc = new Document({
    creator: DEFAULT_ISSUER,
    title: b.title,
    sections: [{ properties: { page: { margin: { top: 2098, bottom: 1984, left: 1587, right: 1474 } } }, children }], // 37/35/28/26 mm (GB/T 9704)
  });
  return Packer.toBuffer(doc);
}
