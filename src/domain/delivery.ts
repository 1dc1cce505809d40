// The outbox and the website push in the users' words: what kind of mail it was and where its
// delivery stands. The codes stay in the tables (the outbox claims rows by them); a page shows
// these labels, and a code without one reads as 「其他」, never as itself.

export const mailKindLabel: Record<string, string> = {
  receipt: "回执",
  returned: "退回通知",
  published: "发布通知",
  approval_request: "审批请求",
  refusal: "回复未生效",
  decision_recorded: "审批已记录",
  approval_news: "邮件审批通知",
  quarantine_notice: "未予接收通知",
  alert: "告警",
  one_time_password: "一次性密码",
  address_confirmation: "邮箱变更确认",
  address_notice: "邮箱变更通知",
};

export const mailStatusLabel: Record<string, string> = {
  queued: "待发",
  sending: "发送中",
  sent: "已发",
  failed: "失败，将重试",
};

export const webhookStatusLabel: Record<string, string> = {
  queued: "待推送",
  sending: "推送中",
  sent: "已推送",
  failed: "失败，将重试",
  dead: "多次失败，已停止",
};

export const webhookEventLabel: Record<string, string> = { published: "发布", corrected: "更正" };

// What an SMTP server's or HTTP client's error means, for whoever runs the gateway; the reply
// itself stays one click away under 技术细节 (the page shows it only when asked).
const DELIVERY_PROBLEMS: Array<[RegExp, string]> = [
  [/ECONNREFUSED/, "对方服务器拒绝连接（服务未启动或端口有误）"],
  [/ETIMEDOUT|timeout|timed out/i, "连接超时"],
  [/ENOTFOUND|EAI_AGAIN|getaddrinfo/, "服务器地址无法解析"],
  [/EAUTH|auth|535|534/i, "发信账号登录失败"],
  [/certificate|self[- ]signed|TLS|SSL/i, "证书或加密连接有误"],
  [/\b55\d\b|\b5\.\d\.\d\b|mailbox unavailable|user unknown|no such user/i, "收件服务器拒收（地址可能有误）"],
  [/\b4\d\d\b|\b4\.\d\.\d\b/, "收件服务器暂时拒收，将重试"],
  [/HTTP 5\d\d|status 5\d\d/i, "网站接收端出错，将重试"],
  [/HTTP 4\d\d|status 4\d\d/i, "网站接收端拒收（地址或签名有误）"],
];

export function deliveryProblem(raw: string | null | undefined): string {
  if (!raw) return "";
  if (/[\u3400-\u9fff]/.test(raw) && !/[A-Za-z]{3,}/.test(raw)) return raw;
  return DELIVERY_PROBLEMS.find(([re]) => re.test(raw))?.[1] ?? "发送失败";
}
