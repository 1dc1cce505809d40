// Append-only, keyed hash chain of audit events (Art. 7: who did what, when and how). Every
// mutating service writes its events through `audit()` inside the same transaction as the change
// it records. SQLite triggers refuse UPDATE and DELETE on the table; for someone who drops them,
// the chain is keyed with a secret outside the database (key.ts) and its head is anchored in a
// file outside it (anchor.ts), so an edit, a re-hash or a truncation is found by `verifyAudit`.
import type { Db, Tx } from "../db/client.js";
import { appendAnchor, readAnchors, type ChainHead } from "./anchor.js";
import { chainEvents, GENESIS, KEYED_ACTION, keyId, type AuditInput } from "./chain.js";
import { auditKeyFor, createAuditKey, readAuditKey, registerAuditKey } from "./key.js";

export { GENESIS, chainEvents, type AuditInput } from "./chain.js";

type Client = Db | Tx;

/** The chain's head and the database file, in one statement (the file finds the key). */
async function headAndFile(c: Client): Promise<{ head: string | null; file: string }> {
  const [row] = await c.$queryRawUnsafe<Array<{ head: string | null; file: string }>>(
    `SELECT (SELECT hash FROM AuditEvent ORDER BY id DESC LIMIT 1) AS head, (SELECT file FROM pragma_database_list WHERE name = 'main') AS file`,
  );
  return row!;
}

/** Appends events in order. Call inside the transaction that makes the change. */
export async function audit(tx: Tx, ...events: AuditInput[]): Promise<void> {
  const { head, file } = await headAndFile(tx);
  // prevHash is UNIQUE: two writers racing on the same head cannot fork the chain.
  await tx.auditEvent.createMany({ data: chainEvents(auditKeyFor(file), head, events) });
}

export async function chainHead(c: Client): Promise<ChainHead> {
  const [row] = await c.$queryRawUnsafe<Array<{ n: bigint | number; id: number | null; hash: string | null }>>(
    `SELECT (SELECT COUNT(*) FROM AuditEvent) AS n, (SELECT id FROM AuditEvent ORDER BY id DESC LIMIT 1) AS id, (SELECT hash FROM AuditEvent ORDER BY id DESC LIMIT 1) AS hash`,
  );
  return { count: Number(row!.n), lastId: row!.id ?? 0, lastHash: row!.hash ?? GENESIS };
}

export interface AuditFiles {
  dbFile: string;
  keyFile: string;
  anchorFile: string;
}

/**
 * At every start: load the key (or create it, if this chain was never keyed) and register it for
 * the database; key the chain if it is not yet (an existing chain of sha256 rows is kept as it is
 * and bound by the first keyed row, which records its count and head under the key). Refuses to
 * start when the chain is keyed but the key is gone: a new key would make every row unverifiable.
 */
export async function openAuditTrail(db: Db, files: AuditFiles): Promise<Buffer> {
  const keyed = await db.auditEvent.findFirst({ where: { action: KEYED_ACTION }, orderBy: { id: "asc" }, select: { id: true } });
  let key = readAuditKey(files.keyFile);
  if (!key) {
    if (keyed)
      throw new Error(
        `审计密钥文件 ${files.keyFile} 不存在，但审计记录 #${keyed.id} 起是用密钥计算的：请从备份恢复该文件（或设置 AUDIT_KEY_FILE 指向它）。网关不会生成新密钥，否则全部审计记录将无法核验。`,
      );
    key = createAuditKey(files.keyFile);
  }
  registerAuditKey(files.dbFile, key);
  if (!keyed) {
    await db.$transaction(async (tx) => {
      const before = await chainHead(tx);
      await audit(tx, { actor: "system:audit", action: KEYED_ACTION, detail: { legacyCount: before.count, legacyHead: before.lastHash, keyId: keyId(key) } });
    });
    appendAnchor(files.anchorFile, key, await chainHead(db), "keyed", { create: true });
  }
  return key;
}

/**
 * Writes the chain's head to the anchor file when it moved since the last anchor (or always, with
 * `force`). Returns the anchor written, or null when nothing changed.
 */
export async function anchorAudit(db: Db, files: AuditFiles, reason: string, force = false) {
  const key = auditKeyFor(files.dbFile);
  const head = await chainHead(db);
  if (!force) {
    const last = (readAnchors(files.anchorFile, key) ?? []).at(-1)?.anchor;
    if (last && last.lastId === head.lastId && last.lastHash === head.lastHash) return null;
  }
  return appendAnchor(files.anchorFile, key, head, reason);
}
