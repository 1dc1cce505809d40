// Anchors: the head of the audit chain (how many rows, the last id and hash, when) appended to a
// file outside the database. The chain alone cannot show that its last rows were deleted — what is
// left is still a valid chain — but an anchor written before the deletion names a row that is no
// longer there. Written when the chain is keyed, within a second of every commit that adds rows
// (anchorer.ts), at start and stop, and by every `gateway audit verify`.
//
// The file is only ever appended to (O_APPEND, never truncated or rewritten) and each line carries
// an HMAC with the audit key, so a line cannot be forged or edited without the key. It is never
// re-created once the chain has been keyed: a deleted anchor file is reported, not papered over;
// it is created (exclusively) only in the step that creates a new audit key (audit.ts).
// Operators should keep it on other storage (AUDIT_ANCHOR_FILE), `chattr +a` it, or ship it off
// the host; see the README's security section.
import { createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { keyId } from "./chain.js";

export interface ChainHead {
  count: number;
  lastId: number;
  lastHash: string;
}

export interface Anchor extends ChainHead {
  at: string;
  reason: string;
  keyId: string;
}

export type AnchorLine = { line: number; anchor: Anchor; valid: boolean } | { line: number; anchor: null; valid: false };

const macOf = (key: Buffer, a: Anchor) =>
  createHmac("sha256", key)
    .update(JSON.stringify(["anchor", a.at, a.reason, a.count, a.lastId, a.lastHash, a.keyId]))
    .digest("hex");

/**
 * Appends one anchor. `create`: the file is made, and must not exist yet (only when a new key keys
 * the chain); at any other time a missing file is an error, so that deleting it cannot be hidden
 * by a fresh one.
 */
export function appendAnchor(file: string, key: Buffer, head: ChainHead, reason: string, opts: { create?: boolean; at?: Date } = {}): Anchor {
  const anchor: Anchor = { at: (opts.at ?? new Date()).toISOString(), reason, count: head.count, lastId: head.lastId, lastHash: head.lastHash, keyId: keyId(key) };
  const line = `${JSON.stringify({ ...anchor, mac: macOf(key, anchor) })}\n`;
  if (opts.create) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | (opts.create ? fs.constants.O_CREAT | fs.constants.O_EXCL : 0), 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`audit anchor file ${file} is missing: it is never re-created by the gateway (restore it, or see README "Security")`, { cause: err });
    throw err;
  }
  try {
    fs.writeSync(fd, line);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return anchor;
}

/** Every line of the anchor file with whether its HMAC holds; null when the file does not exist. */
export function readAnchors(file: string, key: Buffer): AnchorLine[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const out: AnchorLine[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const [i, raw] of lines.entries()) {
    const l = parseLine(key, raw);
    out.push(l.anchor ? { line: i + 1, anchor: l.anchor, valid: l.valid } : { line: i + 1, anchor: null, valid: false });
  }
  return out;
}

function parseLine(key: Buffer, raw: string): { anchor: Anchor | null; valid: boolean } {
  try {
    const o = JSON.parse(raw) as Anchor & { mac: string };
    const anchor: Anchor = { at: String(o.at), reason: String(o.reason), count: Number(o.count), lastId: Number(o.lastId), lastHash: String(o.lastHash), keyId: String(o.keyId) };
    const want = Buffer.from(macOf(key, anchor), "hex");
    const got = Buffer.from(typeof o.mac === "string" ? o.mac : "", "hex");
    return { anchor, valid: got.length === want.length && timingSafeEqual(got, want) };
  } catch {
    // A line that does not parse is an invalid anchor: verify reports it as such.
    return { anchor: null, valid: false };
  }
}

/**
 * The last line of the anchor file, read from its end (the file only grows, and the anchorer looks
 * at it every second): null when the file is empty or its last line does not verify.
 */
export function lastAnchor(file: string, key: Buffer): Anchor | null {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 8192);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString("utf8").split("\n");
    const first = len === size ? 0 : 1; // the chunk's first line may be the end of a longer one
    for (let i = lines.length - 1; i >= first; i--) {
      if (!lines[i]) continue;
      const l = parseLine(key, lines[i]!);
      return l.valid ? l.anchor : null;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
