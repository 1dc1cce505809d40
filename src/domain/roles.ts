// Roles and what each may do (least privilege, Art. 3, 9).
export const Role = {
  infoAdmin: "info_admin", // 信息管理员 of a division: triage, edit, send for review, publish
  divisionHead: "division_head", // 处长/局长/主任: reviews the division's items
  leader: "leader", // 办领导: reviews important items of any division
  infoCentre: "info_centre", // 信息中心: units, users, rules, statistics
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const roleLabel: Record<Role, string> = {
  info_admin: "信息管理员",
  division_head: "处长审核",
  leader: "办领导",
  info_centre: "信息中心管理员",
};

export interface Grant {
  role: Role;
  divisionId: number | null;
}

export interface Actor {
  userId: number;
  username: string;
  displayName: string;
  personId: number | null;
  grants: Grant[];
}

export function divisionsWithRole(actor: Actor, role: Role): number[] {
  return actor.grants.filter((g) => g.role === role && g.divisionId != null).map((g) => g.divisionId as number);
}

export function hasRole(actor: Actor, role: Role): boolean {
  return actor.grants.some((g) => g.role === role);
}

/** Divisions whose queue the actor may see. Leaders and the info centre see every division. */
export function visibleDivisions(actor: Actor): number[] | "all" {
  if (hasRole(actor, Role.leader) || hasRole(actor, Role.infoCentre)) return "all";
  return [...new Set(actor.grants.filter((g) => g.divisionId != null).map((g) => g.divisionId as number))];
}
