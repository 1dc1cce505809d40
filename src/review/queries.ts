// Read side of the review screen: the queue with its counts and filters, one draft with
// everything the page shows. Visibility is applied here, in the SQL, not in the template.
//
// A read model in plain SQL on its own read-only better-sqlite3 connection (WAL lets it read
// beside the writers), with cached prepared statements: these are the pages officers load all
// day, and through Prisma's WebAssembly engine they spent 58 % of their time in the engine
// (bench:web). Writes never come here; they go through the services and Prisma.
import Database from "better-sqlite3";
import type { DraftSqlRow } from "../db/draft-row.js";
import type { Db } from "../db/client.js";
import { visibleDivisions, type Actor } from "../domain/roles.js";
import { GatewayError } from "../domain/errors.js";
import { canSee } from "../domain/permissions.js";
import { DraftStatus, OPEN_STATUSES } from "../domain/status.js";
import { catchUpSearchIndex } from "../db/search-index.js";
import { searchKeys } from "./unit-search.js";
import type { DuplicateCandidate } from "./duplicates.js";
import { NOTE_ACTIONS, opinionsOf, readableLog, stateNotes, type AuditRow, type StateNote } from "./history.js";

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

/** Open work (domain/status.ts) as a literal SQL list: a constant, so SQLite plans it like one. */
const OPEN = `d.status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(", ")})`;

// Draft.sharedTriage is a generated, indexed column (migration 20261126000200): status = 'triage'
// AND (divisionId IS NULL OR unitConfirmed = 0 OR columnId IS NULL).
const SHARED_TRIAGE = `d.sharedTriage = 1`;

type Param = string | number | null;
interface Clause {
  sql: string;
  params: Param[];
}

const iso = (d: Date) => d.toISOString().replace("Z", "+00:00");
const inList = (ids: number[]) => (ids.length ? `(${ids.map(() => "?").join(",")})` : "(NULL)");
const and = (parts: Clause[]): Clause => ({ sql: parts.length ? parts.map((p) => `(${p.sql})`).join(" AND ") : "1=1", params: parts.flatMap((p) => p.params) });
const or = (parts: Clause[]): Clause => ({ sql: parts.length ? parts.map((p) => `(${p.sql})`).join(" OR ") : "0", params: parts.flatMap((p) => p.params) });

export function scopeFor(actor: Actor): Clause {
  const vis = visibleDivisions(actor);
  if (vis === "all") return { sql: "1=1", params: [] };
  const parts: Clause[] = [{ sql: `d.divisionId IN ${inList(vis)}`, params: vis }];
  if (actor.grants.some((g) => g.role === "info_admin")) parts.push({ sql: SHARED_TRIAGE, params: [] });
  return or(parts);
}

export function myWork(actor: Actor): Clause {
  const parts: Clause[] = [];
  const heads = actor.grants.filter((g) => g.role === "division_head" && g.divisionId != null).map((g) => g.divisionId!);
  const admins = actor.grants.filter((g) => g.role === "info_admin" && g.divisionId != null).map((g) => g.divisionId!);
  if (heads.length) parts.push({ sql: `d.status = '${DraftStatus.divisionReview}' AND d.divisionId IN ${inList(heads)}`, params: heads });
  if (actor.grants.some((g) => g.role === "leader")) parts.push({ sql: `d.status = '${DraftStatus.leaderReview}'`, params: [] });
  if (admins.length) parts.push({ sql: `d.status IN ('${DraftStatus.triage}', '${DraftStatus.approved}') AND d.divisionId IN ${inList(admins)}`, params: admins }, { sql: SHARED_TRIAGE, params: [] });
  return or(parts);
}


interface RevisionRow {
  version: number;
  title: string;
  body: string;
  editedBy: string;
  note: string | null;
  createdAt: string;
}

interface StepRow {
  id: number;
  stage: string;
  status: string;
  formDivision: string;
  formInfoAdmin: string;
  formTitle: string;
  formColumn: string;
  formSource: string;
  requestedBy: string;
  requestedAt: string;
  decidedByLabel: string | null;
  opinion: string | null;
  decidedAt: string | null;
  channel: string | null;
}

interface PublishedRow {
  id: number;
  version: number;
  supersedesId: number | null;
  publishedAt: string;
  publishedBy: string;
  withdrawnAt: string | null;
}

const date = (s: string | null) => (s ? new Date(s) : null);

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

export class ReadModel {
  private readonly sqlite: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private choicesCache: { at: number; value: ReturnType<ReadModel["loadChoices"]> } | null = null;

