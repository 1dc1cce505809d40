// Who sees which drafts, and what waits for whom, as SQL: visibility is applied in the query,
// not in the template (the same rules as domain/permissions.ts canSee, for many rows at once).
import { visibleDivisions, type Actor } from "../domain/roles.js";
import { DraftStatus, OPEN_STATUSES } from "../domain/status.js";
import { inList, or, type Clause } from "./sql.js";

/** Open work (domain/status.ts) as a literal SQL list: a constant, so SQLite plans it like one. */
export const OPEN = `d.status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(", ")})`;

// Draft.sharedTriage is a generated, indexed column (migration 20261126000200): status = 'triage'
// AND (divisionId IS NULL OR unitConfirmed = 0 OR columnId IS NULL).
export const SHARED_TRIAGE = `d.sharedTriage = 1`;

export function scopeFor(actor: Actor): Clause {
  const vis = visibleDivisions(actor);
  if (vis === "all") return { sql: "1=1", params: [] };
  const parts: Clause[] = [{ sql: `d.divisionId IN ${inList(vis)}`, params: vis }];
  if (actor.grants.some((g) => g.role === "info_admin")) parts.push({ sql: SHARED_TRIAGE, params: [] });
  return or(parts);
}

export function myWork(actor: Actor): Clause {
  const parts: Clause[] = [];
  const heads = actor.grants.filter((g) => g.role === "division_head" && g.divisionId != null).map((g) => g.divisionId!);
  const admins = actor.grants.filter((g) => g.role === "info_admin" && g.divisionId != null).map((g) => g.divisionId!);
  if (heads.length) parts.push({ sql: `d.status = '${DraftStatus.divisionReview}' AND d.divisionId IN ${inList(heads)}`, params: heads });
  if (actor.grants.some((g) => g.role === "leader")) parts.push({ sql: `d.status = '${DraftStatus.leaderReview}'`, params: [] });
  if (admins.length) parts.push({ sql: `d.status IN ('${DraftStatus.triage}', '${DraftStatus.approved}') AND d.divisionId IN ${inList(admins)}`, params: admins }, { sql: SHARED_TRIAGE, params: [] });
  return or(parts);
}
