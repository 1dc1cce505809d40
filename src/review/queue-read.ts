// The queue screen's read: one page of drafts with the counts per status and the division tabs,
// all filtered by what the actor may see (scope.ts). The page's ids come first, sorted on index
// data alone, then only those rows (bench:web measures it over 100,000 drafts).
import type { Db } from "../db/client.js";
import { visibleDivisions, type Actor } from "../domain/roles.js";
import { OPEN_STATUSES } from "../domain/status.js";
import { catchUpSearchIndex } from "../db/search-index.js";
import { NOTE_ACTIONS, stateNotes, type AuditRow, type StateNote } from "./history.js";
import type { ActorNames } from "./names.js";
import { myWork, OPEN, scopeFor, SHARED_TRIAGE } from "./scope.js";
import { and, inList, iso, or, type Clause, type SqlReader } from "./sql.js";
import type { DuplicateCandidate } from "./duplicates.js";

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
  /** received: newest first (the default); waiting: longest waiting in its present status first. */
  sort?: "received" | "waiting";
  page: number;
}

export const PAGE_SIZE = 50;

interface QueueRow {
  id: number;
  duplicateOfId: number | null;
  waitingSince: string;
  version: number;
  divisionId: number | null;
  columnId: number | null;
  body: string | null;
  title: string;
  status: string;
  receivedAt: string;
  important: number;
  flags: string;
  unitConfirmed: number;
  senderAddress: string | null;
  channel: string;
  unitName: string | null;
  columnName: string | null;
  divisionName: string | null;
}

export class QueueRead {
  constructor(
    private readonly sql: SqlReader,
    /** Prisma, only to catch the search index up (a write) before a full-text query. */
    private readonly db: Db,
    private readonly names: ActorNames,
  ) {}

  /** Full-text search that works on Chinese: FTS5 trigram for ≥3 characters, LIKE below that. */
  private async search(q: string): Promise<Clause> {
    const term = q.trim();
    if ([...term].length < 3) {
      const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return { sql: `d.title LIKE ? ESCAPE '\\' OR d.body LIKE ? ESCAPE '\\'`, params: [like, like] };
    }
    await catchUpSearchIndex(this.db);
    const ids = this.sql.all<{ rowid: number }>(`SELECT rowid FROM DraftSearch WHERE DraftSearch MATCH ? ORDER BY rowid DESC LIMIT 2000`, [`"${term.replace(/"/g, '""')}"`]).map((r) => r.rowid);
    return { sql: `d.id IN ${inList(ids)}`, params: ids };
  }

  async queue(actor: Actor, f: QueueFilter) {
    const scope = scopeFor(actor);
    const base: Clause[] = [scope];
    if (f.mine) base.push(myWork(actor));
    if (f.division === "shared") base.push({ sql: SHARED_TRIAGE, params: [] });
    else if (f.division != null) base.push({ sql: "d.divisionId = ?", params: [f.division] });
    if (f.unitId) base.push({ sql: "d.unitId = ?", params: [f.unitId] });
    if (f.columnId) base.push({ sql: "d.columnId = ?", params: [f.columnId] });
    if (f.from) base.push({ sql: "d.receivedAt >= ?", params: [iso(f.from)] });
    if (f.to) base.push({ sql: "d.receivedAt < ?", params: [iso(new Date(f.to.getTime() + 86_400_000))] });
    if (f.q?.trim()) base.push(await this.search(f.q));
    // status: "" = open items (the default), "all" = everything, else one status.
    const status: Clause[] = f.status === "all" ? [] : f.status ? [{ sql: "d.status = ?", params: [f.status] }] : [{ sql: OPEN, params: [] }];
    const where = and([...base, ...status]);
    // The page's ids first, sorted on index data alone; then only those 50 (wide) rows. The
    // waiting sort reads waitingSince, an indexed virtual column (migration 20261204000000).
    const order = f.sort === "waiting" ? "d.waitingSince ASC, d.id ASC" : "d.receivedAt DESC, d.id DESC";
    const rows = this.sql.all<QueueRow>(
      `SELECT d.id, d.title, d.status, d.receivedAt, d.waitingSince, d.version, d.important, d.flags, d.unitConfirmed, d.senderAddress, d.channel, d.duplicateOfId, d.divisionId, d.columnId,
              ${f.q?.trim() ? "d.body" : "NULL"} AS body, u.name AS unitName, c.name AS columnName, v.name AS divisionName
         FROM (SELECT d.id FROM Draft d WHERE ${where.sql} ORDER BY ${order} LIMIT ${PAGE_SIZE} OFFSET ?) page
         JOIN Draft d ON d.id = page.id
         LEFT JOIN SendingUnit u ON u.id = d.unitId LEFT JOIN "Column" c ON c.id = d.columnId LEFT JOIN Division v ON v.id = d.divisionId
        ORDER BY ${order}`,
      [...where.params, (f.page - 1) * PAGE_SIZE],
    );
    const total = this.sql.get<{ n: number }>(`SELECT count(*) AS n FROM Draft d WHERE ${where.sql}`, where.params)!.n;
    // The per-status counts follow every filter but the status itself, and count every status
    // (published and returned too), so the line says what each status choice would show.
    // A scope of several divisions or the shared triage is an OR that SQLite answers from two
    // indexes; grouping by the plain column would steer it onto the status index instead, a
    // scan of every open item (bench:web, info administrator: 3–11 ms instead of 0.3 ms).
    const all = and(base);
    const groupBy = scope.sql === "1=1" ? "d.status" : "+d.status";
    const counts: Record<string, number> = Object.fromEntries(this.sql.all<{ status: string; n: number }>(`SELECT d.status, count(*) AS n FROM Draft d WHERE ${all.sql} GROUP BY ${groupBy}`, all.params).map((r) => [r.status, r.n]));
    const openTotal = OPEN_STATUSES.reduce((n, st) => n + (counts[st] ?? 0), 0);
    const notes = this.notesOf(rows);
    return {
      rows: rows.map((r) => ({
        id: r.id,
        notes: notes.get(r.id) ?? [],
        title: r.title,
        status: r.status,
        receivedAt: new Date(r.receivedAt),
        waitingSince: new Date(r.waitingSince),
        version: r.version,
        divisionId: r.divisionId,
        columnId: r.columnId,
        body: r.body,
        important: !!r.important,
        flags: JSON.parse(r.flags) as string[],
        unitConfirmed: !!r.unitConfirmed,
        senderAddress: r.senderAddress,
        channel: r.channel,
        unit: r.unitName ? { name: r.unitName } : null,
        column: r.columnName ? { name: r.columnName } : null,
        division: r.divisionName ? { name: r.divisionName } : null,
      })),
      total,
      openTotal,
      allTotal: Object.values(counts).reduce((a, b) => a + b, 0),
      counts,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    };
  }

