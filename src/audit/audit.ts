// Append-only, keyed hash chain of audit events (Art. 7: who did what, when and how). Every
// mutating service writes its events through `audit()` inside the same transaction as the change
// it records. SQLite triggers refuse UPDATE and DELETE on the table; for someone who drops them,
// the chain is keyed with a secret outside the database (key.ts) and its head is anchored in a
// file outside it (anchor.ts, within a second of each commit: anchorer.ts), so an edit, a re-hash
// or a truncation is found by `verifyAudit`.
import fs from "node:fs";
import type { Db, Tx } from "../db/client.js";
import { redactDeep } from "../domain/token-shape.js";
import { appendAnchor, readAnchors, type ChainHead } from "./anchor.js";
import { AuditAnchorer } from "./anchorer.js";
import { chainEvents, GENESIS, KEYED_ACTION, keyId, type AuditInput } from "./chain.js";
import { auditKeyFor, commitAuditKey, createPendingAuditKey, pendingKeyFile, readAuditKey, registerAuditKey } from "./key.js";
import { keyedChainProblems } from "./verify.js";

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
  // No approval token in the record: details carry e-mail subjects and texts (token-shape.ts).
  const cleared = events.map((e) => (e.detail === undefined ? e : { ...e, detail: redactDeep(e.detail) }));
  await tx.auditEvent.createMany({ data: chainEvents(auditKeyFor(file), head, cleared) });
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
 * At every start: load the key and register it for the database. The key file's existence is
 * what says "this chain is keyed" — never a row of the database, which whoever has the file can
 * rename: with the key there, the chain must have its keyed row and the anchor file must exist,
 * or the gateway refuses to start (`inspect`: it opens anyway, for `gateway audit verify` to say
 * why). Without a key the chain was never keyed (a new installation, or an upgrade from sha256
 * rows): the key, the keyed row — which records the count and head of any earlier rows under the
 * key — and the anchor file are made in one step (keyChain). A chain with a keyed row but no key
 * refuses to start: a new key would make every row unverifiable.
 */
export async function openAuditTrail(db: Db, files: AuditFiles, mode: "start" | "inspect" = "start"): Promise<AuditAnchorer> {
  let key = readAuditKey(files.keyFile);
  if (key) {
    const problems = keyedChainProblems(await keyedRow(db), files.anchorFile);
    if (problems.length && mode === "start") throw new Error(`审计记录无法核验，网关拒绝启动：${problems.join("；")}。请从备份恢复后再启动（gateway audit verify 可查看详情）`);
    registerAuditKey(files.dbFile, key);
  } else key = await keyChain(db, files);
  const anchorer = new AuditAnchorer(db, files, key);
  return mode === "start" ? anchorer.start() : anchorer;
}

const keyedRow = (c: Client) => c.auditEvent.findFirst({ where: { action: KEYED_ACTION }, orderBy: { id: "asc" }, select: { id: true, hash: true, detail: true } });

/** The key, the keyed row and the anchor file, made together; a crash in between is finished at the next start. */
async function keyChain(db: Db, files: AuditFiles): Promise<Buffer> {
  const keyed = await keyedRow(db);
  const pending = readAuditKey(pendingKeyFile(files.keyFile));
  const anchors = fs.existsSync(files.anchorFile) ? fs.readFileSync(files.anchorFile, "utf8") : null;
  if (keyed) {
    // Only a crash between the keyed row and the key's rename leaves this, with the pending key that row names.
    const named = JSON.parse(keyed.detail) as { keyId?: string; legacyCount?: number };
    if (!pending || keyId(pending) !== named.keyId)
      throw new Error(
        `审计密钥文件 ${files.keyFile} 不存在，但审计记录 #${keyed.id} 起是用密钥计算的：请从备份恢复该文件（或设置 AUDIT_KEY_FILE 指向它）。网关不会生成新密钥，否则全部审计记录将无法核验。`,
      );
    registerAuditKey(files.dbFile, pending);
    const first = anchors ? readAnchors(files.anchorFile, pending)?.[0] : undefined;
    if (anchors && (!first?.valid || first.anchor?.reason !== "keyed" || first.anchor.lastId !== keyed.id))
      throw new Error(`锚点文件 ${files.anchorFile} 的第一行不是启用审计密钥（#${keyed.id}）时写下的：请从备份恢复锚点文件与审计密钥文件`);
    if (!first) appendAnchor(files.anchorFile, pending, { count: (named.legacyCount ?? 0) + 1, lastId: keyed.id, lastHash: keyed.hash }, "keyed", { create: anchors === null });
    commitAuditKey(files.keyFile);
    return pending;
  }
  if (anchors?.trim())
    throw new Error(
      `锚点文件 ${files.anchorFile} 存在，但审计密钥文件 ${files.keyFile} 不存在，审计链中也没有启用密钥的记录：密钥文件被删除、审计记录被改写？请从备份恢复二者。网关不会在已有锚点的审计链上生成新密钥。`,
    );
  const key = createPendingAuditKey(files.keyFile);
  registerAuditKey(files.dbFile, key);
  const { row, before } = await db.$transaction(async (tx) => {
    const before = await chainHead(tx);
    await audit(tx, { actor: "system:audit", action: KEYED_ACTION, detail: { legacyCount: before.count, legacyHead: before.lastHash, keyId: keyId(key) } });
    return { row: (await keyedRow(tx))!, before };
  });
  appendAnchor(files.anchorFile, key, { count: before.count + 1, lastId: row.id, lastHash: row.hash }, "keyed", { create: anchors === null });
  commitAuditKey(files.keyFile);
  return key;
}
