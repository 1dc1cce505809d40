// The review chain of Art. 5 as services. Every verb: load → authorise → check the transition
// (domain/status.ts) → change + review step + audit row in one transaction. No HTML, no SMTP.
import type { Db, Tx } from "../db/client.js";
import { audit } from "../audit/audit.js";
import { personKey, slotConflict, slotConflictMessage, type FormSlot, type SlotHolder } from "../domain/duties.js";
import { mergeDraft } from "../ledger/prisma-ledger.js";
import { GatewayError } from "../domain/errors.js";
import { canSee, isInfoAdminOf, mayAct } from "../domain/permissions.js";
import { actionLabel, canStart, needsReason, nextStatus, type DraftAction } from "../domain/status.js";
import type { Actor } from "../domain/roles.js";
import { publicationFields } from "../publish/publication.js";
import { assertNoOpenPersonalData } from "./suggestions.js";
import { LEADER_STAGES, ReviewStage } from "../domain/review-steps.js";

type DraftRow = NonNullable<Awaited<ReturnType<Tx["draft"]["findUnique"]>>>;

const actorLabel = (a: Actor) => `user:${a.username}`;

/** The box of the 审批表 an action fills (the checks of domain/duties.ts). */
const SLOT_OF: Partial<Record<DraftAction, FormSlot>> = { division_approve: "division_head", leader_approve: "leader", publish: "info_admin" };

/**
 * 送审 needs a sending unit a person or the registry confirmed (a sender's address alone is not
 * one: anyone can write from any address), and a column and division. Every problem at once.
 */
function assertReadyForReview(d: DraftRow): void {
  const fields: Record<string, string> = {};
  if (!d.unitConfirmed)
    fields.unitId = d.channel === "fax" ? `报送单位未确认：传真号码 ${d.faxNumber ?? "（无）"} 未登记。请选择报送单位，或请信息中心登记此号码为本单位` : `报送单位未确认：发件地址 ${d.senderAddress ?? "（无）"} 未登记。请选择报送单位，或请信息中心登记此地址为本单位`;
  if (d.columnId == null) fields.columnId = "请选择栏目";
  if (d.divisionId == null) fields.divisionId = "请选择处室";
  if ((JSON.parse(d.flags) as string[]).includes("unscreened")) fields.unscreened = "有附件未能检查（未经密级检查）：请先人工查看原件并记录结论，再送审";
  if (Object.keys(fields).length) throw new GatewayError("VALIDATION", `不能送审：${Object.values(fields).join("；")}`, { fields });
}

/** What happened, for those who must hear of it (the outbox: approval requests, notices). */
export interface TransitionEvent {
  action: DraftAction;
  draftId: number;
  from: string;
  to: string;
  comment: string;
  actor: Actor;
  /** The step created by this action and awaiting a decision (处长审核 or 办领导审核). */
  pendingStepId: number | null;
  publishedItemId: number | null;
}

export interface TransitionListener {
  /** Runs inside the transaction of the change: queue mail here, send it after commit. */
  afterTransition(tx: Tx, e: TransitionEvent): Promise<void>;
}

export interface ActOptions {
  channel?: "web" | "email";
  ip?: string;
}

export class ReviewService {
  private listeners: TransitionListener[] = [];
  constructor(private readonly db: Db) {}

  onTransition(l: TransitionListener): void {
    this.listeners.push(l);
  }

  /** Loads for an actor: someone who may not see the draft learns nothing about it (not even its version). */
  private async load(tx: Tx, actor: Actor, id: number, version: number): Promise<DraftRow> {
    const d = await tx.draft.findUnique({ where: { id } });
    if (!d || !canSee(actor, d)) throw new GatewayError(d ? "FORBIDDEN" : "NOT_FOUND");
    if (d.version !== version) throw new GatewayError("STALE_VERSION");
    return d;
  }

