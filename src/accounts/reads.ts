// Read side of the accounts, people and audit screens: one function per screen.
import type { Db } from "../db/client.js";
import { APPROVER_ROLES } from "../domain/roles.js";

export class AccountReads {
  constructor(private readonly db: Db) {}

  /** 账号 (system administrator): every account, its state and the person it belongs to; no roles to edit. */
  async accounts() {
    const [users, people] = await Promise.all([
      this.db.user.findMany({ orderBy: { username: "asc" }, include: { grants: { include: { division: true } }, person: true } }),
      this.db.person.findMany({ where: { user: null }, orderBy: { id: "asc" } }),
    ]);
    return { users, peopleWithoutAccount: people };
  }

  /** 人员与角色 (security administrator): the people of Attachments 1/2, their accounts and roles. */
  async people() {
    const [people, divisions, unlinked] = await Promise.all([
      this.db.person.findMany({ orderBy: [{ divisionId: "asc" }, { id: "asc" }], include: { division: true, headOf: true, user: { include: { grants: { include: { division: true } } } } } }),
      this.db.division.findMany({ orderBy: { sortOrder: "asc" } }),
      this.db.user.findMany({ where: { personId: null }, orderBy: { username: "asc" }, include: { grants: { include: { division: true } } } }),
    ]);
    return { people, divisions, unlinked, missing: await approversWithoutAddress(this.db) };
  }
}

/**
 * Approvers from whom no approval by reply can come, and to whom no request can go: the division
 * heads and office leaders of Attachments 1/2, and every account with an approver role, whose
 * person has no registered address (or which belongs to no person). 运行状态 and the people
 * screen warn while this list is not empty.
 */
export async function approversWithoutAddress(db: Db): Promise<Array<{ name: string; why: string }>> {
  const [people, accounts] = await Promise.all([
    db.person.findMany({ where: { email: null, OR: [{ headOf: { some: {} } }, { leaderRank: { not: null } }, { user: { grants: { some: { role: { in: [...APPROVER_ROLES] } } } } }] }, include: { headOf: true } }),
    db.user.findMany({ where: { personId: null, disabled: false, grants: { some: { role: { in: [...APPROVER_ROLES] } } } } }),
  ]);
  return [
    ...people.map((p) => ({ name: p.name, why: p.headOf.length ? `${p.headOf.map((d) => d.name).join("、")}责任人，未登记邮箱` : "审核人，未登记邮箱" })),
    ...accounts.map((u) => ({ name: `${u.displayName}（${u.username}）`, why: "有审核角色的账号未关联人员，无法通过邮件审批" })),
  ];
}
