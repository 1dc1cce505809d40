// Read side of the review screen, one read per screen: the queue (queue-read.ts) and one draft
// with everything its page shows (draft-read.ts), on one read-only SQL connection (sql.ts), with
// visibility applied in the SQL (scope.ts), not in the template. Writes never come here; they go
// through the services and Prisma.
import type { Db } from "../db/client.js";
import type { Actor } from "../domain/roles.js";
import { DraftRead } from "./draft-read.js";
import { ActorNames } from "./names.js";
import { QueueRead, type QueueFilter } from "./queue-read.js";
import { SqlReader } from "./sql.js";
import { searchKeys } from "./unit-search.js";

export { PAGE_SIZE, type QueueFilter } from "./queue-read.js";

export class ReadModel {
  private readonly sql: SqlReader;
  private readonly queueRead: QueueRead;
  private readonly draftRead: DraftRead;
  private choicesCache: { at: number; value: ReturnType<ReadModel["loadChoices"]> } | null = null;

  constructor(
    dbFile: string,
    /** Prisma, only to catch the search index up (a write) before a full-text query. */
    db: Db,
  ) {
    this.sql = new SqlReader(dbFile);
    const names = new ActorNames(this.sql);
    this.queueRead = new QueueRead(this.sql, db, names);
    this.draftRead = new DraftRead(this.sql, names);
  }

  close(): void {
    this.sql.close();
  }

  /** The queue screen: the page of items, the division tabs and the filter choices. */
  async queueScreen(actor: Actor, f: QueueFilter) {
    return { ...(await this.queue(actor, f)), tabs: this.divisionTabs(actor), choices: this.choices() };
  }

  queue(actor: Actor, f: QueueFilter) {
    return this.queueRead.queue(actor, f);
  }

  /** Tabs of the queue: the divisions the actor may see, with open-item counts. */
  divisionTabs(actor: Actor) {
    return this.queueRead.divisionTabs(actor, this.choices().divisions);
  }

  /** Drafts that may be the same submission as `d`, for the duplicate suggestions (review/duplicates.ts). */
  duplicateCandidates(actor: Actor, d: Parameters<QueueRead["duplicateCandidates"]>[1], days: number) {
    return this.queueRead.duplicateCandidates(actor, d, days);
  }

  draftDetail(actor: Actor, id: number) {
    return this.draftRead.draftDetail(actor, id);
  }

  /** A document page's image, if the actor may see its draft. */
  pageImage(actor: Actor, pageId: number): { imageSha256: string } {
    return this.draftRead.pageImage(actor, pageId);
  }

  /** An attachment to download, if the actor may see its draft. */
  attachmentFile(actor: Actor, attachmentId: number): { id: number; filename: string | null; sha256: string } {
    return this.draftRead.attachmentFile(actor, attachmentId);
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
    const units = this.sql.all<{ id: number; name: string }>(`SELECT id, name FROM SendingUnit WHERE active = 1 ORDER BY regionCode, id`);
    const columns = this.sql.all<{ id: number; name: string; sharedByAll: number; owners: string | null }>(
      `SELECT c.id, c.name, c.sharedByAll, group_concat(v.name, '、') AS owners FROM "Column" c LEFT JOIN DivisionColumn dc ON dc.columnId = c.id LEFT JOIN Division v ON v.id = dc.divisionId GROUP BY c.id ORDER BY c.sortOrder`,
    );
    const divisions = this.sql.all<{ id: number; name: string; fullName: string }>(`SELECT id, name, fullName FROM Division ORDER BY sortOrder`);
    return { units: units.map((u) => ({ ...u, py: searchKeys(u.name) })), columns: columns.map((c) => ({ id: c.id, name: c.name, owners: c.sharedByAll ? "各处共同负责" : (c.owners ?? "") })), divisions };
  }
}
