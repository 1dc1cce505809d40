// Draft statuses and the transitions of the Art. 5 chain, enforced here and nowhere else:
// 信息管理员采集 → 处长审核 → (重要信息) 办领导审核 → 信息管理员发布. Nothing reaches
// `published` except from `approved`, and `approved` is only reachable through review steps.

export const DraftStatus = {
  triage: "triage",
  divisionReview: "division_review",
  leaderReview: "leader_review",
  approved: "approved",
  published: "published",
  returned: "returned",
  rejected: "rejected",
  archived: "archived",
} as const;
export type DraftStatus = (typeof DraftStatus)[keyof typeof DraftStatus];

export const statusLabel: Record<DraftStatus, string> = {
  triage: "待分拣",
  division_review: "待处长审核",
  leader_review: "待办领导审核",
  approved: "已审核待发布",
  published: "已发布",
  returned: "已退回",
  rejected: "不予采用",
  archived: "已归档",
};

export type DraftAction =
  | "send_for_review" // info admin: triage → division_review
  | "division_approve" // division head: → leader_review (important) or approved
  | "leader_approve" // office leader: leader_review → approved
  | "send_back" // reviewer: back to triage with a comment
  | "return_to_sender" // info admin: → returned, reason e-mailed to the unit
  | "reject" // info admin or reviewer: → rejected
  | "publish" // info admin: approved → published
  | "refer_to_leader" // info admin: approved → leader_review, when the router hints the item is important
  | "archive" // info admin: any open state → archived, with a reason
  | "reopen" // info admin: returned/rejected/archived → triage
  | "correct"; // info admin: published → triage for a correction; the published version stays until the new one is published

/**
 * Open work: what the daily queue shows and counts. History (published, returned, rejected,
 * archived) is a filter away.
 */
export const OPEN_STATUSES: readonly DraftStatus[] = ["triage", "division_review", "leader_review", "approved"];
const open = OPEN_STATUSES;

/** Every action, in the order the draft page offers them. */
export const DRAFT_ACTIONS: readonly DraftAction[] = ["send_for_review", "division_approve", "leader_approve", "send_back", "return_to_sender", "reject", "refer_to_leader", "publish", "archive", "reopen", "correct"];

export function isDraftAction(s: unknown): s is DraftAction {
  return typeof s === "string" && (DRAFT_ACTIONS as readonly string[]).includes(s);
}

/** The button, and the flash after it: 「已」 + label. */
export const actionLabel: Record<DraftAction, string> = {
  send_for_review: "送处长审核",
  division_approve: "处长审核通过",
  leader_approve: "办领导审核通过",
  send_back: "退回修改",
  return_to_sender: "退回报送单位",
  reject: "不予采用",
  publish: "发布",
  refer_to_leader: "报办领导审核",
  archive: "归档",
  reopen: "重新打开",
  correct: "更正（发布后）",
};

/**
 * What the flash says after an action: what has happened, not the button's wording — 「更正」
 * only reopens a published item for a correction, nothing is corrected yet.
 */
export const actionDoneLabel: Record<DraftAction, string> = {
  send_for_review: "已送处长审核",
  division_approve: "处长审核已通过",
  leader_approve: "办领导审核已通过",
  send_back: "已退回信息管理员修改",
  return_to_sender: "已退回报送单位（理由已邮件告知）",
  reject: "已不予采用",
  publish: "已发布",
  refer_to_leader: "已报办领导审核",
  archive: "已归档",
  reopen: "已重新打开，回到待分拣",
  correct: "已重新打开以便更正：网上仍是原发布版本，更正稿须重新审核后发布",
};

/** Actions that say no or undo: the reason is recorded, mailed where it goes to someone, and required. */
export const ACTIONS_NEEDING_REASON: readonly DraftAction[] = ["send_back", "return_to_sender", "reject", "archive", "correct"];

export function needsReason(action: DraftAction): boolean {
  return ACTIONS_NEEDING_REASON.includes(action);
}

/** Where an action may start from. */
export const allowedFrom: Record<DraftAction, readonly DraftStatus[]> = {
  send_for_review: ["triage"],
  division_approve: ["division_review"],
  leader_approve: ["leader_review"],
  send_back: ["division_review", "leader_review", "approved"],
  return_to_sender: ["triage", "division_review", "leader_review"],
  reject: open,
  publish: ["approved"],
  refer_to_leader: ["approved"],
  archive: [...open, "returned", "rejected"],
  reopen: ["returned", "rejected", "archived"],
  correct: ["published"],
};

export function canStart(action: DraftAction, status: string): boolean {
  return (allowedFrom[action] as readonly string[]).includes(status);
}

/** The status an action leads to. `important` decides whether 办领导审核 is needed. */
export function nextStatus(action: DraftAction, important: boolean): DraftStatus {
  switch (action) {
    case "send_for_review":
      return "division_review";
    case "division_approve":
      return important ? "leader_review" : "approved";
    case "leader_approve":
      return "approved";
    case "refer_to_leader":
      return "leader_review";
    case "send_back":
    case "reopen":
    case "correct":
      return "triage";
    case "return_to_sender":
      return "returned";
    case "reject":
      return "rejected";
    case "publish":
      return "published";
    case "archive":
      return "archived";
  }
}

export const flagLabel: Record<string, string> = {
  unit_unconfirmed: "报送单位未确认",
  no_column: "未能确定栏目",
  charset_repaired: "字符集已纠正",
  attachment_failed: "附件提取失败",
  low_ocr_confidence: "OCR 置信度低",
  prohibited_content: "疑含违禁内容",
  officer_recommendation: "信息员推荐表",
  // The latest reply by e-mail to an approval request (approvals/reply-records.ts).
  mail_approved: "邮件同意",
  mail_sent_back: "邮件退回",
  mail_comment: "邮件意见",
  mail_refused: "邮件回复未生效",
  unscreened: "未能检查",
  text_missing: "未能提取文字",
  text_truncated: "文字过长已截断",
  similar_to: "疑似重复",
};
