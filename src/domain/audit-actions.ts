// The audit trail in the users' words: what each recorded action was, for the 操作日志 of a draft
// and every other screen that shows the record. The codes stay in the database (the chain hashes
// them); a page never shows one. An action without a label of its own (one added later) still
// reads as the kind of thing it was, by its prefix, never as its code.
const labels: Record<string, string> = {
  "intake.draft": "收到报送，生成稿件",
  "intake.duplicate": "收到重复报送（已合并）",
  "intake.failed": "收件处理失败",
  "intake.ignored": "收到自动回复等邮件（未处理）",
  "intake.quarantined": "来信含密级标志，已隔离",
  "intake.retry": "失败邮件重新排队处理",
  "intake.uidvalidity_changed": "收件箱 UIDVALIDITY 变化，已重新核对",
  "draft.edit": "修改标题或正文",
  "draft.triage": "保存分拣（报送单位、栏目、处室、重要性）",
  "draft.merge": "作为重复报送并入原稿",
  "draft.unit_confirmed": "确认报送单位（登记发件地址）",
  "review.send_for_review": "送处长审核",
  "review.division_approve": "处长审核同意",
  "review.leader_approve": "办领导审核同意",
  "review.send_back": "退回修改",
  "review.return_to_sender": "退回报送单位",
  "review.reject": "不予采用",
  "review.refer_to_leader": "报办领导审核",
  "review.publish": "发布",
  "review.archive": "归档",
  "review.reopen": "重新打开",
  "review.correct": "重新打开以便更正",
  "review.comment": "提出审核意见（未作决定）",
  "approval.comment": "邮件回复作为意见记录（未作决定）",
  "approval.decided": "邮件回复审批已生效",
  "approval.refused": "邮件回复未生效",
  "person.email_change_requested": "申请变更登记邮箱（待本人确认）",
  "person.email_confirm_failed": "登记邮箱确认码错误",
  "person.email_changed": "登记邮箱已变更",
  "approval.token_voided": "审批邀请作废（编号可能外泄或审批人邮箱变更）",
  "screen.clear_prohibited": "人工复核，解除违禁内容标记",
  "auth.login": "登录",
  "auth.login_failed": "登录失败",
  "auth.login_locked": "账号因多次登录失败被锁定",
  "auth.password_changed": "修改密码",
  "user.create": "新建账号",
  "user.grants": "修改角色",
  "user.password_reset": "重置密码",
  "user.disable": "停用账号",
  "user.enable": "启用账号",
  "user.seed_demo": "生成演示账号",
  "unit.create": "新增报送单位",
  "unit.update": "修改报送单位",
  "unit.register_sender": "登记发件地址为本单位",
  "units.import": "导入报送单位",
  "rule.create": "新增分拣规则",
  "rule.update": "修改分拣规则",
  "rule.enable": "启用分拣规则",
  "rule.disable": "停用分拣规则",
  "officer.confirm": "确认信息员推荐",
  "officer.reject": "不予确认信息员推荐",
  "alert.resolve": "告警已处理",
  "audit.keyed": "审计记录启用密钥",
  "bulletin.export": "导出通报",
};

const byPrefix: Record<string, string> = {
  intake: "收件处理",
  draft: "稿件修改",
  review: "审核操作",
  approval: "邮件审批",
  screen: "内容审查",
  auth: "登录与密码",
  user: "账号管理",
  unit: "报送单位管理",
  units: "报送单位管理",
  rule: "分拣规则管理",
  officer: "信息员管理",
  alert: "告警",
  notice: "通知邮件的回复",
  audit: "审计",
  person: "人员管理",
  bulletin: "通报",
};

/** What an audit action was, in Chinese. */
export function auditActionLabel(action: string): string {
  const own = labels[action];
  if (own) return own;
  const prefix = action.split(".", 1)[0] ?? "";
  return byPrefix[prefix] ?? "其他操作";
}

/** Every action with a label of its own (tests check that each action the code records has one). */
export const LABELLED_AUDIT_ACTIONS: readonly string[] = Object.keys(labels);
