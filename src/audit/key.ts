// The audit key: a secret outside the database that keys the hash chain (HMAC), so that someone
// with the database file alone cannot re-hash the chain after an edit. Kept in a file readable by
// the gateway's user alone (0400), under DATA_DIR by default or wherever AUDIT_KEY_FILE says — best
// on other storage than the database, so that one stolen disk or backup does not hold both.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Loads the key, or null when the file does not exist. Any other problem is a fault. */
export function readAuditKey(file: string): Buffer | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`audit key ${file}: not 64 hex digits — the file was changed; restore it from the backup`);
  return Buffer.from(text, "hex");
}

/**
 * A new key is made in two steps around the keyed row and the anchor file (audit.ts): written to
 * `<file>.new` first, and renamed to `<file>` only when the chain is keyed and anchored. A crash
 * in between leaves the pending file, which the next start finishes with (never a key file
 * without its keyed row and anchor file — that state means tampering, and the gateway refuses it).
 */
export const pendingKeyFile = (file: string) => `${file}.new`;

/** Creates the pending key (0400), replacing a pending key of an attempt that never keyed the chain. */
export function createPendingAuditKey(file: string): Buffer {
  const pending = pendingKeyFile(file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.rmSync(pending, { force: true });
  const key = randomBytes(32);
  const fd = fs.openSync(pending, "wx", 0o400);
  try {
    fs.writeSync(fd, `${key.toString("hex")}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(pending, 0o400); // whatever the umask
  return key;
}

/** The pending key becomes the key (refusing to replace an existing key file). */
export function commitAuditKey(file: string): void {
  fs.linkSync(pendingKeyFile(file), file);
  fs.unlinkSync(pendingKeyFile(file));
  const dir = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

// The key of each open database, by its file. audit() is called with a transaction client that
// does not know its configuration; it asks SQLite for the file (PRAGMA database_list) and finds
// the key here. Several databases may be open in one process (tests, the CLI beside a server).
const keys = new Map<string, Buffer>();

function canonicalFile(dbFile: string): string {
  const abs = path.resolve(dbFile);
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs; // not there yet: the path as given names it (SQLite creates it there)
  }
}

export function registerAuditKey(dbFile: string, key: Buffer): void {
  keys.set(canonicalFile(dbFile), key);
}

export function auditKeyFor(dbFile: string): Buffer {
  const key = keys.get(canonicalFile(dbFile));
  if (!key) throw new Error(`no audit key loaded for ${dbFile} (open the database through createApp)`);
  return key;
}