  constructor(
    dbFile: string,
    /** Prisma, only to catch the search index up (a write) before a full-text query. */
    private readonly db: Db,
  ) {
    this.sqlite = new Database(dbFile, { readonly: true, timeout: 15_000 });
    this.sqlite.pragma("cache_size = -32768");
  }

  close(): void {
    this.sqlite.close();
  }

  private all<T>(sql: string, params: Param[] = []): T[] {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql);
      if (this.statements.size > 500) this.statements.clear(); // IN lists vary in length
      this.statements.set(sql, s);
    }
    return s.all(...params) as T[];
  }

  private get<T>(sql: string, params: Param[] = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  /** Full-text search that works on Chinese: FTS5 trigram for ≥3 characters, LIKE below that. */
  private async search(q: string): Promise<Clause> {
    const term = q.trim();
    if ([...term].length < 3) {
      const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return { sql: `d.title LIKE ? ESCAPE '\\' OR d.body LIKE ? ESCAPE '\\'`, params: [like, like] };
    }
    await catchUpSearchIndex(this.db);
    const ids = this.all<{ rowid: number }>(`SELECT rowid FROM DraftSearch WHERE DraftSearch MATCH ? ORDER BY rowid DESC LIMIT 2000`, [`"${term.replace(/"/g, '""')}"`]).map((r) => r.rowid);
    return { sql: `d.id IN ${inList(ids)}`, params: ids };
  }

  /** The queue screen: the page of items, the division tabs and the filter choices. */
  async queueScreen(actor: Actor, f: QueueFilter) {
    return { ...(await this.queue(actor, f)), tabs: this.divisionTabs(actor), choices: this.choices() };
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
    const rows = this.all<QueueRow>(
      `SELECT d.id, d.title, d.status, d.receivedAt, d.waitingSince, d.version, d.important, d.flags, d.unitConfirmed, d.senderAddress, d.channel, d.duplicateOfId, d.divisionId, d.columnId,
              ${f.q?.trim() ? "d.body" : "NULL"} AS body, u.name AS unitName, c.name AS columnName, v.name AS divisionName
         FROM (SELECT d.id FROM Draft d WHERE ${where.sql} ORDER BY ${order} LIMIT ${PAGE_SIZE} OFFSET ?) page
         JOIN Draft d ON d.id = page.id
         LEFT JOIN SendingUnit u ON u.id = d.unitId LEFT JOIN "Column" c ON c.id = d.columnId LEFT JOIN Division v ON v.id = d.divisionId
        ORDER BY ${order}`,
      [...where.params, (f.page - 1) * PAGE_SIZE],
    );
    const total = this.get<{ n: number }>(`SELECT count(*) AS n FROM Draft d WHERE ${where.sql}`, where.params)!.n;
    // The per-status counts follow every filter but the status itself, and count every status
    // (published and returned too), so the line says what each status choice would show.
    // A scope of several divisions or the shared triage is an OR that SQLite answers from two
    // indexes; grouping by the plain column would steer it onto the status index instead, a
    // scan of every open item (bench:web, info administrator: 3–11 ms instead of 0.3 ms).
    const all = and(base);
    const groupBy = scope.sql === "1=1" ? "d.status" : "+d.status";
    const counts: Record<string, number> = Object.fromEntries(this.all<{ status: string; n: number }>(`SELECT d.status, count(*) AS n FROM Draft d WHERE ${all.sql} GROUP BY ${groupBy}`, all.params).map((r) => [r.status, r.n]));
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

  /** Who an audit actor is, in the words of the screen: a person's name, never an account code. */
  private names: { at: number; users: Map<string, { name: string; rank: string | null }>; people: Map<string, { name: string; rank: string | null }> } | null = null;
  private who(actor: string): { name: string; rank: string | null } {
    if (!this.names || Date.now() - this.names.at > 30_000) {
      const users = new Map(
        this.all<{ username: string; displayName: string; rank: string | null }>(`SELECT u.username, u.displayName, p.leaderRank AS rank FROM User u LEFT JOIN Person p ON p.id = u.personId`).map((u) => [u.username, { name: u.displayName, rank: u.rank }]),
      );
      const people = new Map(this.all<{ email: string; name: string; rank: string | null }>(`SELECT email, name, leaderRank AS rank FROM Person WHERE email IS NOT NULL`).map((p) => [p.email.toLowerCase(), { name: p.name, rank: p.rank }]));
      this.names = { at: Date.now(), users, people };
    }
    const [kind, ...rest] = actor.split(":");
    const id = rest.join(":");
    if (kind === "user") return this.names.users.get(id) ?? { name: `账号 ${id}`, rank: null };
    if (kind === "email") return this.names.people.get(id.toLowerCase()) ?? { name: id, rank: null };
    if (kind === "cli") return { name: "命令行", rank: null };
    if (actor === "system:demo") return { name: "演示数据", rank: null };
    return { name: "网关（自动）", rank: null };
  }
  nameOf = (actor: string): string => this.who(actor).name;
  /** director | deputy_director: which 批示 box of the 审批表 a leader's opinion belongs in. */
  rankOf = (actor: string): string | null => this.who(actor).rank;

  /** The state notes of the page's rows: one read of the events they are made of. */
  private notesOf(rows: Array<{ id: number; status: string; duplicateOfId: number | null }>): Map<number, StateNote[]> {
    const out = new Map<number, StateNote[]>();
    if (!rows.length) return out;
    const ids = rows.map((r) => String(r.id));
    const events = this.all<{ id: number; at: string; actor: string; action: string; detail: string; entityId: string }>(
      `SELECT id, at, actor, action, detail, entityId FROM AuditEvent WHERE entityType = 'draft' AND entityId IN ${inList(rows.map((r) => r.id))} AND action IN (${NOTE_ACTIONS.map(() => "?").join(",")}) ORDER BY id`,
      [...ids, ...NOTE_ACTIONS],
    );
    const pending = new Map(this.all<{ draftId: number; id: number }>(`SELECT draftId, max(id) AS id FROM ReviewStep WHERE status = 'pending' AND draftId IN ${inList(rows.map((r) => r.id))} GROUP BY draftId`, rows.map((r) => r.id)).map((p) => [p.draftId, p.id]));
    const byDraft = new Map<string, AuditRow[]>();
    for (const e of events) byDraft.set(e.entityId, [...(byDraft.get(e.entityId) ?? []), { ...e, at: new Date(e.at) }]);
    for (const r of rows) {
      const notes = stateNotes({ status: r.status, duplicateOfId: r.duplicateOfId, pendingStepId: pending.get(r.id) ?? null }, byDraft.get(String(r.id)) ?? [], this.nameOf);
      if (notes.length) out.set(r.id, notes);
    }
    return out;
  }

  /**
   * Whether the actor may see a draft, from the four columns visibility depends on: the check
   * before serving one of its files (a fax has an image per page; loading the whole draft page's
   * data once per image made every page view N draft reads).
   */
  private assertVisible(actor: Actor, draftId: number | null): void {
    const d = draftId == null ? undefined : this.get<{ status: string; divisionId: number | null; unitConfirmed: number; columnId: number | null }>(`SELECT status, divisionId, unitConfirmed, columnId FROM Draft WHERE id = ?`, [draftId]);
    if (!d) throw new GatewayError("NOT_FOUND");
    if (!canSee(actor, { ...d, unitConfirmed: !!d.unitConfirmed })) throw new GatewayError("FORBIDDEN", "此稿件不在您的处室队列中");
  }

  /** A document page's image, if the actor may see its draft. */
  pageImage(actor: Actor, pageId: number): { imageSha256: string } {
    const p = this.get<{ draftId: number | null; imageSha256: string | null }>(
      `SELECT i.draftId AS draftId, p.imageSha256 AS imageSha256 FROM DocumentPage p JOIN Attachment a ON a.id = p.attachmentId JOIN IntakeMessage i ON i.id = a.intakeId WHERE p.id = ?`,
      [pageId],
    );
    if (!p?.draftId || !p.imageSha256) throw new GatewayError("NOT_FOUND");
    this.assertVisible(actor, p.draftId);
    return { imageSha256: p.imageSha256 };
  }

  /** An attachment to download, if the actor may see its draft. */
  attachmentFile(actor: Actor, attachmentId: number): { id: number; filename: string | null; sha256: string } {
    const a = this.get<{ id: number; filename: string | null; sha256: string; draftId: number | null }>(
      `SELECT a.id, a.filename, a.sha256, i.draftId FROM Attachment a JOIN IntakeMessage i ON i.id = a.intakeId WHERE a.id = ?`,
      [attachmentId],
    );
    if (!a?.draftId) throw new GatewayError("NOT_FOUND");
    this.assertVisible(actor, a.draftId);
    return { id: a.id, filename: a.filename, sha256: a.sha256 };
  }

  /** Tabs of the queue: the divisions the actor may see, with open-item counts. */
  divisionTabs(actor: Actor) {
    const vis = visibleDivisions(actor);
    const divisions = this.choices().divisions.filter((d) => vis === "all" || vis.includes(d.id));
    const open = this.all<{ divisionId: number; n: number }>(
      `SELECT d.divisionId, count(*) AS n FROM Draft d WHERE ${OPEN} AND d.divisionId IN ${inList(divisions.map((d) => d.id))} GROUP BY d.divisionId`,
      divisions.map((d) => d.id),
    );
    const openBy = new Map(open.map((o) => [o.divisionId, o.n]));
    const shared = actor.grants.some((g) => g.role === "info_admin") || vis === "all" ? this.get<{ n: number }>(`SELECT count(*) AS n FROM Draft d WHERE ${SHARED_TRIAGE}`)!.n : null;
    const mineWhere = and([scopeFor(actor), myWork(actor)]);
    const mine = this.get<{ n: number }>(`SELECT count(*) AS n FROM Draft d WHERE ${mineWhere.sql}`, mineWhere.params)!.n;
    return { divisions: divisions.map((d) => ({ id: d.id, name: d.name, open: openBy.get(d.id) ?? 0 })), shared, mine };
  }

  /** Units, columns and divisions for the dropdowns: cached briefly, dropped when an admin edits them. */
  choices() {
    if (!this.choicesCache || Date.now() - this.choicesCache.at > 10_000) this.choicesCache = { at: Date.now(), value: this.loadChoices() };
    return this.choicesCache.value;
  }

  invalidateChoices(): void {
    this.choicesCache = null;
  }

  private loadChoices() {
    const units = this.all<{ id: number; name: string }>(`SELECT id, name FROM SendingUnit WHERE active = 1 ORDER BY regionCode, id`);
    const columns = this.all<{ id: number; name: string; sharedByAll: number; owners: string | null }>(
      `SELECT c.id, c.name, c.sharedByAll, group_concat(v.name, '、') AS owners FROM "Column" c LEFT JOIN DivisionColumn dc ON dc.columnId = c.id LEFT JOIN Division v ON v.id = dc.divisionId GROUP BY c.id ORDER BY c.sortOrder`,
    );
    const divisions = this.all<{ id: number; name: string; fullName: string }>(`SELECT id, name, fullName FROM Division ORDER BY sortOrder`);
    return { units: units.map((u) => ({ ...u, py: searchKeys(u.name) })), columns: columns.map((c) => ({ id: c.id, name: c.name, owners: c.sharedByAll ? "各处共同负责" : (c.owners ?? "") })), divisions };
  }

  /** A draft's 操作日志 and its state notes, from its audit events. */
  private history(id: number, status: string, duplicateOfId: number | null) {
    const events: AuditRow[] = this.all<AuditRow & { at: string }>(`SELECT id, at, actor, action, detail FROM AuditEvent WHERE entityType = 'draft' AND entityId = ? ORDER BY id`, [String(id)]).map((r) => ({ ...r, at: new Date(r.at) }));
    const pending = this.get<{ id: number }>(`SELECT max(id) AS id FROM ReviewStep WHERE draftId = ? AND status = 'pending'`, [id])?.id ?? null;
    const merged = this.all<{ id: number; title: string }>(`SELECT id, title FROM Draft WHERE duplicateOfId = ? ORDER BY id`, [id]);
    const opinions = opinionsOf(events, this.nameOf).map((o) => ({ ...o, rank: this.rankOf(o.actor) }));
    // The original's log says which duplicates were merged into it (the event is the duplicate's).
    const mergedIn = merged.length
      ? this.all<{ at: string; actor: string; entityId: string }>(`SELECT at, actor, entityId FROM AuditEvent WHERE entityType = 'draft' AND action = 'draft.merge' AND entityId IN ${inList(merged.map((m) => m.id))} ORDER BY id`, merged.map((m) => String(m.id)))
      : [];
    const log = [...readableLog(events, this.nameOf), ...mergedIn.map((e) => ({ at: new Date(e.at), who: this.nameOf(e.actor), what: `重复报送 #${e.entityId} 并入此稿`, why: null, how: null }))].sort((a, b) => a.at.getTime() - b.at.getTime());
    return { log, notes: stateNotes({ status, duplicateOfId, pendingStepId: pending }, events, this.nameOf), merged, opinions };
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
    return this.all<{ id: number; title: string; body: string; status: string; channel: string; receivedAt: string }>(`SELECT d.id, d.title, d.body, d.status, d.channel, d.receivedAt FROM Draft d WHERE ${where.sql} ORDER BY d.receivedAt DESC LIMIT 200`, where.params).map((r) => ({
      ...r,
      receivedAt: new Date(r.receivedAt),
    }));
  }

  /** The mail a merged duplicate was made of: its intakes now belong to the original (the merge's audit event names them). */
  private mergedIntakeIds(id: number): number[] {
    const e = this.get<{ detail: string }>(`SELECT detail FROM AuditEvent WHERE entityType = 'draft' AND entityId = ? AND action = 'draft.merge' ORDER BY id DESC LIMIT 1`, [String(id)]);
    const ids = e ? (JSON.parse(e.detail) as { intakeIds?: unknown }).intakeIds : null;
    return Array.isArray(ids) ? ids.filter((x): x is number => typeof x === "number") : [];
  }

  draftDetail(actor: Actor, id: number) {
    const d = this.get<DraftSqlRow>(`SELECT * FROM Draft WHERE id = ?`, [id]);
    if (!d) throw new GatewayError("NOT_FOUND");
    const draft = {
      ...d,
      unitConfirmed: !!d.unitConfirmed,
      important: !!d.important,
      receivedAt: new Date(d.receivedAt),
      documentDate: date(d.documentDate),
      publishedAt: date(d.publishedAt),
      flags: JSON.parse(d.flags) as string[],
    };
    if (!canSee(actor, draft)) throw new GatewayError("FORBIDDEN", "此稿件不在您的处室队列中");
    const unit = d.unitId ? (this.get<{ id: number; name: string }>(`SELECT id, name FROM SendingUnit WHERE id = ?`, [d.unitId]) ?? null) : null;
    const column = d.columnId ? (this.get<{ id: number; name: string }>(`SELECT id, name FROM "Column" WHERE id = ?`, [d.columnId]) ?? null) : null;
    const division = d.divisionId ? (this.get<{ id: number; name: string; fullName: string }>(`SELECT id, name, fullName FROM Division WHERE id = ?`, [d.divisionId]) ?? null) : null;
    // A merged duplicate shows the mail it was made of, which now counts under its original.
    const own = d.duplicateOfId != null ? this.mergedIntakeIds(id) : [];
    const intakes = this.all<{ id: number; rawPath: string | null; receivedAt: string; outcome: string | null; fromAddress: string | null }>(
      own.length ? `SELECT id, rawPath, receivedAt, outcome, fromAddress FROM IntakeMessage WHERE id IN ${inList(own)} ORDER BY id` : `SELECT id, rawPath, receivedAt, outcome, fromAddress FROM IntakeMessage WHERE draftId = ? ORDER BY id`,
      own.length ? own : [id],
    );
    const attachments = intakes.length
      ? this.all<{ id: number; intakeId: number; partIndex: number; filename: string | null; contentType: string; size: number; extractMethod: string | null; extractStatus: string; extractError: string | null; pageCount: number | null; confidence: number | null }>(
          `SELECT id, intakeId, partIndex, filename, contentType, size, extractMethod, extractStatus, extractError, pageCount, confidence FROM Attachment WHERE intakeId IN ${inList(intakes.map((i) => i.id))} ORDER BY intakeId, partIndex`,
          intakes.map((i) => i.id),
        )
      : [];
    const pages = attachments.length
      ? this.all<{ id: number; attachmentId: number; pageNo: number; method: string; confidence: number | null; text: string; imageSha256: string | null; lowWords: string | null }>(
          `SELECT id, attachmentId, pageNo, method, confidence, text, imageSha256, lowWords FROM DocumentPage WHERE attachmentId IN ${inList(attachments.map((a) => a.id))} ORDER BY attachmentId, pageNo`,
          attachments.map((a) => a.id),
        )
      : [];
    return {
      draft: {
        ...draft,
        unit,
        column,
        division,
        intakes: intakes.map((i) => ({
          ...i,
          receivedAt: new Date(i.receivedAt),
          attachments: attachments.filter((a) => a.intakeId === i.id).map((a) => ({ ...a, pages: pages.filter((p) => p.attachmentId === a.id) })),
        })),
        revisions: this.all<RevisionRow>(`SELECT version, title, body, editedBy, note, createdAt FROM DraftRevision WHERE draftId = ? ORDER BY version DESC`, [id]).map((r) => ({ ...r, createdAt: new Date(r.createdAt) })),
        reviewSteps: this.all<StepRow>(`SELECT * FROM ReviewStep WHERE draftId = ? ORDER BY id`, [id]).map((r) => ({ ...r, requestedAt: new Date(r.requestedAt), decidedAt: date(r.decidedAt) })),
        published: this.all<PublishedRow>(`SELECT id, version, supersedesId, publishedAt, publishedBy, withdrawnAt FROM PublishedItem WHERE draftId = ? ORDER BY version DESC`, [id]).map((r) => ({ ...r, publishedAt: new Date(r.publishedAt) })),
      },
      ...this.history(id, d.status, d.duplicateOfId),
    };
  }
}
