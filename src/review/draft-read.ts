// The draft page's read: one draft with everything the page shows — unit, column, division,
// the messages it came in with, their attachments and pages, revisions, review steps,
// publications, the 操作日志 and state notes — and the small visibility check before one of its
// files is served (a fax has an image per page: not the whole draft read once per image).
import type { DraftSqlRow } from "../db/draft-row.js";
import type { Actor } from "../domain/roles.js";
import { GatewayError } from "../domain/errors.js";
import { canSee } from "../domain/permissions.js";
import { opinionsOf, readableLog, stateNotes, type AuditRow } from "./history.js";
import type { ActorNames } from "./names.js";
import { date, inList, type SqlReader } from "./sql.js";

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

export class DraftRead {
  constructor(
    private readonly sql: SqlReader,
    private readonly names: ActorNames,
  ) {}

  /**
   * Whether the actor may see a draft, from the four columns visibility depends on: the check
   * before serving one of its files (a fax has an image per page; loading the whole draft page's
   * data once per image made every page view N draft reads).
   */
  private assertVisible(actor: Actor, draftId: number | null): void {
    const d = draftId == null ? undefined : this.sql.get<{ status: string; divisionId: number | null; unitConfirmed: number; columnId: number | null }>(`SELECT status, divisionId, unitConfirmed, columnId FROM Draft WHERE id = ?`, [draftId]);
    if (!d) throw new GatewayError("NOT_FOUND");
    if (!canSee(actor, { ...d, unitConfirmed: !!d.unitConfirmed })) throw new GatewayError("FORBIDDEN", "此稿件不在您的处室队列中");
  }

  /** A document page's image, if the actor may see its draft. */
  pageImage(actor: Actor, pageId: number): { imageSha256: string } {
    const p = this.sql.get<{ draftId: number | null; imageSha256: string | null }>(
      `SELECT i.draftId AS draftId, p.imageSha256 AS imageSha256 FROM DocumentPage p JOIN Attachment a ON a.id = p.attachmentId JOIN IntakeMessage i ON i.id = a.intakeId WHERE p.id = ?`,
      [pageId],
    );
    if (!p?.draftId || !p.imageSha256) throw new GatewayError("NOT_FOUND");
    this.assertVisible(actor, p.draftId);
    return { imageSha256: p.imageSha256 };
  }

  /** An attachment to download, if the actor may see its draft. */
  attachmentFile(actor: Actor, attachmentId: number): { id: number; filename: string | null; sha256: string } {
    const a = this.sql.get<{ id: number; filename: string | null; sha256: string; draftId: number | null }>(
      `SELECT a.id, a.filename, a.sha256, i.draftId FROM Attachment a JOIN IntakeMessage i ON i.id = a.intakeId WHERE a.id = ?`,
      [attachmentId],
    );
    if (!a?.draftId) throw new GatewayError("NOT_FOUND");
    this.assertVisible(actor, a.draftId);
    return { id: a.id, filename: a.filename, sha256: a.sha256 };
  }

  /** A draft's 操作日志 and its state notes, from its audit events. */
  private history(id: number, status: string, duplicateOfId: number | null) {
    const events: AuditRow[] = this.sql.all<AuditRow & { at: string }>(`SELECT id, at, actor, action, detail FROM AuditEvent WHERE entityType = 'draft' AND entityId = ? ORDER BY id`, [String(id)]).map((r) => ({ ...r, at: new Date(r.at) }));
    const pending = this.sql.get<{ id: number }>(`SELECT max(id) AS id FROM ReviewStep WHERE draftId = ? AND status = 'pending'`, [id])?.id ?? null;
    const merged = this.sql.all<{ id: number; title: string }>(`SELECT id, title FROM Draft WHERE duplicateOfId = ? ORDER BY id`, [id]);
    const opinions = opinionsOf(events, this.names.nameOf).map((o) => ({ ...o, rank: this.names.rankOf(o.actor) }));
    // The original's log says which duplicates were merged into it (the event is the duplicate's).
    const mergedIn = merged.length
      ? this.sql.all<{ at: string; actor: string; entityId: string }>(`SELECT at, actor, entityId FROM AuditEvent WHERE entityType = 'draft' AND action = 'draft.merge' AND entityId IN ${inList(merged.map((m) => m.id))} ORDER BY id`, merged.map((m) => String(m.id)))
      : [];
    const log = [...readableLog(events, this.names.nameOf), ...mergedIn.map((e) => ({ at: new Date(e.at), who: this.names.nameOf(e.actor), what: `重复报送 #${e.entityId} 并入此稿`, why: null, how: null }))].sort((a, b) => a.at.getTime() - b.at.getTime());
    return { log, notes: stateNotes({ status, duplicateOfId, pendingStepId: pending }, events, this.names.nameOf), merged, opinions };
  }

