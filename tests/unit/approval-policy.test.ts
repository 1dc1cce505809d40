// 运行状态's account of the approval policy: a warning exactly when replies are trusted on From
// alone, and when mail goes to the development outbox instead of SMTP.
import { describe, expect, it } from "vitest";
import { approvalPolicy } from "../../src/approvals/policy.js";

const base = { outboxDir: "/srv/gateway/outbox", smtpUrl: undefined as string | undefined };

describe("approval policy on 运行状态", () => {
  it("warns when replies are trusted on From alone, and about the development outbox", () => {
    const lines = approvalPolicy({ ...base, approvals: { tokenHours: 168, dkim: "off", trustedAuthservId: null } });
    expect(lines.filter((l) => l.warning).map((l) => l.label)).toEqual(["DKIM 校验（APPROVAL_DKIM）", "发信方式"]);
    expect(lines[0]!.warning).toContain("仅凭发件地址（From）");
  });

  it("has no warning with DKIM required, a trusted authserv-id and SMTP", () => {
    const lines = approvalPolicy({ ...base, smtpUrl: "smtp://mx.hebbb.example", approvals: { tokenHours: 168, dkim: "required", trustedAuthservId: "mx.hebbb.example" } });
    expect(lines.some((l) => l.warning)).toBe(false);
    expect(lines[1]!.value).toContain("mx.hebbb.example：仅采信最上方、且全信唯一带此标识的 Authentication-Results");
  });
});