  /** The state notes of the page's rows: one read of the events they are made of. */
  private notesOf(rows: Array<{ id: number; status: string; duplicateOfId: number | null }>): Map<number, StateNote[]> {
    const out = new Map<number, StateNote[]>();
    if (!rows.length) return out;
    const ids = rows.map((r) => String(r.id));
    const events = this.sql.all<{ id: number; at: string; actor: string; action: string; detail: string; entityId: string }>(
      `SELECT id, at, actor, action, detail, entityId FROM AuditEvent WHERE entityType = 'draft' AND entityId IN ${inList(rows.map((r) => r.id))} AND action IN (${NOTE_ACTIONS.map(() => "?").join(",")}) ORDER BY id`,
      [...ids, ...NOTE_ACTIONS],
    );
    const pending = new Map(this.sql.all<{ draftId: number; id: number }>(`SELECT draftId, max(id) AS id FROM ReviewStep WHERE status = 'pending' AND draftId IN ${inList(rows.map((r) => r.id))} GROUP BY draftId`, rows.map((r) => r.id)).map((p) => [p.draftId, p.id]));
    const byDraft = new Map<string, AuditRow[]>();
    for (const e of events) byDraft.set(e.entityId, [...(byDraft.get(e.entityId) ?? []), { ...e, at: new Date(e.at) }]);
    for (const r of rows) {
      const notes = stateNotes({ status: r.status, duplicateOfId: r.duplicateOfId, pendingStepId: pending.get(r.id) ?? null }, byDraft.get(String(r.id)) ?? [], this.names.nameOf);
      if (notes.length) out.set(r.id, notes);
    }
    return out;
  }

  /** Tabs of the queue: the divisions the actor may see, with open-item counts. */
  divisionTabs(actor: Actor, all: Array<{ id: number; name: string }>) {
    const vis = visibleDivisions(actor);
    const divisions = all.filter((d) => vis === "all" || vis.includes(d.id));
    const open = this.sql.all<{ divisionId: number; n: number }>(
      `SELECT d.divisionId, count(*) AS n FROM Draft d WHERE ${OPEN} AND d.divisionId IN ${inList(divisions.map((d) => d.id))} GROUP BY d.divisionId`,
      divisions.map((d) => d.id),
    );
    const openBy = new Map(open.map((o) => [o.divisionId, o.n]));
    const shared = actor.grants.some((g) => g.role === "info_admin") || vis === "all" ? this.sql.get<{ n: number }>(`SELECT count(*) AS n FROM Draft d WHERE ${SHARED_TRIAGE}`)!.n : null;
    const mineWhere = and([scopeFor(actor), myWork(actor)]);
    const mine = this.sql.get<{ n: number }>(`SELECT count(*) AS n FROM Draft d WHERE ${mineWhere.sql}`, mineWhere.params)!.n;
    return { divisions: divisions.map((d) => ({ id: d.id, name: d.name, open: openBy.get(d.id) ?? 0 })), shared, mine };
  }

  /**
   * Drafts that may be the same submission as `d` (review/duplicates.ts scores them): from the
   * same unit, sender address or fax number, received within `days` either side, not merged
   * already, and visible to the actor.
   */
  duplicateCandidates(actor: Actor, d: { id: number; unitId: number | null; senderAddress: string | null; faxNumber: string | null; receivedAt: Date }, days: number): DuplicateCandidate[] {
    const same: Clause[] = [];
    if (d.unitId != null) same.push({ sql: "d.unitId = ?", params: [d.unitId] });
    if (d.senderAddress) same.push({ sql: "d.senderAddress = ?", params: [d.senderAddress] });
    if (d.faxNumber) same.push({ sql: "d.faxNumber = ?", params: [d.faxNumber] });
    if (!same.length) return [];
    const span = days * 86_400_000;
    const where = and([scopeFor(actor), or(same), { sql: "d.id != ? AND d.duplicateOfId IS NULL AND d.receivedAt >= ? AND d.receivedAt <= ?", params: [d.id, iso(new Date(d.receivedAt.getTime() - span)), iso(new Date(d.receivedAt.getTime() + span))] }]);
    return this.sql
      .all<{ id: number; title: string; body: string; status: string; channel: string; receivedAt: string }>(`SELECT d.id, d.title, d.body, d.status, d.channel, d.receivedAt FROM Draft d WHERE ${where.sql} ORDER BY d.receivedAt DESC LIMIT 200`, where.params)
      .map((r) => ({ ...r, receivedAt: new Date(r.receivedAt) }));
  }
}
