// Who may see and do what (domain/permissions.ts), as pure functions: the rules of Art. 3 and 5
// for each role, checked without a database.
import { describe, expect, it } from "vitest";
import { canSee, inSharedTriage, mayAct, type DraftAccess } from "../../src/domain/permissions.js";
import { DRAFT_ACTIONS, canStart, type DraftAction } from "../../src/domain/status.js";
import type { Actor, Grant } from "../../src/domain/roles.js";

const SHIYE = 5;
const JIANDU = 6;
const actor = (...grants: Grant[]): Actor => ({ userId: 1, username: "u", displayName: "某人", personId: null, grants });
const niulifeng = actor({ role: "info_admin", divisionId: SHIYE }); // 事业处信息管理员
const zhangcaiyan = actor({ role: "division_head", divisionId: SHIYE }); // 事业处处长
const haoqianwen = actor({ role: "info_admin", divisionId: JIANDU }); // 监督处信息管理员
const mayun = actor({ role: "leader", divisionId: null }); // 办领导
const infoCentre = actor({ role: "info_centre", divisionId: null });

const draft = (over: Partial<DraftAccess> = {}): DraftAccess => ({ status: "triage", divisionId: SHIYE, unitConfirmed: true, columnId: 1, ...over });
/** What the screen offers: actions that may start from the status and that the actor may take. */
const offered = (a: Actor, d: DraftAccess): DraftAction[] => DRAFT_ACTIONS.filter((x) => canStart(x, d.status) && mayAct(a, x, d));

describe("permissions", () => {
  it("shows a division's drafts to its people, leaders and the info centre, not to another division", () => {
    const d = draft({ status: "division_review" });
    expect([niulifeng, zhangcaiyan, mayun, infoCentre].map((a) => canSee(a, d))).toEqual([true, true, true, true]);
    expect(canSee(haoqianwen, d)).toBe(false);
  });

  it("puts a triage item with no division, an unconfirmed unit or no column in the shared triage, seen by every info administrator", () => {
    for (const d of [draft({ divisionId: null }), draft({ unitConfirmed: false }), draft({ columnId: null })]) {
      expect(inSharedTriage(d)).toBe(true);
      expect(canSee(haoqianwen, d)).toBe(true);
      expect(mayAct(haoqianwen, "triage", d)).toBe(true);
      // Triage, not the division's verbs: sending for review stays with the division's own administrator.
      expect(mayAct(haoqianwen, "send_for_review", d)).toBe(d.divisionId === JIANDU);
    }
    expect(inSharedTriage(draft({ status: "division_review", divisionId: null }))).toBe(false);
    expect(canSee(zhangcaiyan, draft({ divisionId: null }))).toBe(false);
  });

  it("offers each role only its steps of the chain", () => {
    expect(offered(niulifeng, draft())).toEqual(["send_for_review", "return_to_sender", "reject", "archive"]);
    expect(offered(zhangcaiyan, draft())).toEqual([]);
    expect(offered(zhangcaiyan, draft({ status: "division_review" }))).toEqual(["division_approve", "send_back", "reject"]);
    expect(offered(mayun, draft({ status: "division_review" }))).toEqual([]);
    expect(offered(mayun, draft({ status: "leader_review" }))).toEqual(["leader_approve", "send_back"]);
    expect(offered(niulifeng, draft({ status: "approved" }))).toEqual(["send_back", "reject", "refer_to_leader", "publish", "archive"]);
    expect(offered(haoqianwen, draft({ status: "approved" }))).toEqual([]);
    expect(offered(infoCentre, draft({ status: "approved" }))).toEqual([]);
    expect(offered(niulifeng, draft({ status: "published" }))).toEqual(["correct"]);
  });

  it("lets only the division's administrator edit, and only in triage", () => {
    expect(mayAct(niulifeng, "edit", draft())).toBe(true);
    expect(mayAct(niulifeng, "edit", draft({ status: "division_review" }))).toBe(false);
    expect(mayAct(haoqianwen, "edit", draft())).toBe(false);
    expect(mayAct(mayun, "edit", draft())).toBe(false);
  });
});
