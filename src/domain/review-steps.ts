// The steps of the 审批表 (Attachment 3): which stage a ReviewStep records, how it stands, and
// how the decision came in — with the words the form and the mails use.

/**
 * division_head = 处长(局长、主任)审核意见; leader = 办领导审核 while it waits, recorded as
 * deputy_director (副主任批示) or director (主任批示) by the rank of whoever decided.
 */
export const ReviewStage = {
  divisionHead: "division_head",
  leader: "leader",
  deputyDirector: "deputy_director",
  director: "director",
} as const;
export type ReviewStage = (typeof ReviewStage)[keyof typeof ReviewStage];

export const stageLabel: Record<ReviewStage, string> = {
  division_head: "处长审核",
  leader: "办领导审核",
  deputy_director: "副主任批示",
  director: "主任批示",
};

/** The label of a stage as stored (a string column), or the stored value if it is none of ours. */
export const stageName = (stage: string): string => stageLabel[stage as ReviewStage] ?? stage;

/** The stages a 办领导 step can be in: waiting, or decided by a deputy director or the director. */
export const LEADER_STAGES: readonly ReviewStage[] = ["leader", "deputy_director", "director"];

export const StepStatus = {
  pending: "pending",
  approved: "approved",
  returned: "returned",
  rejected: "rejected",
  superseded: "superseded",
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

export const stepStatusLabel: Record<StepStatus, string> = {
  pending: "待审核",
  approved: "同意",
  returned: "退回",
  rejected: "不予采用",
  superseded: "已作废",
};

/** How a decision was given. */
export const decisionChannelLabel: Record<"web" | "email", string> = { web: "网页", email: "邮件回复" };
