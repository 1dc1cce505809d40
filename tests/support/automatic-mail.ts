// Mail the gateway did not ask for, built as the software that sends it writes it: an approver's
// out-of-office (Exchange/Coremail style: Auto-Submitted, the request's subject quoted, threaded)
// and a Postfix bounce (multipart/report with the request's headers as text/rfc822-headers).
// Generated here rather than stored, from the request mail as the gateway sent it.
const enc = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;

export function outOfOffice(o: { from: string; fromName: string; to: string; subject: string; inReplyTo: string; id: string; body?: string }): Buffer {
  return Buffer.from(
    [
      `From: ${enc(o.fromName)} <${o.from}>`,
      `To: ${o.to}`,
      `Subject: ${enc(`自动回复: ${o.subject}`)}`,
      "Date: Thu, 26 Nov 2026 10:01:00 +0800",
      `Message-ID: <${o.id}>`,
      `In-Reply-To: ${o.inReplyTo}`,
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(o.body ?? "我正在休假，12月1日返回。急事请联系办公室。").toString("base64"),
      "",
    ].join("\r\n"),
  );
}

/** A Postfix DSN returning the request: its header block is attached as sent (encoded words and all). */
export function postfixBounce(o: { to: string; failedRecipient: string; requestHeaders: string; id: string }): Buffer {
  const b = "9A8B7C.1764720900/mx.hebbb.example";
  return Buffer.from(
    [
      "From: MAILER-DAEMON@mx.hebbb.example (Mail Delivery System)",
      `To: ${o.to}`,
      "Subject: Undelivered Mail Returned to Sender",
      "Date: Thu, 26 Nov 2026 10:02:00 +0800",
      `Message-ID: <${o.id}>`,
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
      "",
      `--${b}`,
      "Content-Description: Notification",
      "Content-Type: text/plain; charset=us-ascii",
      "",
      "This is the mail system at host mx.hebbb.example.",
      "",
      "I'm sorry to have to inform you that your message could not",
      "be delivered to one or more recipients.",
      "",
      `<${o.failedRecipient}>: mailbox full`,
      "",
      `--${b}`,
      "Content-Description: Delivery report",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.hebbb.example",
      "",
      `Final-Recipient: rfc822; ${o.failedRecipient}`,
      "Action: failed",
      "Status: 5.2.2",
      "",
      `--${b}`,
      "Content-Description: Undelivered Message Headers",
      "Content-Type: text/rfc822-headers",
      "",
      o.requestHeaders.trimEnd(),
      "",
      `--${b}--`,
      "",
    ].join("\r\n"),
  );
}
