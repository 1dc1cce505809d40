// Reference data the pipeline decides with (unit directory, routing rules), read once per run.
import type { Db } from "../db/client.js";
import type { Reference } from "./contracts.js";

export async function loadReference(db: Db): Promise<Reference> {
  const [units, columns, divisions, rules] = await Promise.all([
    db.sendingUnit.findMany({ where: { active: true }, include: { addresses: true, faxNumbers: true } }),
    db.column.findMany({ include: { divisions: true } }),
    db.division.findMany({ orderBy: { sortOrder: "asc" } }),
    db.routingRule.findMany({ where: { enabled: true } }),
  ]);
  const byEmail = new Map<string, { id: number; name: string }>();
  const byFax = new Map<string, { id: number; name: string }>();
  for (const u of units) {
    for (const a of u.addresses) byEmail.set(a.email, { id: u.id, name: u.name });
    for (const f of u.faxNumbers) byFax.set(f.number, { id: u.id, name: u.name });
  }
  return { units: { byEmail, byFax }, rules: ruleSetOf(columns, divisions, rules) };
}

type RuleRow = { kind: string; columnId: number | null; divisionId: number | null; pattern: string; isRegex: boolean; weight: number };

/** The router's rule set from the enabled rule rows (the 分拣规则 screen's dry run builds one from edited rows too). */
export function ruleSetOf(
  columns: Array<{ id: number; name: string; sharedByAll: boolean; defaultDivisionId: number | null; divisions: Array<{ divisionId: number }> }>,
  divisions: Array<{ id: number; name: string }>,
  rules: RuleRow[],
): Reference["rules"] {
  const allDivisionIds = divisions.map((d) => d.id);
  const fallback = divisions.find((d) => d.name === "综合处")?.id ?? divisions[0]?.id ?? null;
  return {
    columns: columns.map((c) => ({
      id: c.id,
      name: c.name,
      ownerIds: c.sharedByAll ? allDivisionIds : c.divisions.map((d) => d.divisionId),
      defaultDivisionId: c.defaultDivisionId,
    })),
    divisions: new Map(divisions.map((d) => [d.id, d.name])),
    columnRules: rules
      .filter((r) => r.kind === "column" && r.columnId != null)
      .map((r) => ({ columnId: r.columnId!, pattern: r.pattern, isRegex: r.isRegex, weight: r.weight })),
    divisionCues: rules
      .filter((r) => r.kind === "division" && r.divisionId != null)
      .map((r) => ({ divisionId: r.divisionId!, pattern: r.pattern, isRegex: r.isRegex, weight: r.weight })),
    importanceRules: rules.filter((r) => r.kind === "importance").map((r) => ({ pattern: r.pattern, isRegex: r.isRegex, weight: r.weight })),
    prohibitedRules: rules.filter((r) => r.kind === "prohibited").map((r) => ({ pattern: r.pattern, isRegex: r.isRegex })),
    sensitiveRules: rules.filter((r) => r.kind === "sensitive_term").map((r) => ({ pattern: r.pattern, isRegex: r.isRegex })),
    fallbackDivisionId: fallback,
  };
}
