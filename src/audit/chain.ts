// How an audit row is hashed. Pure: no files, no database.
//
// Two schemes, told apart by the row's place in the chain, never by a flag an attacker could flip:
// - legacy: sha256 of the canonical row. Rows written before the gateway kept an audit key; anyone
//   with the database file can recompute them, so they are bound afterwards by the keyed row
//   `audit.chain_keyed`, which records their count and last hash under the key.
// - keyed: HMAC-SHA256 with the audit key, kept outside the database. Every row from
//   `audit.chain_keyed` on. A row edited and re-hashed without the key no longer verifies.
import { createHash, createHmac } from "node:crypto";

export const GENESIS = "0".repeat(64);
/** The first keyed row of a chain: from here on every row is an HMAC. */
export const KEYED_ACTION = "audit.chain_keyed";

export interface ChainRow {
  at: Date;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  detail: string;
  ip: string | null;
  prevHash: string;
}

function canonical(r: ChainRow): string {
  return JSON.stringify([r.prevHash, r.at.toISOString(), r.actor, r.action, r.entityType, r.entityId, r.detail, r.ip]);
}

export function legacyHash(r: ChainRow): string {
  return createHash("sha256").update(canonical(r)).digest("hex");
}

export function keyedHash(key: Buffer, r: ChainRow): string {
  return createHmac("sha256", key).update(canonical(r)).digest("hex");
}

/** A short public name of a key (not the key): shows which key a chain was written with. */
export function keyId(key: Buffer): string {
  return createHash("sha256").update("audit-key-id\0").update(key).digest("hex").slice(0, 16);
}

export interface AuditInput {
  actor: string; // "user:zhangwenyi" | "system:pipeline" | "email:addr"
  action: string;
  entityType?: string;
  entityId?: string | number;
  detail?: Record<string, unknown>;
  ip?: string;
}

/** The rows for `events`, chained onto `head` (the hash of the last stored event) with the key. */
export function chainEvents(key: Buffer, head: string | null | undefined, events: AuditInput[], at = new Date()): Array<ChainRow & { hash: string }> {
  let prevHash = head ?? GENESIS;
  return events.map((e) => {
    const row: ChainRow = {
      at,
      actor: e.actor,
      action: e.action,
      entityType: e.entityType ?? null,
      entityId: e.entityId == null ? null : String(e.entityId),
      detail: JSON.stringify(e.detail ?? {}),
      ip: e.ip ?? null,
      prevHash,
    };
    const hash = keyedHash(key, row);
    prevHash = hash;
    return { ...row, hash };
  });
}
