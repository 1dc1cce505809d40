// Append-only, hash-chained audit trail. Every mutating service writes its event through
// `audit()` inside the same transaction as the change it records.
import { createHash } from "node:crypto";
import type { Db, Tx } from "../db/client.js";

export const GENESIS = "0".repeat(64);

export interface AuditInput {
  actor: string; // "user:zhangwenyi" | "system:pipeline" | "email:addr"
  action: string;
  entityType?: string;
  entityId?: string | number;
  detail?: Record<string, unknown>;
  ip?: string;
}

interface Row {
  at: Date;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  detail: string;
  ip: string | null;
  prevHash: string;
}

export function hashEvent(r: Row): string {
  const canonical = JSON.stringify([r.prevHash, r.at.toISOString(), r.actor, r.action, r.entityType, r.entityId, r.detail, r.ip]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** The rows for `events`, chained onto `head` (the hash of the last stored event). */
export function chainEvents(head: string | null | undefined, events: AuditInput[]): Array<Row & { hash: string }> {
  let prevHash = head ?? GENESIS;
  return events.map((e) => {
    const row: Row = {
      at: new Date(),
      actor: e.actor,
      action: e.action,
      entityType: e.entityType ?? null,
      entityId: e.entityId == null ? null : String(e.entityId),
      detail: JSON.stringify(e.detail ?? {}),
      ip: e.ip ?? null,
      prevHash,
    };
    const hash = hashEvent(row);
    prevHash = hash;
    return { ...row, hash };
  });
}

/** Appends events in order. Call inside the transaction that makes the change. */
export async function audit(tx: Tx, ...events: AuditInput[]): Promise<void> {
  const last = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
  // prevHash is UNIQUE: two writers racing on the same head cannot fork the chain.
  await tx.auditEvent.createMany({ data: chainEvents(last?.hash, events) });
}

export interface VerifyResult {
  ok: boolean;
  count: number;
  firstBadId?: number;
  problem?: string;
}

/** Recomputes the whole chain in id order. */
export async function verifyAudit(db: Db): Promise<VerifyResult> {
  let prev = GENESIS;
  let count = 0;
  let cursor = 0;
  for (;;) {
    const batch = await db.auditEvent.findMany({ where: { id: { gt: cursor } }, orderBy: { id: "asc" }, take: 5000 });
    if (batch.length === 0) break;
    for (const r of batch) {
      if (r.prevHash !== prev) return { ok: false, count, firstBadId: r.id, problem: "链断开：上一条记录被删除或修改" };
      if (hashEvent(r) !== r.hash) return { ok: false, count, firstBadId: r.id, problem: "记录内容与哈希不符：被修改" };
      prev = r.hash;
      count++;
    }
    cursor = batch[batch.length - 1]!.id;
  }
  return { ok: true, count };
}
