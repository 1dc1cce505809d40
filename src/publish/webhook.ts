// The push to the website: every published version (and every correction, which is a new
// version) is POSTed as the item's JSON to each configured URL, signed with HMAC-SHA256.
// Delivered through the outbox pattern, in a table of its own (WebhookDelivery): the row is
// written in the transaction that publishes, with the body frozen as approved; the sender claims
// due rows by a conditional update (as notify/outbox.ts does for mail), posts, and marks the
// result; failures are retried with backoff, then kept as "dead" and shown under 运行状态.
//
// Signature: header X-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">,
// with X-Gateway-Event (published | corrected) and X-Gateway-Delivery (the row id, the same on
// every retry: the receiver can drop a delivery it already took). Verify with verifySignature().
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { errorMessage } from "../domain/errors.js";
import { itemJson, type PublishedRecord } from "./item.js";
import { logged, processLog, type Logger } from "../util/log.js";

/** Minutes to wait after the n-th failed attempt; after the last, the delivery is dead. */
export const WEBHOOK_RETRY_MINUTES = [1, 5, 15, 60, 240, 720];
/** A claim older than this belongs to a sender that died: it is taken over. */
export const WEBHOOK_CLAIM_MS = 2 * 60_000;
const TIMEOUT_MS = 15_000;

export function sign(secret: string, body: string, at: number = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac("sha256", secret).update(`${at}.${body}`).digest("hex")}`;
}

/** For receivers (and the tests): true when the header signs this body with this secret, not older than maxAgeSeconds. */
export function verifySignature(secret: string, body: string, header: string, maxAgeSeconds = 300, now = Date.now()): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return false;
  if (Math.abs(now / 1000 - Number(m[1])) > maxAgeSeconds) return false;
  const want = Buffer.from(createHmac("sha256", secret).update(`${m[1]}.${body}`).digest("hex"));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Queues the push of a published version, inside the publishing transaction. */
export async function queueWebhooks(tx: Tx, config: Config, item: PublishedRecord): Promise<number> {
  if (!config.webhook.urls.length) return 0;
  const event = item.version > 1 ? "corrected" : "published";
  const body = JSON.stringify({ event, item: itemJson(config, item) });
  for (const url of config.webhook.urls) await tx.webhookDelivery.create({ data: { publishedItemId: item.id, event, url, body } });
  return config.webhook.urls.length;
}

type Row = Awaited<ReturnType<Db["webhookDelivery"]["findMany"]>>[number];

async function claimDue(db: Db, claimant: string): Promise<Row[]> {
  const now = new Date();
  const due = await db.webhookDelivery.findMany({
    where: { OR: [{ status: { in: ["queued", "failed"] }, nextAttemptAt: { lte: now } }, { status: "sending", claimedUntil: { lt: now } }] },
    orderBy: { id: "asc" },
    take: 20,
  });
  const claimed: Row[] = [];
  for (const d of due) {
    // The row as read: nobody else claimed or finished it in between.
    const { count } = await db.webhookDelivery.updateMany({
      where: { id: d.id, status: d.status, attempts: d.attempts, claimedUntil: d.claimedUntil },
      data: { status: "sending", claimedBy: claimant, claimedUntil: new Date(now.getTime() + WEBHOOK_CLAIM_MS), attempts: { increment: 1 } },
    });
    if (count === 1) claimed.push({ ...d, attempts: d.attempts + 1 });
  }
  return claimed;
}

/** The receiver as a log may name it: its host, never the path or query (a URL can carry a key). */
function receiverOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "（无法解析）"; // config validated the URLs; this only keeps a bad one out of the log
  }
}

/** Delivers due pushes; returns what happened. A receiver that answers 2xx has the item. */
export async function flushWebhooks(db: Db, config: Config, log: Logger = processLog()): Promise<{ sent: number; failed: number }> {
  if (!config.webhook.secret) return { sent: 0, failed: 0 };
  const claimant = `${process.pid}:${randomBytes(6).toString("hex")}`;
  const due = await claimDue(db, claimant);
  let sent = 0;
  let failed = 0;
  for (const d of due) {
    const mine = { id: d.id, claimedBy: claimant };
    try {
      const res = await fetch(d.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "bianban-intake-gateway",
          "X-Gateway-Event": d.event,
          "X-Gateway-Delivery": String(d.id),
          "X-Gateway-Signature": sign(config.webhook.secret, d.body),
        },
        body: d.body,
        redirect: "error",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      // The answer's body is read only to free the connection; its status is what counts.
      await res.arrayBuffer().catch(logged(log, "webhook answer's body not read", "debug"));
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
      await db.webhookDelivery.updateMany({ where: mine, data: { status: "sent", sentAt: new Date(), responseStatus: res.status, lastError: null, claimedBy: null, claimedUntil: null } });
      log.info({ deliveryId: d.id, publishedItemId: d.publishedItemId, event: d.event, receiver: receiverOf(d.url), status: res.status, attempt: d.attempts }, "webhook delivered");
      sent++;
    } catch (err) {
      const status = (err as { status?: number }).status ?? null;
      const dead = d.attempts > WEBHOOK_RETRY_MINUTES.length;
      const wait = WEBHOOK_RETRY_MINUTES[Math.min(d.attempts - 1, WEBHOOK_RETRY_MINUTES.length - 1)]!;
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      await db.webhookDelivery.updateMany({
        where: mine,
        data: { status: dead ? "dead" : "failed", responseStatus: status, lastError: `${errorMessage(err)}${cause ? ` (${cause})` : ""}`.slice(0, 500), nextAttemptAt: new Date(Date.now() + wait * 60_000), claimedBy: null, claimedUntil: null },
      });
      log[dead ? "error" : "warn"]({ err, deliveryId: d.id, publishedItemId: d.publishedItemId, receiver: receiverOf(d.url), status, attempt: d.attempts, retryInMinutes: dead ? undefined : wait }, dead ? "webhook given up after the last retry (shown under 运行状态)" : "webhook not delivered; kept for a retry");
      failed++;
    }
  }
  return { sent, failed };
}
