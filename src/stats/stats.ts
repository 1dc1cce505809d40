// Art. 6: statistics of what each sending unit and each division submitted and got published,
// per month, quarter or year, and the annual ranking. Counted in SQL over drafts (a duplicate
// never creates a draft, and a merged duplicate is excluded, so nothing counts twice).
// Periods are calendar periods in China Standard Time. Only items whose sending unit is
// confirmed count anywhere (statistics, ranking, exports, the 通报): an item from an unregistered
// address is nobody's yet, and 「（未确认单位）」 is not a unit to rank.
import type { Db } from "../db/client.js";
import { neutraliseCell } from "../util/display-text.js";
import { GatewayError } from "../domain/errors.js";
import { chinaMonthStart } from "../domain/time.js";

export interface Period {
  key: string; // 2026, 2026-Q4, 2026-11
  label: string; // 2026年, 2026年第四季度, 2026年11月
  from: Date;
  to: Date; // exclusive
}

const cstStart = chinaMonthStart;
const QUARTER = ["一", "二", "三", "四"];

export function parsePeriod(key: string): Period {
  let m = /^(\d{4})$/.exec(key);
  if (m) {
    const y = Number(m[1]);
    return { key, label: `${y}年`, from: cstStart(y, 0), to: cstStart(y + 1, 0) };
  }
  m = /^(\d{4})-Q([1-4])$/.exec(key);
  if (m) {
    const y = Number(m[1]);
    const q = Number(m[2]);
    return { key, label: `${y}年第${QUARTER[q - 1]}季度`, from: cstStart(y, (q - 1) * 3), to: cstStart(y, q * 3) };
  }
  m = /^(\d{4})-(\d{2})$/.exec(key);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    return { key, label: `${y}年${mo}月`, from: cstStart(y, mo - 1), to: cstStart(y, mo) };
  }
  throw new GatewayError("VALIDATION", `统计期「${key}」格式应为 2026、2026-Q4 或 2026-11`);
}

export interface Row {
  id: number | null;
  name: string;
  received: number;
  published: number;
  returned: number;
  rejected: number;
  adoptionRate: number | null; // published / received
  medianHoursToPublish: number | null;
  rank: number;
}

const iso = (d: Date) => d.toISOString().replace("Z", "+00:00");

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function statsBy(db: Db, key: "unitId" | "divisionId", p: Period, names: Map<number, string>): Promise<Row[]> {
  const received = await db.$queryRawUnsafe<Array<{ k: number | null; received: number | bigint; returned: number | bigint; rejected: number | bigint }>>(
    `SELECT "${key}" AS k, count(*) AS received, sum(status = 'returned') AS returned, sum(status = 'rejected') AS rejected
       FROM Draft WHERE receivedAt >= ? AND receivedAt < ? AND duplicateOfId IS NULL AND unitConfirmed = 1 GROUP BY "${key}"`,
    iso(p.from),
    iso(p.to),
  );
  // Published in the period: the first publication of each draft (corrections are not new items).
  const published = await db.$queryRawUnsafe<Array<{ k: number | null; publishedAt: string; receivedAt: string }>>(
    `SELECT d."${key}" AS k, p.publishedAt AS publishedAt, d.receivedAt AS receivedAt
       FROM PublishedItem p JOIN Draft d ON d.id = p.draftId
      WHERE p.version = 1 AND p.publishedAt >= ? AND p.publishedAt < ? AND d.unitConfirmed = 1`,
    iso(p.from),
    iso(p.to),
  );
  const rows = new Map<number | null, Row>();
  const row = (k: number | null) => {
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { id: k, name: k == null ? "（未定处室）" : (names.get(k) ?? `#${k}`), received: 0, published: 0, returned: 0, rejected: 0, adoptionRate: null, medianHoursToPublish: null, rank: 0 }));
    return r;
  };
  for (const r of received.filter((r) => key !== "unitId" || r.k != null)) Object.assign(row(r.k), { received: Number(r.received), returned: Number(r.returned ?? 0), rejected: Number(r.rejected ?? 0) });
  const hours = new Map<number | null, number[]>();
  for (const r of published.filter((r) => key !== "unitId" || r.k != null)) {
    row(r.k).published++;
    const h = (new Date(r.publishedAt).getTime() - new Date(r.receivedAt).getTime()) / 3_600_000;
    hours.set(r.k, [...(hours.get(r.k) ?? []), h]);
  }
  const list = [...rows.values()];
  for (const r of list) {
    r.adoptionRate = r.received ? r.published / r.received : null;
    const m = median(hours.get(r.id) ?? []);
    r.medianHoursToPublish = m == null ? null : Math.round(m * 10) / 10;
  }
  // Ranking: published first, then received; equal numbers share a rank.
  list.sort((a, b) => b.published - a.published || b.received - a.received || a.name.localeCompare(b.name, "zh-CN"));
  list.forEach((r, i) => (r.rank = i > 0 && list[i - 1]!.published === r.published && list[i - 1]!.received === r.received ? list[i - 1]!.rank : i + 1));
  return list;
}

