// Reference data from the seed regulation (Attachments 1, 2), the routing rules and the unit
// registry. Every loader is idempotent: running it again updates, never duplicates.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import type { Db } from "../db/client.js";
import { audit } from "../audit/audit.js";
import { normaliseAddress } from "../extract/mime.js";
import { normaliseFax } from "../identify/unit.js";

export const seedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/seed");

interface ReferenceFile {
  columns: Array<{ name: string; sharedByAll?: boolean; defaultDivision?: string }>;
  divisions: Array<{ name: string; fullName: string; columns: string[]; head: string; infoAdmins: string[] }>;
  leaders: Array<{ name: string; title: string; rank: string }>;
  managementGroup: { leader: string; deputyLeader: string; members: string[] };
  infoCentreAdmins: string[];
}

interface RulesFile {
  columnRules: Array<{ column: string; patterns: string[]; weight: number }>;
  divisionCues: Array<{ division: string; patterns: string[]; weight: number }>;
  importanceRules: Array<{ patterns: string[]; weight: number }>;
  prohibitedContent: { patterns: string[] };
  sensitiveTerms?: { patterns: string[] };
}

const readJson = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(seedDir, name), "utf8")) as T;

export async function seedReference(db: Db): Promise<void> {
  const ref = readJson<ReferenceFile>("reference.json");
  await db.$transaction(async (tx) => {
    for (const [i, c] of ref.columns.entries())
      await tx.column.upsert({ where: { name: c.name }, create: { name: c.name, sortOrder: i, sharedByAll: !!c.sharedByAll }, update: { sortOrder: i, sharedByAll: !!c.sharedByAll } });
    const personId = new Map<string, number>();
    const ensurePerson = async (name: string, data: { title?: string; leaderRank?: string; divisionId?: number; inGroup?: string }) => {
      const existing = personId.get(name) ?? (await tx.person.findFirst({ where: { name } }))?.id;
      const row = existing
        ? await tx.person.update({ where: { id: existing }, data: { ...data } })
        : await tx.person.create({ data: { name, ...data } }); // no address: entered on the people screen (demo: seedDemoUsers)
      personId.set(name, row.id);
      return row.id;
    };
    for (const [i, d] of ref.divisions.entries()) {
      const div = await tx.division.upsert({ where: { name: d.name }, create: { name: d.name, fullName: d.fullName, sortOrder: i }, update: { fullName: d.fullName, sortOrder: i } });
      const headId = await ensurePerson(d.head, { title: "处长", divisionId: div.id });
      await tx.division.update({ where: { id: div.id }, data: { headId } });
      for (const admin of d.infoAdmins) if (!personId.has(admin)) await ensurePerson(admin, { title: "信息管理员", divisionId: div.id });
      for (const colName of d.columns) {
        const col = await tx.column.findUniqueOrThrow({ where: { name: colName } });
        await tx.divisionColumn.upsert({ where: { divisionId_columnId: { divisionId: div.id, columnId: col.id } }, create: { divisionId: div.id, columnId: col.id }, update: {} });
      }
    }
    for (const c of ref.columns) {
      if (!c.defaultDivision) continue;
      const div = await tx.division.findUniqueOrThrow({ where: { name: c.defaultDivision } });
      await tx.column.update({ where: { name: c.name }, data: { defaultDivisionId: div.id } });
    }
    for (const l of ref.leaders) await ensurePerson(l.name, { title: l.title, leaderRank: l.rank });
    const g = ref.managementGroup;
    await ensurePerson(g.leader, { inGroup: "leader" });
    await ensurePerson(g.deputyLeader, { inGroup: "deputy_leader", title: "信息中心主任" });
    for (const m of g.members) await ensurePerson(m, { inGroup: "member" });
  });
  await seedRules(db);
}

/** Loads routing-rules.json once: rules edited in the web screen afterwards are not overwritten. */
export async function seedRules(db: Db): Promise<void> {
  if ((await db.routingRule.count()) > 0) return;
  const rules = readJson<RulesFile>("routing-rules.json");
  const columns = new Map((await db.column.findMany()).map((c) => [c.name, c.id]));
  const divisions = new Map((await db.division.findMany()).map((d) => [d.name, d.id]));
  const data = [
    ...rules.columnRules.flatMap((r) => {
      const columnId = columns.get(r.column);
      if (columnId == null) throw new Error(`routing-rules.json: unknown column ${r.column}`);
      return r.patterns.map((pattern) => ({ kind: "column", columnId, pattern, weight: r.weight }));
    }),
    ...rules.divisionCues.flatMap((r) => {
      const divisionId = divisions.get(r.division);
      if (divisionId == null) throw new Error(`routing-rules.json: unknown division ${r.division}`);
      return r.patterns.map((pattern) => ({ kind: "division", divisionId, pattern, weight: r.weight }));
    }),
    ...rules.importanceRules.flatMap((r) => r.patterns.map((pattern) => ({ kind: "importance", pattern, weight: r.weight }))),
    ...rules.prohibitedContent.patterns.map((pattern) => ({ kind: "prohibited", pattern, weight: 1 })),
    ...(rules.sensitiveTerms?.patterns ?? []).map((pattern) => ({ kind: "sensitive_term", pattern, weight: 1 })),
  ];
  await db.routingRule.createMany({ data });
}