  /** The mail a merged duplicate was made of: its intakes now belong to the original (the merge's audit event names them). */
  private mergedIntakeIds(id: number): number[] {
    const e = this.sql.get<{ detail: string }>(`SELECT detail FROM AuditEvent WHERE entityType = 'draft' AND entityId = ? AND action = 'draft.merge' ORDER BY id DESC LIMIT 1`, [String(id)]);
    const ids = e ? (JSON.parse(e.detail) as { intakeIds?: unknown }).intakeIds : null;
    return Array.isArray(ids) ? ids.filter((x): x is number => typeof x === "number") : [];
  }

  draftDetail(actor: Actor, id: number) {
    const d = this.sql.get<DraftSqlRow>(`SELECT * FROM Draft WHERE id = ?`, [id]);
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
    const unit = d.unitId ? (this.sql.get<{ id: number; name: string }>(`SELECT id, name FROM SendingUnit WHERE id = ?`, [d.unitId]) ?? null) : null;
    const column = d.columnId ? (this.sql.get<{ id: number; name: string }>(`SELECT id, name FROM "Column" WHERE id = ?`, [d.columnId]) ?? null) : null;
    const division = d.divisionId ? (this.sql.get<{ id: number; name: string; fullName: string }>(`SELECT id, name, fullName FROM Division WHERE id = ?`, [d.divisionId]) ?? null) : null;
    // A merged duplicate shows the mail it was made of, which now counts under its original.
    const own = d.duplicateOfId != null ? this.mergedIntakeIds(id) : [];
    const intakes = this.sql.all<{ id: number; rawPath: string | null; receivedAt: string; outcome: string | null; fromAddress: string | null }>(
      own.length ? `SELECT id, rawPath, receivedAt, outcome, fromAddress FROM IntakeMessage WHERE id IN ${inList(own)} ORDER BY id` : `SELECT id, rawPath, receivedAt, outcome, fromAddress FROM IntakeMessage WHERE draftId = ? ORDER BY id`,
      own.length ? own : [id],
    );
    const attachments = intakes.length
      ? this.sql.all<{ id: number; intakeId: number; partIndex: number; filename: string | null; contentType: string; size: number; extractMethod: string | null; extractStatus: string; extractError: string | null; pageCount: number | null; confidence: number | null }>(
          `SELECT id, intakeId, partIndex, filename, contentType, size, extractMethod, extractStatus, extractError, pageCount, confidence FROM Attachment WHERE intakeId IN ${inList(intakes.map((i) => i.id))} ORDER BY intakeId, partIndex`,
          intakes.map((i) => i.id),
        )
      : [];
    const pages = attachments.length
      ? this.sql.all<{ id: number; attachmentId: number; pageNo: number; method: string; confidence: number | null; text: string; imageSha256: string | null; lowWords: string | null }>(
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
        revisions: this.sql.all<RevisionRow>(`SELECT version, title, body, editedBy, note, createdAt FROM DraftRevision WHERE draftId = ? ORDER BY version DESC`, [id]).map((r) => ({ ...r, createdAt: new Date(r.createdAt) })),
        reviewSteps: this.sql.all<StepRow>(`SELECT * FROM ReviewStep WHERE draftId = ? ORDER BY id`, [id]).map((r) => ({ ...r, requestedAt: new Date(r.requestedAt), decidedAt: date(r.decidedAt) })),
        published: this.sql.all<PublishedRow>(`SELECT id, version, supersedesId, publishedAt, publishedBy, withdrawnAt FROM PublishedItem WHERE draftId = ? ORDER BY version DESC`, [id]).map((r) => ({ ...r, publishedAt: new Date(r.publishedAt) })),
      },
      ...this.history(id, d.status, d.duplicateOfId),
    };
  }
}