  /** Edits title/body (triage only). The previous text is kept as a revision. */
  async edit(actor: Actor, id: number, version: number, input: { title: string; body: string; note?: string }, ip?: string) {
    return this.db.$transaction(async (tx) => {
      const d = await this.load(tx, actor, id, version);
      if (!mayAct(actor, "edit", d)) throw new GatewayError(d.status === "triage" ? "FORBIDDEN" : "INVALID_TRANSITION");
      const title = input.title.trim();
      const fields: Record<string, string> = {};
      if (!title) fields.title = "标题不能为空";
      else if ([...title].length > 200) fields.title = `标题过长（${[...title].length} 字），请控制在 200 字以内`;
      if (!input.body.trim()) fields.body = "正文不能为空";
      if ((input.note ?? "").length > 500) fields.note = "修改说明请控制在 500 字以内";
      if (Object.keys(fields).length) throw new GatewayError("VALIDATION", `未保存：${Object.values(fields).join("；")}`, { fields });
      if (title === d.title && input.body === d.body) return d;
      await tx.draftRevision.create({
        data: { draftId: id, version: d.version, title: d.title, body: d.body, columnId: d.columnId, divisionId: d.divisionId, unitId: d.unitId, editedBy: actor.displayName, note: input.note ?? null },
      });
      const updated = await tx.draft.update({ where: { id }, data: { title, body: input.body, version: { increment: 1 } } });
      await audit(tx, { actor: actorLabel(actor), action: "draft.edit", entityType: "draft", entityId: id, ip, detail: { fromVersion: d.version, titleChanged: title !== d.title, bodyChanged: input.body !== d.body } });
      return updated;
    });
  }

  /** Triage: confirm the unit, choose column and division, mark important. */
  async triage(actor: Actor, id: number, version: number, input: { unitId: number | null; columnId: number | null; divisionId: number | null; important: boolean }, ip?: string) {
    return this.db.$transaction(async (tx) => {
      const d = await this.load(tx, actor, id, version);
      if (!mayAct(actor, "triage", d)) throw new GatewayError(d.status === "triage" ? "FORBIDDEN" : "INVALID_TRANSITION");
      if (input.columnId != null && input.divisionId != null) {
        const col = await tx.column.findUnique({ where: { id: input.columnId }, include: { divisions: true } });
        if (!col) throw new GatewayError("VALIDATION", "栏目不存在");
        if (!col.sharedByAll && !col.divisions.some((x) => x.divisionId === input.divisionId))
          throw new GatewayError("VALIDATION", `栏目「${col.name}」不属于所选处室（附件2）`, { fields: { columnId: `栏目「${col.name}」不属于所选处室（附件2）：请另选栏目或处室`, divisionId: "与所选栏目不符" } });
      }
      const flags = (JSON.parse(d.flags) as string[]).filter((f) => !(input.unitId != null && f === "unit_unconfirmed") && !(input.columnId != null && f === "no_column"));
      const changes: Record<string, unknown> = {};
      const data: Parameters<Tx["draft"]["update"]>[0]["data"] = { version: { increment: 1 }, flags: JSON.stringify(flags), important: input.important };
      if (input.unitId !== d.unitId || (input.unitId != null && !d.unitConfirmed)) {
        data.unitId = input.unitId;
        data.unitConfirmed = input.unitId != null;
        data.unitReason = input.unitId != null ? `由${actor.displayName}人工确认` : d.unitReason;
        changes.unit = [d.unitId, input.unitId];
      }
      if (input.columnId !== d.columnId) {
        data.columnId = input.columnId;
        data.columnReason = `由${actor.displayName}人工选择（原：${d.columnReason}）`;
        changes.column = [d.columnId, input.columnId];
      }
      if (input.divisionId !== d.divisionId) {
        data.divisionId = input.divisionId;
        data.divisionReason = `由${actor.displayName}人工指定（原：${d.divisionReason}）`;
        changes.division = [d.divisionId, input.divisionId];
      }
      if (input.important !== d.important) changes.important = [d.important, input.important];
      const updated = await tx.draft.update({ where: { id }, data });
      await audit(tx, { actor: actorLabel(actor), action: "draft.triage", entityType: "draft", entityId: id, ip, detail: changes });
      return updated;
    });
  }

  /** Art. 10: a person looked at the flagged terms and decides the item may go on; the reason is kept. */
  async clearProhibited(actor: Actor, id: number, version: number, reason: string, ip?: string) {
    return this.db.$transaction(async (tx) => {
      const d = await this.load(tx, actor, id, version);
      if (!isInfoAdminOf(actor, d)) throw new GatewayError("FORBIDDEN");
      const flags = JSON.parse(d.flags) as string[];
      if (!flags.includes("prohibited_content")) throw new GatewayError("INVALID_TRANSITION", "此稿件没有违禁内容标记");
      if (!reason.trim()) throw new GatewayError("VALIDATION", "请填写复核理由", { fields: { reason: "请填写复核结论与理由" } });
      const screenNote = `${d.screenNote ?? ""}\n已由${actor.displayName}人工复核并解除标记：${reason.trim()}`.trim();
      const updated = await tx.draft.update({ where: { id }, data: { flags: JSON.stringify(flags.filter((f) => f !== "prohibited_content")), screenNote, version: { increment: 1 } } });
      await audit(tx, { actor: actorLabel(actor), action: "screen.clear_prohibited", entityType: "draft", entityId: id, ip, detail: { reason: reason.trim(), note: d.screenNote } });
      return updated;
    });
  }

