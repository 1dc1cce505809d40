// The outbox: every message the gateway sends is a row first (queued inside the transaction of
// the change that causes it), then delivered by the sender loop — by SMTP when SMTP_URL is set,
// else written as .eml to DATA_DIR/outbox (the embedded default, listed in the web screen).
// Decides nothing: callers say what to send.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nodemailer from "nodemailer";
import nunjucks from "nunjucks";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { errorMessage } from "../domain/errors.js";

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../templates/mail");
const textEnv = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir), { autoescape: false, trimBlocks: true, lstripBlocks: true });
const htmlEnv = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir), { autoescape: true });

export type MailKind = "receipt" | "returned" | "published" | "approval_request" | "refusal" | "comment_recorded" | "decision_recorded" | "quarantine_notice" | "alert";

export interface MailRequest {
  kind: MailKind;
  to: string;
  subject: string;
  /** Template name in templates/mail without extension: `<name>.txt.njk` and, if present, `<name>.html.njk`. */
  template: string;
  data: Record<string, unknown>;
  draftId?: number | null;
  intakeId?: number | null;
  reviewStepId?: number | null;
  inReplyTo?: string | null;
  messageId?: string;
}

/** The domain of our Message-IDs: replies are recognised by In-Reply-To/References to it. */
export function messageIdDomain(config: Pick<Config, "mailFrom">): string {
  return /@([^>\s]+)>?\s*$/.exec(config.mailFrom)?.[1] ?? "gateway.invalid";
}

/**
 * Approval requests get their own Message-ID prefix: a reply in their thread goes to the
 * approval stage, while a reply to a receipt or notice (a county answering with new material)
 * is an ordinary submission. The office's own staff share the mail domain, so the domain alone
 * would not tell.
 */
export const APPROVAL_ID_PREFIX = "<gw-approval.";

export function newMessageId(config: Pick<Config, "mailFrom">, kind: MailKind = "alert"): string {
  const prefix = kind === "approval_request" ? APPROVAL_ID_PREFIX : "<gw-notice.";
  return `${prefix}${Date.now().toString(36)}.${randomBytes(12).toString("hex")}@${messageIdDomain(config)}>`;
}

export function render(template: string, data: Record<string, unknown>): { text: string; html: string | null } {
  const text = textEnv.render(`${template}.txt.njk`, data).trim() + "\n";
  const htmlFile = path.join(templatesDir, `${template}.html.njk`);
  const html = fs.existsSync(htmlFile) ? htmlEnv.render(`${template}.html.njk`, data) : null;
  return { text, html };
}

export async function queueMail(tx: Tx, config: Config, m: MailRequest): Promise<string> {
  const { text, html } = render(m.template, { ...m.data, baseUrl: config.publicBaseUrl });
  const messageId = m.messageId ?? newMessageId(config, m.kind);
  await tx.outboundMail.create({
    data: { kind: m.kind, toAddress: m.to, subject: m.subject, text, html, messageId, inReplyTo: m.inReplyTo ?? null, draftId: m.draftId ?? null, intakeId: m.intakeId ?? null, reviewStepId: m.reviewStepId ?? null },
  });
  return messageId;
}

const RETRY_MINUTES = [1, 5, 15, 60, 240];

/** Delivers due messages. Failures are kept and retried with backoff, never dropped. */
export async function flushOutbox(db: Db, config: Config): Promise<{ sent: number; failed: number }> {
  const due = await db.outboundMail.findMany({ where: { status: { in: ["queued", "failed"] }, nextAttemptAt: { lte: new Date() }, attempts: { lt: RETRY_MINUTES.length + 1 } }, orderBy: { id: "asc" }, take: 50 });
  if (!due.length) return { sent: 0, failed: 0 };
  const transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  let sent = 0;
  let failed = 0;
  try {
    for (const m of due) {
      try {
        const info = await transport.sendMail({
          from: config.mailFrom,
          to: m.toAddress,
          subject: m.subject,
          text: m.text,
          html: m.html ?? undefined,
          messageId: m.messageId,
          inReplyTo: m.inReplyTo ?? undefined,
          references: m.inReplyTo ?? undefined,
          headers: { "Auto-Submitted": m.kind === "approval_request" ? "no" : "auto-generated", "X-Gateway-Kind": m.kind },
        });
        let emlPath: string | null = null;
        if (!config.smtpUrl) {
          fs.mkdirSync(config.outboxDir, { recursive: true });
          emlPath = path.join(config.outboxDir, `${String(m.id).padStart(6, "0")}-${m.kind}.eml`);
          fs.writeFileSync(emlPath, (info as unknown as { message: Buffer }).message);
        }
        await db.outboundMail.update({ where: { id: m.id }, data: { status: "sent", sentAt: new Date(), attempts: { increment: 1 }, emlPath, lastError: null } });
        sent++;
      } catch (err) {
        const attempts = m.attempts + 1;
        const wait = RETRY_MINUTES[Math.min(attempts - 1, RETRY_MINUTES.length - 1)]!;
        await db.outboundMail.update({ where: { id: m.id }, data: { status: "failed", attempts, lastError: errorMessage(err).slice(0, 500), nextAttemptAt: new Date(Date.now() + wait * 60_000) } });
        failed++;
      }
    }
  } finally {
    transport.close();
  }
  return { sent, failed };
}