export interface UnitImportReport {
  created: string[];
  updated: string[];
  problems: string[];
}

/**
 * Imports the unit registry CSV `name,region_code,parent,emails,fax_numbers` (emails and fax
 * numbers separated by `;`; parent is the parent unit's name or empty). Same name = update; the
 * unit's addresses and fax numbers become exactly those of the file. All or nothing.
 */
export async function importUnits(db: Db, csvText: string, actor = "system:import"): Promise<UnitImportReport> {
  const rows = parse(csvText.replace(/^\ufeff/, ""), { columns: true, skip_empty_lines: true, trim: true }) as Array<Record<string, string>>;
  const report: UnitImportReport = { created: [], updated: [], problems: [] };
  const required = ["name", "region_code", "parent", "emails", "fax_numbers"];
  const header = rows.length ? Object.keys(rows[0]!) : required;
  for (const col of required) if (!header.includes(col)) report.problems.push(`缺少列 ${col}`);
  const seenEmail = new Map<string, string>();
  const seenFax = new Map<string, string>();
  const parsed = rows.map((r, i) => {
    const line = i + 2;
    const name = (r.name ?? "").trim();
    if (!name) report.problems.push(`第 ${line} 行：name 为空`);
    const emails = (r.emails ?? "").split(";").map((e) => e.trim()).filter(Boolean).map((e) => {
      const n = normaliseAddress(e);
      if (!n) report.problems.push(`第 ${line} 行：邮箱「${e}」无效`);
      else if (seenEmail.has(n) && seenEmail.get(n) !== name) report.problems.push(`第 ${line} 行：邮箱 ${n} 同时属于「${seenEmail.get(n)}」`);
      else seenEmail.set(n, name);
      return n;
    }).filter((e): e is string => !!e);
    const faxes = (r.fax_numbers ?? "").split(";").map((f) => f.trim()).filter(Boolean).map((f) => {
      const n = normaliseFax(f);
      if (!n) report.problems.push(`第 ${line} 行：传真号码「${f}」无效`);
      else if (seenFax.has(n) && seenFax.get(n) !== name) report.problems.push(`第 ${line} 行：传真 ${f} 同时属于「${seenFax.get(n)}」`);
      else seenFax.set(n, name);
      return n ? { number: n, display: f } : null;
    }).filter((f): f is { number: string; display: string } => !!f);
    return { name, regionCode: (r.region_code ?? "").trim() || null, parent: (r.parent ?? "").trim() || null, emails, faxes };
  });
  const names = new Set(parsed.map((p) => p.name));
  for (const p of parsed) if (p.parent && !names.has(p.parent) && !(await db.sendingUnit.findUnique({ where: { name: p.parent } })))
    report.problems.push(`「${p.name}」的上级单位「${p.parent}」不存在`);
  if (report.problems.length) return report;

  await db.$transaction(async (tx) => {
    for (const p of parsed) {
      const existing = await tx.sendingUnit.findUnique({ where: { name: p.name } });
      const unit = existing
        ? await tx.sendingUnit.update({ where: { id: existing.id }, data: { regionCode: p.regionCode } })
        : await tx.sendingUnit.create({ data: { name: p.name, regionCode: p.regionCode } });
      (existing ? report.updated : report.created).push(p.name);
      await tx.unitAddress.deleteMany({ where: { unitId: unit.id, source: "registry", email: { notIn: p.emails } } });
      for (const email of p.emails) {
        const owner = await tx.unitAddress.findUnique({ where: { email } });
        if (owner && owner.unitId !== unit.id) await tx.unitAddress.delete({ where: { id: owner.id } });
        if (!owner || owner.unitId !== unit.id) await tx.unitAddress.create({ data: { unitId: unit.id, email, source: "registry" } });
      }
      await tx.unitFax.deleteMany({ where: { unitId: unit.id, number: { notIn: p.faxes.map((f) => f.number) } } });
      for (const f of p.faxes)
        await tx.unitFax.upsert({ where: { number: f.number }, create: { unitId: unit.id, ...f }, update: { unitId: unit.id, display: f.display } });
    }
    for (const p of parsed) {
      const parentId = p.parent ? (await tx.sendingUnit.findUniqueOrThrow({ where: { name: p.parent } })).id : null;
      await tx.sendingUnit.update({ where: { name: p.name }, data: { parentId } });
    }
    await audit(tx, { actor, action: "units.import", entityType: "unit", detail: { created: report.created.length, updated: report.updated.length } });
  });
  return report;
}