  /**
   * 「未能检查」: a part the gateway could not open (encrypted, damaged, over a limit, an
   * unsupported format) was not screened for 密级 marks. A person opens the original, looks, and
   * records what they found; only then may the draft be sent for review. The reason is kept.
   */
  async clearUnscreened(actor: Actor, id: number, version: number, reason: string, ip?: string) {
    return this.db.$transaction(async (tx) => {
      const d = await this.load(tx, actor, id, version);
      if (!isInfoAdminOf(actor, d)) throw new GatewayError("FORBIDDEN");
      const flags = JSON.parse(d.flags) as string[];
      if (!flags.includes("unscreened")) throw new GatewayError("INVALID_TRANSITION", "此稿件没有「未能检查」的附件");
      if (!reason.trim()) throw new GatewayError("VALIDATION", "请填写查看结论（例如：已打开原件逐页查看，无密级标志）", { fields: { reason: "请填写查看结论（例如：已打开原件逐页查看，无密级标志）" } });
      const screenNote = `${d.screenNote ?? ""}\n已由${actor.displayName}人工查看未能检查的附件：${reason.trim()}`.trim();
      const updated = await tx.draft.update({ where: { id }, data: { flags: JSON.stringify(flags.filter((f) => f !== "unscreened")), screenNote, version: { increment: 1 } } });
      await audit(tx, { actor: actorLabel(actor), action: "screen.clear_unscreened", entityType: "draft", entityId: id, ip, detail: { reason: reason.trim(), note: d.screenNote } });
      return updated;
    });
  }

  /**
   * Triage: this draft is the same submission as an earlier one (sent again with other wording,
   * or by fax and by mail). It is archived as a duplicate of the original, its mail is listed
   * under the original, and statistics never count it.
   */
  async mergeInto(actor: Actor, id: number, version: number, originalId: number, ip?: string) {
    return this.db.$transaction(async (tx) => {
      const d = await this.load(tx, actor, id, version);
      if (!mayAct(actor, "triage", d)) throw new GatewayError(d.status === "triage" ? "FORBIDDEN" : "INVALID_TRANSITION");
      const refuse = (why: string) => new GatewayError("VALIDATION", why, { fields: { originalId: why } });
      if (originalId === id) throw refuse("不能与自身合并");
      const original = await tx.draft.findUnique({ where: { id: originalId } });
      if (!original || !canSee(actor, original)) throw refuse(`稿件 #${originalId} 不存在或不在您的队列中`);
      if (original.duplicateOfId != null) throw refuse(`稿件 #${originalId} 本身已是重复稿件，请并入其原稿 #${original.duplicateOfId}`);
      // The merged draft's mail now counts under the original; the event names it, so the
      // merged draft's page can still show what it was made of.
      const intakeIds = (await tx.intakeMessage.findMany({ where: { draftId: id }, select: { id: true }, orderBy: { id: "asc" } })).map((i) => i.id);
      await mergeDraft(tx, id, originalId);
      const updated = await tx.draft.update({ where: { id }, data: { status: "archived", statusSince: new Date(), duplicateOfId: originalId, archivedReason: `重复报送，已并入稿件 #${originalId}`, version: { increment: 1 } } });
      await tx.reviewStep.updateMany({ where: { draftId: id, status: "pending" }, data: { status: "superseded" } });
      await audit(tx, { actor: actorLabel(actor), action: "draft.merge", entityType: "draft", entityId: id, ip, detail: { into: originalId, intakeIds } });
      return updated;
    });
  }

  /** Every step of the chain. */
  async act(actor: Actor, id: number, version: number, action: DraftAction, input: { comment?: string }, ip?: string) {
    return this.db.$transaction((tx) => this.actIn(tx, actor, id, version, action, input, { channel: "web", ip }));
  }

