// Roles and what each may do (least privilege, Art. 3, 9), and 三员分立 (等保 2.0: the system,
// security and audit administrators are three different people, none of them an approver). The
// one place for role names, their Chinese labels and which roles may not be held together.
export const Role = {
  infoAdmin: "info_admin", // 信息管理员 of a division: triage, edit, send for review, publish
  divisionHead: "division_head", // 处长/局长/主任: reviews the division's items
  leader: "leader", // 办领导: reviews important items of any division
  infoCentre: "info_centre", // 信息中心: units, routing rules, info officers, 运行状态, statistics
  systemAdmin: "system_admin", // 系统管理员: accounts (create, reset passwords, lock, disable) — no roles
  securityAdmin: "security_admin", // 安全管理员: who holds which role, the people and their addresses
  auditAdmin: "audit_admin", // 审计管理员: reads and verifies the audit trail, changes nothing
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const roleLabel: Record<Role, string> = {
  info_admin: "信息管理员",
  division_head: "处长审核",
  leader: "办领导",
  info_centre: "信息中心管理员",
  system_admin: "系统管理员",
  security_admin: "安全管理员",
  audit_admin: "审计管理员",
};

/** What each role is for, as the people screen explains it. */
export const roleDuty: Record<Role, string> = {
  info_admin: "本处室稿件的分拣、编辑、送审、发布",
  division_head: "本处室稿件的处长审核（网页或邮件回复）",
  leader: "重要信息的办领导审核（网页或邮件回复）",
  info_centre: "报送单位、分拣规则、信息员、运行状态",
  system_admin: "账号的新建、停用、解锁和密码重置（不能授予角色）",
  security_admin: "授予和收回角色、维护人员及其登记邮箱（不能修改自己的角色）",
  audit_admin: "查阅和核验审计记录（不能修改任何数据）",
};

/** Roles scoped to one division (granted per division). */
export const DIVISIONAL_ROLES: readonly Role[] = [Role.infoAdmin, Role.divisionHead];
/** 三员: the three administrators, each a different person. */
export const ADMINISTRATOR_ROLES: readonly Role[] = [Role.systemAdmin, Role.securityAdmin, Role.auditAdmin];
/** Roles that approve items (fill a box of the 审批表). */
export const APPROVER_ROLES: readonly Role[] = [Role.divisionHead, Role.leader];

export const isRole = (s: string): s is Role => Object.prototype.hasOwnProperty.call(roleLabel, s);

/**
 * Why this set of grants may not be held by one person (三员分立), or null. One administrator role
 * at most, and none beside an approver role: whoever manages accounts, roles or the audit trail
 * must not also approve what is published.
 */
export function grantsProblem(grants: ReadonlyArray<{ role: Role; divisionId: number | null }>): string | null {
  const roles = new Set(grants.map((g) => g.role));
  const admins = ADMINISTRATOR_ROLES.filter((r) => roles.has(r));
  if (admins.length > 1) return `三员分立：${admins.map((r) => roleLabel[r]).join("、")}须由不同的人担任`;
  const approver = APPROVER_ROLES.find((r) => roles.has(r));
  if (admins.length === 1 && approver) return `三员分立：${roleLabel[admins[0]!]}不能同时担任${roleLabel[approver]}`;
  for (const g of grants) {
    if (DIVISIONAL_ROLES.includes(g.role) && g.divisionId == null) return `${roleLabel[g.role]}须指定处室`;
    if (!DIVISIONAL_ROLES.includes(g.role) && g.divisionId != null) return `${roleLabel[g.role]}不按处室授予`;
  }
  return null;
}

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
