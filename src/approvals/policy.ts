// The approval policy in force, in words, for 运行状态: what a reply by e-mail must pass, and
// what the operator should know (trusting From alone, the development outbox).
import type { Config } from "../config/index.js";

export interface PolicyLine {
  label: string;
  value: string;
  /** A warning the info centre should act on. */
  warning?: string;
}

export function approvalPolicy(config: Pick<Config, "approvals" | "smtpUrl" | "outboxDir">): PolicyLine[] {
  const a = config.approvals;
  const lines: PolicyLine[] = [
    {
      label: "DKIM 校验（APPROVAL_DKIM）",
      value: a.dkim === "required" ? "必须：回复须带审批人所在域的有效 DKIM 签名（覆盖发件人、主题与全部正文）" : "关闭：只核对登记邮箱、审批编号与邮件会话",
      warning:
        a.dkim === "required"
          ? undefined
          : "邮件审批目前仅凭发件地址（From）判断是否审批人本人：能伪造发件地址并得知审批编号的人即可冒名审批。请在邮件系统对外发信签名后设置 APPROVAL_DKIM=required。",
    },
    {
      label: "采信的认证结果（TRUSTED_AUTHSERV_ID）",
      value: a.trustedAuthservId
        ? `${a.trustedAuthservId}：仅采信最上方、且全信唯一带此标识的 Authentication-Results；收信服务器须删除来信中带此标识的同名字段`
        : a.dkim === "required"
          ? "未设置：由网关自行校验 DKIM（需要能查询 DNS）"
          : "未设置",
    },
    { label: "审批用语", value: "回复正文只能是规定的审批用语（如“同意”）；退回须以“不同意”或“退回”开头并写明理由；其他内容一律作为意见记录" },
  ];
  lines.push(
    config.smtpUrl
      ? { label: "发信方式", value: "SMTP（SMTP_URL）" }
      : {
          label: "发信方式",
          value: `未设置 SMTP_URL：邮件写入 ${config.outboxDir}（文件权限 0600，仅网关可读）`,
          warning: "这是开发调试模式：邮件不会真正发出，发出的审批邮件（含审批编号）只存放在该目录中。正式运行请设置 SMTP_URL。",
        },
  );
  return lines;
}
