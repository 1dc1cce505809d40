// The shapes an approval token takes in text the gateway keeps or shows (security review H2).
import { describe, expect, it } from "vitest";
import { redactDeep, redactTokens, tokensIn } from "../../src/domain/token-shape.js";

const T = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

describe("token-shaped text", () => {
  it("is redacted whole, in full width, with a space after the dash, in lower case, and as a fragment a reason cut off", () => {
    for (const s of [`审批编号 GW-${T}`, `审批编号 ＧＷ－${T.normalize("NFKC")}`, `GW- ${T}`, `gw-${T.toLowerCase()}`, `主题“自动回复: 【待审核】… [审批编号 GW-ABCDE`, `ＧＷ－ＡＢＣＤ`]) {
      const out = redactTokens(s);
      expect(out, s).toContain("GW-〔已隐去〕");
      expect(out, s).not.toMatch(/[A-Z2-7Ａ-Ｚ]{4,}$/);
    }
  });
  it("leaves ordinary text and paths alone, and the placeholder as it is", () => {
    expect(redactTokens("gw-test-abc/数据")).toBe("gw-test-abc/数据");
    expect(redactTokens("GW-〔已隐去〕")).toBe("GW-〔已隐去〕");
  });
  it("is redacted inside audit details at any depth", () => {
    expect(redactDeep({ a: [`x GW-${T}`], b: { c: `GW-${T}` }, n: 1 })).toEqual({ a: ["x GW-〔已隐去〕"], b: { c: "GW-〔已隐去〕" }, n: 1 });
  });
  it("finds whole tokens in any width for the exposure check, not fragments", () => {
    expect(tokensIn([`ＧＷ－${T}`, `gw-${T.toLowerCase()}`, "GW-ABCDE", `GW-${T}7`])).toEqual([T]);
  });
});
