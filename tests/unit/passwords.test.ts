// The password policy: long enough, three kinds of character, not built on the username, not a
// common password even with digits or symbols around it or letters written as digits.
import { describe, expect, it } from "vitest";
import { passwordProblem } from "../../src/accounts/passwords.js";

const policy = { minLength: 12 };

describe("password policy", () => {
  it.each([
    ["Password12", "至少 12 位"],
    ["Password1234", "常见密码"], // a breached password with digits after it
    ["P@ssw0rd2026!", "常见密码"], // look-alike digits undone
    ["Woaini1314!!", "常见密码"], // from the Chinese list
    ["2026#Hebbb#2026", "常见密码"], // this office's own words
    ["Qwertyuiop12", "常见密码"],
    ["zhangwenyi2026!A", "用户名"],
    ["ZhangWenYi-2026", "用户名"],
    ["abcdefghijkl", "至少三类"],
    ["Tab\tinside-Pass1", "控制字符"],
  ])("refuses %s", (pw, why) => {
    expect(passwordProblem(pw, "zhangwenyi", policy)).toContain(why);
  });

  it.each(["Neues-Kennwort-2026", "Hs7#kQ2v!pLm", "河北编办信息2026Abc", "Lanting-Xu-Qiu-88"])("accepts %s", (pw) => {
    expect(passwordProblem(pw, "zhangwenyi", policy)).toBeNull();
  });

  it("takes the minimum length from configuration", () => {
    expect(passwordProblem("Hs7#kQ2v!pLm", "u", { minLength: 16 })).toBe("密码至少 16 位");
  });
});