  /**
   * The same, inside the caller's transaction: an e-mailed decision commits together with the
   * intake ledger row of the reply. `version` null = the current version (a mail reply cannot
   * know it; the approval token binds it to the review step instead).
   */
  async actIn(tx: Tx, actor: Actor, id: number, version: number | null, action: DraftAction, input: { comment?: string }, opts: ActOptions = {}) {
    const ip = opts.ip;
    const channel = opts.channel ?? "web";
    const current = await tx.draft.findUnique({ where: { id }, select: { version: true } });
      const d = await this.load(tx, actor, id, version ?? current?.version ?? -1);
      if (!mayAct(actor, action, d)) throw new GatewayError("FORBIDDEN", `您无权对此稿件执行此操作`);
      if (!canStart(action, d.status)) throw new GatewayError("INVALID_TRANSITION");
      const slot = SLOT_OF[action];
      if (slot) await this.assertOneSlotEach(tx, id, actor, slot);
      const comment = (input.comment ?? "").trim();
      if (needsReason(action) && !comment) throw new GatewayError("VALIDATION", `${actionLabel[action]}须填写理由`, { fields: { comment: `请填写${actionLabel[action]}的理由` } });
      const now = new Date();
      const to = nextStatus(action, d.important);
      const extra: Record<string, unknown> = {};
      let pendingStepId: number | null = null;

      if (action === "send_for_review") {
        assertReadyForReview(d);
        const form = await this.formSnapshot(tx, d, actor);
        // A new round supersedes whatever was pending from an earlier round.
        await tx.reviewStep.updateMany({ where: { draftId: id, status: "pending" }, data: { status: "superseded" } });
        const division = await tx.division.findUniqueOrThrow({ where: { id: d.divisionId! } });
        const step = await tx.reviewStep.create({ data: { draftId: id, stage: ReviewStage.divisionHead, divisionId: d.divisionId, approverPersonId: division.headId, requestedBy: actor.displayName, requestedByUserId: actor.userId, ...form } });
        extra.reviewStepId = step.id;
        pendingStepId = step.id;
      } else if (action === "division_approve" || action === "leader_approve") {
        const stageWhere = action === "division_approve" ? { stage: ReviewStage.divisionHead } : { stage: { in: [...LEADER_STAGES] } };
        const step = await tx.reviewStep.findFirst({ where: { draftId: id, status: "pending", ...stageWhere }, orderBy: { id: "desc" } });
        if (!step) throw new GatewayError("INVALID_TRANSITION", "没有待审核的审批记录");
        const stage = await this.decidedStage(tx, step.stage, actor);
        await tx.reviewStep.update({ where: { id: step.id }, data: { stage, status: "approved", opinion: comment || "同意", decidedAt: now, decidedByLabel: actor.displayName, decidedByUserId: actor.userId, channel } });
        if (to === "leader_review") {
          const form = await this.formSnapshot(tx, d, actor, step.formInfoAdmin);
          const leaderStep = await tx.reviewStep.create({ data: { draftId: id, stage: ReviewStage.leader, divisionId: d.divisionId, requestedBy: actor.displayName, requestedByUserId: actor.userId, ...form } });
          pendingStepId = leaderStep.id;
        }
        extra.reviewStepId = step.id;
      } else if (action === "send_back" || action === "reject" || action === "return_to_sender") {
        const step = await tx.reviewStep.findFirst({ where: { draftId: id, status: "pending" }, orderBy: { id: "desc" } });
        // A 办领导's 退回 is signed in the box of their rank, as an approval would be.
        if (step)
          await tx.reviewStep.update({ where: { id: step.id }, data: { stage: await this.decidedStage(tx, step.stage, actor), status: action === "reject" ? "rejected" : "returned", opinion: comment, decidedAt: now, decidedByLabel: actor.displayName, decidedByUserId: actor.userId, channel } });
        extra.reviewStepId = step?.id;
        if (action === "send_back" && d.status === "approved") {
          // Taking back an approval: the approvals of this round no longer stand.
          await tx.reviewStep.updateMany({ where: { draftId: id, status: "approved" }, data: { status: "superseded" } });
        }
      } else if (action === "refer_to_leader") {
        // The router hinted the item is important, and the info administrator agrees: it becomes
        // important, and the 办领导 is asked as after a 处长's approval of an important item.
        const head = await tx.reviewStep.findFirst({ where: { draftId: id, status: "approved", stage: ReviewStage.divisionHead }, orderBy: { id: "desc" } });
        const form = await this.formSnapshot(tx, d, actor, head?.formInfoAdmin);
        const leaderStep = await tx.reviewStep.create({ data: { draftId: id, stage: ReviewStage.leader, divisionId: d.divisionId, requestedBy: actor.displayName, requestedByUserId: actor.userId, ...form } });
        pendingStepId = leaderStep.id;
        extra.reviewStepId = leaderStep.id;
      } else if (action === "publish") {
        const hintOverride = await this.assertReviewed(tx, d, comment);
        if (hintOverride) extra.hintOverride = { hint: d.importantHint, reason: comment };
        await assertNoOpenPersonalData(tx, d);
        const last = await tx.publishedItem.findFirst({ where: { draftId: id }, orderBy: { version: "desc" } });
        const item = await tx.publishedItem.create({
          data: {
            draftId: id,
            version: (last?.version ?? 0) + 1,
            supersedesId: last?.id ?? null,
            columnId: d.columnId!,
            divisionId: d.divisionId!,
            unitId: d.unitId,
            title: d.title,
            body: d.body,
            documentDate: d.documentDate,
            publishedBy: actor.displayName,
            publishedByUserId: actor.userId,
            ...(await publicationFields(tx, d)),
          },
        });
        extra.publishedItemId = item.id;
      } else if (action === "correct") {
        // The approvals of the published version stay on record but no longer count: the
        // correction goes through the whole chain again before it replaces the published text.
        await tx.reviewStep.updateMany({ where: { draftId: id, status: "approved" }, data: { status: "superseded" } });
      } else if (action === "archive") {
        extra.archivedReason = comment;
      }

      const updated = await tx.draft.update({
        where: { id },
        data: {
          status: to,
          statusSince: now,
          version: { increment: 1 },
          ...(action === "refer_to_leader" ? { important: true } : {}),
          ...(action === "archive" ? { archivedReason: comment } : {}),
          ...(action === "publish" ? { publishedAt: now } : {}),
        },
      });
      await audit(tx, { actor: actorLabel(actor), action: `review.${action}`, entityType: "draft", entityId: id, ip, detail: { from: d.status, to, channel, comment: comment || undefined, ...extra } });
      const event: TransitionEvent = { action, draftId: id, from: d.status, to, comment, actor, pendingStepId, publishedItemId: (extra.publishedItemId as number | undefined) ?? null };
      for (const l of this.listeners) await l.afterTransition(tx, event);
      return updated;
  }

