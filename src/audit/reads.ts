// The audit trail as the audit administrator reads it: newest first, filtered by who, what, which
// record and when. Reading is all this does; the screen offers nothing that changes a row.
import type { Db } from "../db/client.js";

export interface AuditFilter {
  actor?: string;
  action?: string;
  entity?: string; // "draft:12" or "user"
  from?: Date;
  to?: Date;
  page: number;
}

export const AUDIT_PAGE_SIZE = 100;

export async function auditEvents(db: Db, f: AuditFilter) {
  const [entityType, entityId] = (f.entity ?? "").split(":");
  const where = {
    ...(f.actor ? { actor: { contains: f.actor } } : {}),
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(entityType ? { entityType } : {}),
    ...(entityId ? { entityId } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
  };
  const [events, total] = await Promise.all([
    db.auditEvent.findMany({ where, orderBy: { id: "desc" }, take: AUDIT_PAGE_SIZE, skip: (f.page - 1) * AUDIT_PAGE_SIZE }),
    db.auditEvent.count({ where }),
  ]);
  return { events, total, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}
