// The password policy (Art. 8; 等保 2.0 身份鉴别: 口令具有复杂度要求). A password must be long
// (PASSWORD_MIN_LENGTH, default 12), of three of the four kinds of character, not the username or
// built on it, and not a common password — checked against zxcvbn's list of 49k passwords seen in
// breaches and a list of our own (common-passwords.zh.txt), also when digits or symbols are added
// around it or letters are written as look-alike digits (P@ssw0rd).
import fs from "node:fs";
import { dictionary } from "@zxcvbn-ts/language-common";

let common: Set<string> | null = null;

/** Loaded on first use (about 50k words, a few milliseconds): most processes never check a password. */
function commonPasswords(): Set<string> {
  if (common) return common;
  const ours = fs
    .readFileSync(new URL("./common-passwords.zh.txt", import.meta.url), "utf8")
    .split("\n")
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l && !l.startsWith("#"));
  common = new Set([...dictionary["passwords-common"].map((p) => p.toLowerCase()), ...ours]);
  return common;
}

const LOOK_ALIKES: Record<string, string> = { "@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t", "8": "b", "9": "g" };

/** The forms a guesser would try: as typed, without what was added around it, with look-alikes undone. */
function variants(pw: string): string[] {
  // Only ASCII digits, symbols and spaces count as "added around it": Chinese characters are part
  // of a password's core (编办信息2026Abc is not "abc").
  const strip = (s: string) => s.replace(/^[\x20-\x40\x5b-\x60\x7b-\x7e]+|[\x20-\x40\x5b-\x60\x7b-\x7e]+$/g, "");
  const plain = (s: string) => s.replace(/[@401!3$5789]/g, (c) => LOOK_ALIKES[c] ?? c);
  const lower = pw.toLowerCase();
  return [...new Set([lower, strip(lower), plain(lower), strip(plain(lower)), plain(strip(lower))])].filter((v) => v.length > 0);
}

export interface PasswordPolicy {
  minLength: number;
}

/** Why this password may not be used, in Chinese, or null when it may. */
export function passwordProblem(pw: string, username: string, policy: PasswordPolicy): string | null {
  if ([...pw].length < policy.minLength) return `密码至少 ${policy.minLength} 位`;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/u.test(pw)) return "密码不能包含控制字符";
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(pw)).length;
  if (classes < 3) return "密码须包含大写字母、小写字母、数字、符号中的至少三类";
  const name = username.trim().toLowerCase();
  const forms = variants(pw);
  if (name && forms.some((v) => v === name || (name.length >= 3 && v.includes(name)))) return "密码不能是用户名，也不能包含用户名";
  const list = commonPasswords();
  if (forms.some((v) => list.has(v))) return "该密码属于常见密码（易被猜中），请换一个";
  return null;
}
