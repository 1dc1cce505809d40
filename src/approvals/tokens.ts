// Approval tokens: 130 bits in base32 (26 characters, survives every mail client's subject
// handling), bound to one review step and one approver, single use, stored only as sha256.
//
// The token is in clear only in the mail as sent. It is derived when the mail is sent, as an
// HMAC of the request's Message-ID under a key kept in DATA_DIR/approval-token.key (0600, the
// gateway's alone), so neither the database nor the stored copy of the mail holds it: the stored
// subject carries a placeholder, and a retried send derives the same token again. Whoever can
// read the outbox screen or the database file learns nothing that approves.
import { createHash, createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { REDACTED_TOKEN } from "../domain/token-shape.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const TOKEN_IN_SUBJECT = /审批编号\s*GW-([A-Z2-7]{26})/i;
/** What the stored copy of a request carries where the sent mail has the token. */
export const TOKEN_PLACEHOLDER = REDACTED_TOKEN;

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
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

export { redactTokens } from "../domain/token-shape.js";

const keys = new Map<string, Buffer>();

/**
 * The token key of a data directory, created on first use. Two gateway processes may start at
 * once: the key is written to a temporary file and linked into place, so the one that loses the
 * race reads the winner's whole key, never a half-written one.
 */
export function tokenKey(dataDir: string): Buffer {
  const file = path.join(dataDir, "approval-token.key");
  const cached = keys.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
      fs.writeSync(fd, randomBytes(32).toString("hex"));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
  fs.chmodSync(file, 0o600);
  const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "hex");
  if (key.length < 32) throw new Error(`${file}: the approval token key is damaged (fewer than 32 bytes)`);
  keys.set(file, key);
  return key;
}

/** The token of the request with this Message-ID. */
export function tokenForMessage(key: Buffer, messageId: string): string {
  return base32(createHmac("sha256", key).update(`gw-approval-token\0${messageId}`).digest().subarray(0, 17));
}

/** The subject as sent: the placeholder replaced by the request's token. */
export function subjectAsSent(key: Buffer, subject: string, messageId: string): string {
  return subject.includes(TOKEN_PLACEHOLDER) ? subject.replace(TOKEN_PLACEHOLDER, `GW-${tokenForMessage(key, messageId)}`) : subject;
}
