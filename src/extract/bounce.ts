// Delivery status notifications (退信, bounces): never a submission, never a decision. Most
// are multipart/report (RFC 3464: Postfix, Exchange, Coremail), but not all — Gmail's plain-text
// DSN, qmail's "failure notice", Exim's "Mail delivery failed" and the old "Undeliverable Mail"
// form are text/plain, and became drafts. A bounce is recognised by what the sending software
// writes: the report type, the X-Failed-Recipients header (Exim, Gmail), or a daemon sender
// (MAILER-DAEMON, postmaster) or a bounce subject together with the body text the software
// writes. A person's mail that only has one of these (a 处长 forwarding "Undeliverable: …" with
// a note) is not taken for a bounce. Pure: headers and text in, a reason or null out.

export interface BounceInput {
  fromAddress: string | null;
  fromName: string | null;
  subject: string;
  /** Lower-case Content-Type value of the message. */
  contentType: string;
  /** A header's value by lower-case name ("" when absent). */
  header: (name: string) => string;
  /** The body text (the first few KB are enough). */
  text: string;
}

/** Local parts and display names of the software that sends bounces. */
const DAEMON_ADDRESS = /^(mailer-daemon|mail-daemon|mailerdaemon|postmaster|mdaemon|bounces?|mail\.delivery\.system|nobody)@/i;
const DAEMON_NAME = /^(mail delivery (subsystem|system|service)|mailer[- ]daemon|postmaster|microsoft outlook|系统退信|退信服务|邮件系统|系统管理员)$/i;

const SUBJECT =
  /^\s*(?:(?:re|fw|fwd)\s*:\s*)?(?:undeliverable|undelivered mail returned to sender|undelivered mail|delivery status notification|mail delivery failed|failure notice|returned mail|delivery failure|delivery notification|mail system error|nondeliverable|non[- ]delivery|message not delivered|message delivery failure|could not send message|warning: could not send message|delayed mail|系统退信|退信|邮件退回|邮件被退回|投递失败|邮件投递失败|未送达|无法投递|发送失败|邮件未能送达)/i;

/** Sentences that bounce software writes and people do not (Postfix, Exim, qmail, Gmail, Exchange, Coremail, NetEase, QQ). */
const BODY = [
  /This is the mail system at host/i,
  /I'm sorry to have to inform you that your message could not\s+be delivered/i,
  /This is the qmail-send program at/i,
  /This message was created automatically by mail delivery software/i,
  /Delivery to the following recipients? failed permanently/i,
  /Delivery to the following recipients? has been delayed/i,
  /\*\* Address not found \*\*/,
  /\*\* Message (?:not delivered|blocked) \*\*/,
  /Your message (?:couldn't|could not|wasn't|was not) (?:be )?delivered/i,
  /Delivery has failed to these recipients or groups/i,
  /Diagnostic information for administrators/i,
  /could not be delivered to (?:one or more|the following) recipients?/i,
  /The following (?:message|address(?:es)?) (?:to|had permanent fatal errors|failed)/i,
  /Sorry, (?:we|I) (?:were|was)n't able to deliver your message/i,
  /Unable to deliver (?:your )?message to the following (?:address|recipient)/i,
  /Remote Server returned ['"]?\d{3}/i,
  /Reporting-MTA:\s*dns;/i,
  /Final-Recipient:\s*rfc822;/i,
  /(?:很)?抱歉[，,]?\s*您(?:发送)?的邮件(?:被退回|无法送达|未能送达)/,
  /退信原因/,
  /(?:邮件|信件)(?:无法|未能)(?:发送|投递|送达)(?:到|给)/,
  /系统退信/,
];

/** Why this message is a delivery report, or null. */
export function bounceReason(m: BounceInput): string | null {
  if (m.contentType.startsWith("multipart/report")) return "退信（multipart/report 投递状态报告）";
  if (m.header("x-failed-recipients")) return "退信（X-Failed-Recipients）";
  const daemon = (m.fromAddress != null && DAEMON_ADDRESS.test(m.fromAddress)) || DAEMON_NAME.test((m.fromName ?? "").trim());
  const subject = SUBJECT.test(m.subject);
  const head = m.text.slice(0, 8000);
  const body = BODY.find((re) => re.test(head));
  const from = m.fromAddress ?? m.fromName ?? "未知";
  if (daemon && (subject || body)) return `退信（发件人 ${from}${subject ? `，主题“${m.subject.trim().slice(0, 40)}”` : ""}）`;
  if (subject && body) return `退信（主题“${m.subject.trim().slice(0, 40)}”，正文为投递失败报告）`;
  return null;
}
