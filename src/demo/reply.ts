// Demo helper: answers an approval request (.eml from the outbox) as its approver's mail client
// would — 回复： subject, In-Reply-To/References, the request quoted below the answer, from the
// approver's registered address — and delivers the reply into the intake Maildir, where the
// running gateway applies it. The same path a real reply takes, minus the mail server.
import fs from "node:fs";
import { simpleParser } from "mailparser";
import { Maildir } from "../sources/maildir.js";

export async function composeReply(requestEml: Buffer, answer: string): Promise<Buffer> {
  const req = await simpleParser(requestEml);
  const to = (Array.isArray(req.to) ? req.to[0] : req.to)?.value[0]?.address;
  if (!to || !req.messageId || !req.subject) throw new Error("this file is not a request sent by the gateway (no To, Message-ID or Subject)");
  const enc = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;
  const quoted = `${answer}\n\n-----原始邮件-----\n发件人: ${req.from?.text ?? ""}\n发送时间: ${req.date?.toISOString() ?? ""}\n收件人: ${to}\n主题: ${req.subject}\n\n${req.text ?? ""}`;
  return Buffer.from(
    [
      `From: ${to}`,
      `To: ${req.from?.value[0]?.address ?? ""}`,
      `Subject: ${enc(`回复：${req.subject}`)}`,
      `Message-ID: <demo-reply-${Date.now().toString(36)}@${to.split("@")[1]}>`,
      `In-Reply-To: ${req.messageId}`,
      `References: ${req.messageId}`,
      `Date: ${new Date().toUTCString()}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(quoted).toString("base64").replace(/.{76}/g, "$&\r\n"),
      "",
    ].join("\r\n"),
  );
}

export async function deliverReply(requestFile: string, answer: string, maildirRoot: string): Promise<string> {
  const reply = await composeReply(fs.readFileSync(requestFile), answer);
  return new Maildir(maildirRoot).deliver(reply);
}
