// The outbox: every message the gateway sends is a row first (queued inside the transaction of
// the change that causes it), then delivered by the sender loop — by SMTP when SMTP_URL is set,
// else written as .eml to DATA_DIR/outbox (the development mode, listed in the web screen).
// Decides nothing: callers say what to send.
//
// At most once per flush, across flushes and processes: a row is claimed by one conditional
// update (queued/failed → sending, or a stale claim taken over) before it is sent; whoever's
// update changed no row leaves it alone. A process that dies between the server's acceptance and
// the mark "sent" leaves a claim that is taken over after CLAIM_STALE_MS and sent once more —
// with the same Message-ID (and, for a request, the same token), so the recipient's client shows
// one message; the alternative, never retrying a stale claim, could lose a request.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nodemailer from "nodemailer";
import nunjucks from "nunjucks";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { errorMessage } from "../domain/errors.js";
import { subjectAsSent, tokenKey } from "../approvals/tokens.js";
import { secretsAsSent } from "../accounts/one-time-password.js";
import { processLog, type Logger } from "../util/log.js";

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../templates/mail");
const textEnv = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir), { autoescape: false, trimBlocks: true, lstripBlocks: true });
const htmlEnv = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir), { autoescape: true });

export type MailKind =
  | "receipt"
  | "returned"
  | "published"
  | "approval_request"
  | "refusal"
  | "decision_recorded"
  | "approval_news"
  | "quarantine_notice"
  | "alert"
  | "one_time_password"
  | "address_confirmation"
  | "address_notice";

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
/** A claim older than this belongs to a flush that died: it is taken over. */
export const CLAIM_STALE_MS = 10 * 60_000;
const BATCH = 50;

type OutboundRow = Awaited<ReturnType<Db["outboundMail"]["findMany"]>>[number];

/** Claims due rows for this flush: one conditional update each, so no two flushes send the same row. */
async function claimDue(db: Db, claimant: string): Promise<OutboundRow[]> {
  const now = new Date();
  const stale = new Date(now.getTime() - CLAIM_STALE_MS);
  const due = await db.outboundMail.findMany({
    where: {
      attempts: { lt: RETRY_MINUTES.length + 1 },
      OR: [{ status: { in: ["queued", "failed"] }, nextAttemptAt: { lte: now } }, { status: "sending", claimedAt: { lt: stale } }],
    },
    orderBy: { id: "asc" },
    take: BATCH,
  });
  const claimed: OutboundRow[] = [];
  for (const m of due) {
    const { count } = await db.outboundMail.updateMany({
      // The row as it was read: status, attempts and the previous claim unchanged since.
      where: { id: m.id, status: m.status, attempts: m.attempts, claimedAt: m.claimedAt },
      data: { status: "sending", claimedBy: claimant, claimedAt: now, attempts: { increment: 1 } },
    });
    if (count === 1) claimed.push({ ...m, status: "sending", claimedBy: claimant, claimedAt: now, attempts: m.attempts + 1 });
  }
  return claimed;
}

/** Writes a development-mode .eml: the mail as sent (a request's token in clear), readable by the gateway alone. */
function writeEml(dir: string, name: string, bytes: Buffer): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, name);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}

/**
 * Delivers due messages. Failures are kept and retried with backoff, never dropped. Each is
 * logged by its row id and kind (never its subject: a request's carries the token when sent).
 */
export async function flushOutbox(db: Db, config: Config, log: Logger = processLog()): Promise<{ sent: number; failed: number }> {
  const claimant = `${process.pid}:${randomBytes(6).toString("hex")}`;
  const due = await claimDue(db, claimant);
  if (!due.length) return { sent: 0, failed: 0 };
  const transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  let sent = 0;
  let failed = 0;
  try {
    for (const m of due) {
      const mine = { id: m.id, claimedBy: claimant };
      try {
        const subject = m.kind === "approval_request" ? subjectAsSent(tokenKey(config.dataDir), m.subject, m.messageId) : m.subject;
        const info = await transport.sendMail({
          from: config.mailFrom,
          to: m.toAddress,
          subject,
          // A one-time password, like a token, exists in clear only in the mail as sent (accounts/one-time-password.ts).
          text: m.kind === "one_time_password" || m.kind === "address_confirmation" ? secretsAsSent(config, m.text, m.messageId) : m.text,
          html: m.html ?? undefined,
          messageId: m.messageId,
          inReplyTo: m.inReplyTo ?? undefined,
          references: m.inReplyTo ?? undefined,
          headers: { "Auto-Submitted": m.kind === "approval_request" ? "no" : "auto-generated", "X-Gateway-Kind": m.kind },
        });
        const emlPath = config.smtpUrl ? null : writeEml(config.outboxDir, `${String(m.id).padStart(6, "0")}-${m.kind}.eml`, (info as unknown as { message: Buffer }).message);
        const { count } = await db.outboundMail.updateMany({ where: mine, data: { status: "sent", sentAt: new Date(), emlPath, lastError: null, claimedBy: null } });
        // Our claim was taken over as stale meanwhile: the other sender sends it again, with the same Message-ID.
        if (count === 0) log.warn({ mailId: m.id, kind: m.kind }, "mail sent, but its claim had been taken over: it may go out once more (same Message-ID)");
        else log.info({ mailId: m.id, kind: m.kind, draftId: m.draftId ?? undefined, attempt: m.attempts, via: config.smtpUrl ? "smtp" : "outbox-dir" }, "mail sent");
        sent++;
      } catch (err) {
        const wait = RETRY_MINUTES[Math.min(m.attempts - 1, RETRY_MINUTES.length - 1)]!;
        await db.outboundMail.updateMany({ where: mine, data: { status: "failed", lastError: errorMessage(err).slice(0, 500), nextAttemptAt: new Date(Date.now() + wait * 60_000), claimedBy: null } });
        log.warn({ err, mailId: m.id, kind: m.kind, attempt: m.attempts, retryInMinutes: wait }, "mail not sent; kept for a retry");
        failed++;
      }
    }
  } finally {
    transport.close();
  }
  return { sent, failed };
}
