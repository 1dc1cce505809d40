// `gateway audit verify`: recomputes the chain and checks it against the anchor file. Reports the
// first row that is missing (a gap in the ids, or the chain's end short of an anchor), changed
// (content no longer matches its hash) or re-hashed (its hash was recomputed without the key).
import fs from "node:fs";
import type { Db } from "../db/client.js";
import { readAnchors } from "./anchor.js";
import { GENESIS, KEYED_ACTION, keyedHash, keyId, legacyHash } from "./chain.js";
import { auditKeyFor } from "./key.js";
import { formatDateTime } from "../domain/time.js";

export type AuditProblem = "missing" | "changed" | "rehashed" | "truncated" | "anchor";

export interface VerifyResult {
  ok: boolean;
  /** Rows verified (before the problem, if any). */
  count: number;
  /** The first keyed row (rows before it are the chain as it was before the key existed). */
  keyedFromId?: number;
  anchorsChecked: number;
  firstBadId?: number;
  kind?: AuditProblem;
  problem?: string;
}


/**
 * What is wrong with a keyed chain before any row is read: the key file exists (so the chain is
 * keyed), but the keyed row is not in the chain, or the anchor file is not there. Said by the start
 * (which refuses) and by verify alike.
 */
export function keyedChainProblems(keyed: { id: number } | null, anchorFile: string): string[] {
  const problems: string[] = [];
  if (!keyed) problems.push(`审计密钥文件存在，但审计链中没有启用密钥的记录（${KEYED_ACTION}）：该记录被改写或删除，审计记录可能已被整体重算`);
  if (!fs.existsSync(anchorFile)) problems.push(`锚点文件 ${anchorFile} 不存在：它只在生成审计密钥时创建，此后从不重建（被删除？请从备份恢复）`);
  return problems;
}

export async function verifyAudit(db: Db, opts: { anchorFile: string }): Promise<VerifyResult> {
  const [main] = await db.$queryRawUnsafe<Array<{ file: string }>>(`SELECT file FROM pragma_database_list WHERE name = 'main'`);
  const key = auditKeyFor(main!.file);
  const keyed = await db.auditEvent.findFirst({ where: { action: KEYED_ACTION }, orderBy: { id: "asc" }, select: { id: true } });
  const anchors = readAnchors(opts.anchorFile, key);
  const anchoredIds = new Set((anchors ?? []).flatMap((l) => (l.anchor ? [l.anchor.lastId] : [])));
  const hashAt = new Map<number, string>();

  let prev = GENESIS;
  let count = 0;
  let expected = 1;
  const fail = (kind: AuditProblem, firstBadId: number | undefined, problem: string): VerifyResult => ({ ok: false, count, keyedFromId: keyed?.id, anchorsChecked: 0, firstBadId, kind, problem });
  // The key exists (it found this database), so the chain is keyed, whatever its rows now say.
  const problems = keyedChainProblems(keyed, opts.anchorFile);
  if (problems.length) return fail(keyed ? "anchor" : "rehashed", undefined, problems.join("；"));

  for (let cursor = 0; ; ) {
    const batch = await db.auditEvent.findMany({ where: { id: { gt: cursor } }, orderBy: { id: "asc" }, take: 5000 });
    if (batch.length === 0) break;
    for (const r of batch) {
      if (r.id !== expected) return fail("missing", expected, `审计记录 #${expected}${r.id - expected > 1 ? `–#${r.id - 1}` : ""} 缺失（被删除）`);
      if (r.prevHash !== prev) return fail("changed", r.id, `审计记录 #${r.id} 所记的上一条哈希与 #${r.id - 1} 不符：被改动`);
      const isKeyed = keyed != null && r.id >= keyed.id;
      if (r.hash !== (isKeyed ? keyedHash(key, r) : legacyHash(r))) {
        if (isKeyed && r.hash === legacyHash(r)) return fail("rehashed", r.id, `审计记录 #${r.id} 的哈希被重新计算过（不是用审计密钥计算的）：记录在数据库外被改动后重算`);
        return fail("changed", r.id, `审计记录 #${r.id} 的内容与哈希不符：被修改${isKeyed ? "（或用其他密钥重算）" : ""}`);
      }
      if (keyed && r.id === keyed.id) {
        // Keyed, so trustworthy: what the chain looked like when the key was made.
        const d = JSON.parse(r.detail) as { legacyCount?: number; legacyHead?: string; keyId?: string };
        if (d.legacyCount !== count || d.legacyHead !== prev)
          return fail("rehashed", r.id, `启用审计密钥之前的 ${d.legacyCount ?? "?"} 条旧记录被改动并重算（与 #${r.id} 启用密钥时记下的链头不符）`);
        if (d.keyId !== keyId(key)) return fail("changed", r.id, `审计记录 #${r.id} 记下的密钥编号与当前审计密钥不符`);
      }
      if (anchoredIds.has(r.id)) hashAt.set(r.id, r.hash);
      prev = r.hash;
      count++;
      expected++;
    }
    cursor = batch[batch.length - 1]!.id;
  }
  const lastId = expected - 1;

  if (!anchors || anchors.length === 0) return fail("anchor", undefined, `锚点文件 ${opts.anchorFile} ${anchors ? "是空的" : "不存在"}：无法发现末尾被截断的记录（文件被删除？请从备份恢复）`);
  for (const l of anchors) {
    if (!l.valid || !l.anchor) return fail("anchor", undefined, `锚点文件第 ${l.line} 行被改动（校验码不符）`);
    const a = l.anchor;
    const when = formatDateTime(new Date(a.at));
    if (a.lastId > lastId)
      return fail("truncated", lastId + 1, `审计记录 #${lastId + 1}${a.lastId > lastId + 1 ? `–#${a.lastId}` : ""} 缺失：锚点（${when}，北京时间）记下当时共 ${a.count} 条、最后一条为 #${a.lastId}，末尾的记录被删除`);
    if (l.line === 1 && !keyed) return fail("missing", a.lastId, `启用审计密钥的记录（${KEYED_ACTION}，锚点记为 #${a.lastId}）不在审计链中：被删除或改写`);
    if (l.line === 1 && (a.reason !== "keyed" || a.lastId !== keyed!.id))
      return fail("anchor", undefined, `锚点文件的第一行不是启用审计密钥时（#${keyed!.id}）写下的：文件被替换或从头截断`);
    if (hashAt.get(a.lastId) !== a.lastHash) return fail("changed", a.lastId, `审计记录 #${a.lastId} 与锚点（${when}，北京时间）记下的哈希不符：被改动`);
  }
  return { ok: true, count, keyedFromId: keyed!.id, anchorsChecked: anchors.length };
}