  /**
   * One person, one box of this round's 审批表 (domain/duties.ts), checked here for the web and the
   * e-mail channel alike. The round: the latest 处长审核 step that still stands, and what followed it.
   */
  private async assertOneSlotEach(tx: Tx, draftId: number, actor: Actor, wants: FormSlot): Promise<void> {
    const head = await tx.reviewStep.findFirst({ where: { draftId, stage: ReviewStage.divisionHead, status: { in: ["pending", "approved"] } }, orderBy: { id: "desc" } });
    if (!head) return;
    const steps = await tx.reviewStep.findMany({ where: { draftId, id: { gte: head.id }, status: "approved" } });
    const filled: Array<{ slot: FormSlot; userId: number | null }> = [
      { slot: "info_admin", userId: head.requestedByUserId },
      ...steps.map((st) => ({ slot: (st.stage === ReviewStage.divisionHead ? "division_head" : "leader") as FormSlot, userId: st.decidedByUserId })),
    ];
    const ids = [...new Set(filled.flatMap((f) => (f.userId != null ? [f.userId] : [])))];
    const users = new Map((await tx.user.findMany({ where: { id: { in: ids } }, select: { id: true, personId: true, displayName: true } })).map((u) => [u.id, u]));
    const holders: SlotHolder[] = filled.flatMap((f) => {
      const u = f.userId != null ? users.get(f.userId) : undefined;
      return u ? [{ slot: f.slot, person: personKey({ personId: u.personId, userId: u.id }), name: u.displayName }] : [];
    });
    const held = slotConflict(personKey(actor), wants, holders);
    if (held) throw new GatewayError("FORBIDDEN", slotConflictMessage(held, wants), { held: held.slot, wants });
  }

