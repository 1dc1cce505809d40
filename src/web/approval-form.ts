// 《省编办上网信息发布审批表》 (Attachment 3) from the record: each box lists every decision signed
// in it, each as what it was — 同意 with the opinion, 退回 with the reason, 不予采用, or an 意见
// that decided nothing — with who and when. A 退回 is never printed as if it were an approval,
// and an approval later taken back (a correction, a 收回) is shown as no longer standing.
import { ReviewStage, StepStatus } from "../domain/review-steps.js";

interface Step {
  id: number;
  stage: string;
  status: string;
  formDivision: string;
  formInfoAdmin: string;
  formTitle: string;
  formColumn: string;
  formSource: string;
  decidedByLabel: string | null;
  opinion: string | null;
  decidedAt: Date | null;
}

interface OpinionRow {
  stepId: number | null;
  who: string;
  text: string;
  at: Date;
  how: string | null;
  rank: string | null;
}

export interface FormEntry {
  decision: "同意" | "退回" | "不予采用" | "意见";
  text: string;
  who: string;
  at: Date | null;
  /** e.g. 「已作废（稿件更正后重新审核）」 */
  note: string | null;
  how: string | null;
}

type Box = "head" | "deputy" | "director";

const boxOfStage = (stage: string): Box | null =>
  stage === ReviewStage.divisionHead ? "head" : stage === ReviewStage.deputyDirector ? "deputy" : stage === ReviewStage.director ? "director" : null;

export function approvalForm(
  d: { id: number; title: string; senderAddress: string | null; division: { fullName: string } | null; column: { name: string } | null; unit: { name: string } | null; reviewSteps: Step[] },
  opinions: OpinionRow[],
) {
  const boxes: Record<Box, FormEntry[]> = { head: [], deputy: [], director: [] };
  const decided = d.reviewSteps.filter((s) => s.decidedAt && s.status !== StepStatus.pending);
  const entries: Array<{ box: Box; at: number; entry: FormEntry }> = [];
  for (const s of decided) {
    const box = boxOfStage(s.stage);
    if (!box) continue;
    const decision = s.status === StepStatus.returned ? "退回" : s.status === StepStatus.rejected ? "不予采用" : "同意";
    // A superseded step with a decision is an approval taken back (a correction, or the info
    // administrator withdrew it): it stays on the record, marked as no longer standing.
    const note = s.status === StepStatus.superseded ? "已作废（此后重新送审）" : null;
    entries.push({ box, at: s.decidedAt!.getTime(), entry: { decision, text: s.opinion ?? "", who: s.decidedByLabel ?? "", at: s.decidedAt, note, how: null } });
  }
  const stageOfStep = new Map(d.reviewSteps.map((s) => [s.id, s.stage]));
  for (const o of opinions) {
    const stage = o.stepId != null ? stageOfStep.get(o.stepId) : undefined;
    const box: Box | null = stage === ReviewStage.divisionHead ? "head" : stage ? (o.rank === "director" ? "director" : "deputy") : null;
    if (box) entries.push({ box, at: o.at.getTime(), entry: { decision: "意见", text: o.text, who: o.who, at: o.at, note: "未作审核决定", how: o.how } });
  }
  for (const e of entries.sort((a, b) => a.at - b.at)) boxes[e.box].push(e.entry);

  // The header as it was when the last step was requested (the record as signed).
  const current = d.reviewSteps.filter((s) => s.status !== StepStatus.superseded);
  const header = [...current].reverse()[0] ?? null;
  return {
    d,
    header: header
      ? { division: header.formDivision, infoAdmin: header.formInfoAdmin, title: header.formTitle, column: header.formColumn, source: header.formSource }
      : { division: d.division?.fullName ?? "", infoAdmin: "", title: d.title, column: d.column?.name ?? "", source: d.unit?.name ?? d.senderAddress ?? "" },
    boxes,
  };
}
