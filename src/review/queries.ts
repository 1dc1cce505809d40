// Read side of the review screen: the queue with its counts and filters, one draft with
// everything the page shows. Visibility is applied here, in the query, not in the template.
import type { Db } from "../db/client.js";
import type { Prisma } from "../generated/prisma/client.js";
import { visibleDivisions, type Actor } from "../domain/roles.js";
import { GatewayError } from "../domain/errors.js";
import { canSee } from "./service.js";
import { catchUpSearchIndex } from "../db/search-index.js";

export interface QueueFilter {
  /** What waits for this actor: 处长 — division review; 办领导 — leader review; 信息管理员 — triage and approved (to publish). */
  mine?: boolean;
  division?: number | "shared";
  status?: string;
  unitId?: number;
  columnId?: number;
  from?: Date;
  to?: Date;
  q?: string;
  page: number;
}

export const PAGE_SIZE = 50;

const sharedTriage: Prisma.DraftWhereInput = {
  status: "triage",
  OR: [{ divisionId: null }, { unitConfirmed: false }, { columnId: null }],
};

export function scopeFor(actor: Actor): Prisma.DraftWhereInput {
  const vis = visibleDivisions(actor);
  if (vis === "all") return {};
  const or: Prisma.DraftWhereInput[] = [{ divisionId: { in: vis } }];
  if (actor.grants.some((g) => g.role === "info_admin")) or.push(sharedTriage);
  return { OR: or };
}

/** Full-text search that works on Chinese: FTS5 trigram for ≥3 characters, LIKE below that. */
async function searchIds(db: Db, q: string): Promise<number[] | Prisma.DraftWhereInput> {
  const term = q.trim();
  if ([...term].length < 3) return { OR: [{ title: { contains: term } }, { body: { contains: term } }] };
  await catchUpSearchIndex(db);
  const phrase = `"${term.replace(/"/g, '""')}"`;
  const rows = await db.$queryRawUnsafe<Array<{ rowid: bigint | number }>>(`SELECT rowid FROM DraftSearch WHERE DraftSearch MATCH ? ORDER BY rowid DESC LIMIT 2000`, phrase);
  return rows.map((r) => Number(r.rowid));
}

export function myWork(actor: Actor): Prisma.DraftWhereInput {
  const or: Prisma.DraftWhereInput[] = [];
  const heads = actor.grants.filter((g) => g.role === "division_head" && g.divisionId != null).map((g) => g.divisionId!);
  const admins = actor.grants.filter((g) => g.role === "info_admin" && g.divisionId != null).map((g) => g.divisionId!);
  if (heads.length) or.push({ status: "division_review", divisionId: { in: heads } });
  if (actor.grants.some((g) => g.role === "leader")) or.push({ status: "leader_review" });
  if (admins.length) or.push({ status: { in: ["triage", "approved"] }, divisionId: { in: admins } }, sharedTriage);
  return or.length ? { OR: or } : { id: -1 };
}

export async function queue(db: Db, actor: Actor, f: QueueFilter) {
  const scope = scopeFor(actor);
  const base: Prisma.DraftWhereInput[] = [scope];
  if (f.mine) base.push(myWork(actor));
  if (f.division === "shared") base.push(sharedTriage);
  else if (f.division != null) base.push({ divisionId: f.division });
  const filters: Prisma.DraftWhereInput[] = [];
  if (f.unitId) filters.push({ unitId: f.unitId });
  if (f.columnId) filters.push({ columnId: f.columnId });
  if (f.from) filters.push({ receivedAt: { gte: f.from } });
  if (f.to) filters.push({ receivedAt: { lt: new Date(f.to.getTime() + 86_400_000) } });
  if (f.q?.trim()) {
    const s = await searchIds(db, f.q);
    filters.push(Array.isArray(s) ? { id: { in: s } } : s);
  }
  const where: Prisma.DraftWhereInput = { AND: [...base, ...filters, ...(f.status ? [{ status: f.status }] : [])] };
  const [rows, total, byStatus] = await Promise.all([
    db.draft.findMany({
      where,
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      skip: (f.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      select: {
        id: true, title: true, status: true, receivedAt: true, important: true, flags: true, unitConfirmed: true, senderAddress: true, channel: true,
        unit: { select: { name: true } }, column: { select: { name: true } }, division: { select: { name: true } },
      },
    }),
    db.draft.count({ where }),
    db.draft.groupBy({ by: ["status"], where: { AND: [...base, ...filters] }, _count: { _all: true } }),
  ]);
  const counts = Object.fromEntries(byStatus.map((s) => [s.status, s._count._all])) as Record<string, number>;
  return { rows: rows.map((r) => ({ ...r, flags: JSON.parse(r.flags) as string[] })), total, counts, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

/** Tabs of the queue: the divisions the actor may see, with open-item counts. */
export async function divisionTabs(db: Db, actor: Actor) {
  const vis = visibleDivisions(actor);
  const divisions = await db.division.findMany({ where: vis === "all" ? {} : { id: { in: vis } }, orderBy: { sortOrder: "asc" } });
  const open = await db.draft.groupBy({
    by: ["divisionId"],
    where: { status: { in: ["triage", "division_review", "leader_review", "approved"] }, divisionId: { in: divisions.map((d) => d.id) } },
    _count: { _all: true },
  });
  const openBy = new Map(open.map((o) => [o.divisionId, o._count._all]));
  const shared = actor.grants.some((g) => g.role === "info_admin") || vis === "all" ? await db.draft.count({ where: sharedTriage }) : null;
  const mine = await db.draft.count({ where: { AND: [scopeFor(actor), myWork(actor)] } });
  return { divisions: divisions.map((d) => ({ id: d.id, name: d.name, open: openBy.get(d.id) ?? 0 })), shared, mine };
}

export async function draftDetail(db: Db, actor: Actor, id: number) {
  const d = await db.draft.findUnique({
    where: { id },
    include: {
      unit: true, column: true, division: true,
      intakes: { orderBy: { id: "asc" }, include: { attachments: { orderBy: { partIndex: "asc" } }, mailbox: true } },
      revisions: { orderBy: { version: "desc" } },
      reviewSteps: { orderBy: { id: "asc" } },
      published: { orderBy: { version: "desc" } },
    },
  });
  if (!d) throw new GatewayError("NOT_FOUND");
  if (!canSee(actor, d)) throw new GatewayError("FORBIDDEN", "此稿件不在您的处室队列中");
  const events = await db.auditEvent.findMany({ where: { entityType: "draft", entityId: String(id) }, orderBy: { id: "asc" } });
  return { draft: { ...d, flags: JSON.parse(d.flags) as string[] }, events };
}

export async function triageChoices(db: Db) {
  const [units, columns, divisions] = await Promise.all([
    db.sendingUnit.findMany({ where: { active: true }, orderBy: [{ regionCode: "asc" }], select: { id: true, name: true } }),
    db.column.findMany({ orderBy: { sortOrder: "asc" }, include: { divisions: { include: { division: true } } } }),
    db.division.findMany({ orderBy: { sortOrder: "asc" } }),
  ]);
  return {
    units,
    columns: columns.map((c) => ({ id: c.id, name: c.name, owners: c.sharedByAll ? "各处共同负责" : c.divisions.map((x) => x.division.name).join("、") })),
    divisions,
  };
}
