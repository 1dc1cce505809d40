// One error type with a string code; HTTP status is mapped in exactly one place (web/errors.ts).
export const ErrorCodes = {
  // intake
  EMPTY_MESSAGE: "邮件为空（0 字节）",
  MESSAGE_TOO_LARGE: "邮件超过大小限制",
  ATTACHMENT_TOO_LARGE: "附件超过大小限制",
  TOO_MANY_PARTS: "MIME 部件过多",
  MIME_TOO_DEEP: "MIME 嵌套过深",
  MALFORMED_MIME: "邮件格式无法解析",
  NOT_A_MESSAGE: "不是邮件",
  HTML_TOO_DEEP: "HTML 嵌套过深",
  EXTRACT_FAILED: "附件内容提取失败",
  EXTRACT_TIMEOUT: "提取超时",
  EXTRACT_MEMORY: "提取时内存超限",
  EXTRACT_CRASHED: "提取进程意外退出",
  // review chain
  NOT_FOUND: "记录不存在",
  FORBIDDEN: "无权执行此操作",
  INVALID_TRANSITION: "当前状态不允许此操作",
  STALE_VERSION: "稿件已被他人修改，请刷新后重试",
  VALIDATION: "输入有误",
  // accounts
  BAD_CREDENTIALS: "用户名或密码错误",
  LOCKED: "账号已锁定",
  THROTTLED: "登录尝试过于频繁，请稍后再试",
  CSRF: "页面已过期，请刷新后重试",
  NETWORK_NOT_ALLOWED: "不允许从此网络访问后台",
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly detail?: Record<string, unknown>;
  constructor(code: ErrorCode, message?: string, detail?: Record<string, unknown>) {
    super(message ?? ErrorCodes[code]);
    this.name = "GatewayError";
    this.code = code;
    this.detail = detail;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
