// Who may see and do what with a draft: pure functions of the actor's grants and the four draft
// columns visibility depends on. The services check them before every change (hiding a button is
// not enough), the read model before showing anything, the screen to offer only what is allowed.
import type { DraftAction } from "./status.js";
import { divisionsWithRole, hasRole, Role, visibleDivisions, type Actor } from "./roles.js";

/** What permissions look at: enough to decide without loading a draft's text. */
export interface DraftAccess {
  status: string;
  divisionId: number | null;
  unitConfirmed: boolean;
  columnId: number | null;
}

/**
 * Shared triage: items whose unit, column or division still needs a person. The same rule is
 * the generated, indexed column Draft.sharedTriage (migration 20261126000200) the queue filters on.
 */
export function inSharedTriage(d: DraftAccess): boolean {
  return d.status === "triage" && (d.divisionId == null || !d.unitConfirmed || d.columnId == null);
}

export function canSee(actor: Actor, d: DraftAccess): boolean {
  const vis = visibleDivisions(actor);
  if (vis === "all") return true;
  if (d.divisionId != null && vis.includes(d.divisionId)) return true;
  return hasRole(actor, Role.infoAdmin) && inSharedTriage(d);
}

/** 信息管理员 of the draft's division. */
export function isInfoAdminOf(actor: Actor, d: Pick<DraftAccess, "divisionId">): boolean {
  return d.divisionId != null && divisionsWithRole(actor, Role.infoAdmin).includes(d.divisionId);
}

/** Who may start which action on this draft. Hiding a button is not enough: this is the check. */
export function mayAct(actor: Actor, action: DraftAction | "edit" | "triage", d: DraftAccess): boolean {
  switch (action) {
    case "triage":
      return d.status === "triage" && (isInfoAdminOf(actor, d) || (hasRole(actor, Role.infoAdmin) && inSharedTriage(d)));
    case "edit":
      return d.status === "triage" && isInfoAdminOf(actor, d);
    case "send_for_review":
    case "return_to_sender":
    case "publish":
    case "refer_to_leader":
    case "archive":
    case "reopen":
    case "correct":
      return isInfoAdminOf(actor, d);
    case "reject":
      return isInfoAdminOf(actor, d) || (d.status === "division_review" && divisionsWithRole(actor, Role.divisionHead).includes(d.divisionId ?? -1));
    case "division_approve":
      return d.divisionId != null && divisionsWithRole(actor, Role.divisionHead).includes(d.divisionId);
    case "leader_approve":
      return hasRole(actor, Role.leader);
    case "send_back":
      if (d.status === "division_review") return divisionsWithRole(actor, Role.divisionHead).includes(d.divisionId ?? -1);
      if (d.status === "leader_review") return hasRole(actor, Role.leader);
      return isInfoAdminOf(actor, d);
  }
}