export async function statistics(db: Db, periodKey: string) {
  const period = parsePeriod(periodKey);
  const [units, divisions] = await Promise.all([db.sendingUnit.findMany(), db.division.findMany()]);
  const [unitRows, divisionRows] = await Promise.all([
    statsBy(db, "unitId", period, new Map(units.map((u) => [u.id, u.name]))),
    statsBy(db, "divisionId", period, new Map(divisions.map((d) => [d.id, d.fullName]))),
  ]);
  // Units that sent nothing still appear in the ranking (last): the bulletin names them too.
  const seen = new Set(unitRows.map((r) => r.id));
  const lastRank = unitRows.length + 1;
  for (const u of units.filter((u) => u.active && !seen.has(u.id)).sort((a, b) => (a.regionCode ?? "").localeCompare(b.regionCode ?? "")))
    unitRows.push({ id: u.id, name: u.name, received: 0, published: 0, returned: 0, rejected: 0, adoptionRate: null, medianHoursToPublish: null, rank: lastRank });
  // Said beside the figures on the statistics page, so that nobody wonders where they went.
  const [pending] = await db.$queryRawUnsafe<Array<{ n: number | bigint }>>(
    `SELECT count(*) AS n FROM Draft WHERE receivedAt >= ? AND receivedAt < ? AND duplicateOfId IS NULL AND unitConfirmed = 0`,
    iso(period.from),
    iso(period.to),
  );
  const totals = unitRows.reduce((t, r) => ({ received: t.received + r.received, published: t.published + r.published, returned: t.returned + r.returned, rejected: t.rejected + r.rejected }), { received: 0, published: 0, returned: 0, rejected: 0 });
  return { period, units: unitRows, divisions: divisionRows, totals, unconfirmed: Number(pending?.n ?? 0) };
}

export type Statistics = Awaited<ReturnType<typeof statistics>>;

const HEADER = ["排名", "名称", "报送", "采用（发布）", "退回", "不予采用", "采用率", "收到至发布中位时长（小时）"];
const cells = (r: Row) => [r.rank, r.name, r.received, r.published, r.returned, r.rejected, r.adoptionRate == null ? "" : `${(r.adoptionRate * 100).toFixed(1)}%`, r.medianHoursToPublish ?? ""];

export function toCsv(s: Statistics, which: "units" | "divisions"): string {
  const esc = (v: unknown) => {
    const t = String(neutraliseCell(v));
    return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  // BOM: Excel opens UTF-8 CSV with Chinese correctly only with it.
  return "\ufeff" + [HEADER, ...s[which].map(cells)].map((r) => r.map(esc).join(",")).join("\r\n") + "\r\n";
}

export async function toXlsx(s: Statistics): Promise<Buffer> {
  const { default: ExcelJS } = await import("exceljs");
  const wb = new ExcelJS.Workbook();
  wb.creator = "河北省编办信息报送网关";
  for (const [which, title] of [["units", "市县编办"], ["divisions", "省编办各处"]] as const) {
    const ws = wb.addWorksheet(`${title}（${s.period.label}）`);
    ws.addRow(HEADER).font = { bold: true };
    for (const r of s[which]) ws.addRow([r.rank, neutraliseCell(r.name), r.received, r.published, r.returned, r.rejected, r.adoptionRate == null ? null : Math.round(r.adoptionRate * 1000) / 1000, r.medianHoursToPublish]);
    ws.getColumn(2).width = 28;
    ws.getColumn(7).numFmt = "0.0%";
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
