// Approval tokens: 128 random bits in base32 (26 characters, survives every mail client's subject
// handling), stored only as sha256, bound to one review step and one approver, single use.
import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const TOKEN_IN_SUBJECT = /审批编号\s*GW-([A-Z2-7]{26})/i;

export function newToken(): string {
  const bytes = randomBytes(17); // 136 bits; 26 base32 characters carry 130 of them
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export const hashToken = (token: string) => createHash("sha256").update(token.toUpperCase()).digest("hex");

export function tokenFromSubject(subject: string): string | null {
  return TOKEN_IN_SUBJECT.exec(subject)?.[1]?.toUpperCase() ?? null;
}