  /**
   * 意见: an approver writes an opinion on the step waiting for them without deciding it (the
   * web's counterpart of a reply that is not a decision). Recorded as what it is — an opinion —
   * in the audit trail, shown on the draft, in the queue and on the 审批表; the step stays pending.
   */
  async comment(actor: Actor, id: number, text: string, ip?: string) {
    return this.db.$transaction(async (tx) => {
      const d = await tx.draft.findUnique({ where: { id } });
      if (!d || !canSee(actor, d)) throw new GatewayError(d ? "FORBIDDEN" : "NOT_FOUND");
      const approve = d.status === "division_review" ? "division_approve" : d.status === "leader_review" ? "leader_approve" : null;
      if (!approve) throw new GatewayError("INVALID_TRANSITION", "只有待审核的稿件可以提出意见");
      if (!mayAct(actor, approve, d)) throw new GatewayError("FORBIDDEN", "只有本环节的审核人可以提出意见");
      const comment = text.trim();
      if (!comment) throw new GatewayError("VALIDATION", "请填写意见", { fields: { comment: "请填写意见" } });
      const step = await tx.reviewStep.findFirst({ where: { draftId: id, status: "pending" }, orderBy: { id: "desc" } });
      if (!step) throw new GatewayError("INVALID_TRANSITION", "没有待审核的审批记录");
      await audit(tx, { actor: actorLabel(actor), action: "review.comment", entityType: "draft", entityId: id, ip, detail: { stepId: step.id, stage: step.stage, comment: comment.slice(0, 2000), channel: "web" } });
      return d;
    });
  }

  /** The box of the 审批表 a decision is signed in: a 办领导 step by the rank of whoever decides. */
  private async decidedStage(tx: Tx, stage: string, actor: Actor): Promise<string> {
    if (!(LEADER_STAGES as readonly string[]).includes(stage)) return stage;
    const person = actor.personId ? await tx.person.findUnique({ where: { id: actor.personId } }) : null;
    return person?.leaderRank === "director" ? ReviewStage.director : ReviewStage.deputyDirector;
  }

  /**
   * 未经审核的信息不得上网发布: the recorded steps, not the status alone, allow publishing. An item
   * the router hinted as important but nobody marked so goes to the 办领导, unless the info
   * administrator gives the reason not to (returned true: the reason is recorded with the publication).
   */
  private async assertReviewed(tx: Tx, d: DraftRow, reason: string): Promise<boolean> {
    if (d.columnId == null || d.divisionId == null) throw new GatewayError("INVALID_TRANSITION", "栏目或处室未定，不能发布");
    if ((JSON.parse(d.flags) as string[]).includes("prohibited_content"))
      throw new GatewayError("INVALID_TRANSITION", "疑含违禁内容（第十条）：须由信息管理员人工复核并解除标记后才能发布");

    const steps = await tx.reviewStep.findMany({ where: { draftId: d.id, status: "approved" }, orderBy: { id: "asc" } });
    const head = steps.find((s) => s.stage === ReviewStage.divisionHead);
    if (!head) throw new GatewayError("INVALID_TRANSITION", "未经处长审核，不得发布");
    const leader = steps.some((s) => s.stage === ReviewStage.deputyDirector || s.stage === ReviewStage.director);
    if (d.important && !leader) throw new GatewayError("INVALID_TRANSITION", "重要信息须经办领导审核后发布");
    if (d.importantHint && !leader) {
      if (!reason) {
        const why = `此稿件有重要信息提示（${d.importantHint}），只经过处长审核：请「报办领导审核」；确认无须报办领导的，请填写不报的理由后发布`;
        throw new GatewayError("VALIDATION", why, { fields: { comment: why } });
      }
      return true;
    }
    return false;
  }

  private async formSnapshot(tx: Tx, d: DraftRow, actor: Actor, infoAdmin?: string) {
    const [division, column, unit] = await Promise.all([
      d.divisionId ? tx.division.findUnique({ where: { id: d.divisionId } }) : null,
      d.columnId ? tx.column.findUnique({ where: { id: d.columnId } }) : null,
      d.unitId ? tx.sendingUnit.findUnique({ where: { id: d.unitId } }) : null,
    ]);
    return {
      formDivision: division?.fullName ?? "",
      formInfoAdmin: infoAdmin ?? actor.displayName,
      formTitle: d.title,
      formColumn: column?.name ?? "",
      formSource: unit?.name ?? d.senderAddress ?? "",
    };
  }
}
