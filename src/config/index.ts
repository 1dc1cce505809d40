// The only reader of process.env. Parsed once at boot; every problem is reported together.
import path from "node:path";
import { z } from "zod";

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

const schema = z.object({
  DATA_DIR: z.string().default("./data"),
  MAILDIR: z.string().optional(),
  IMAP_URL: z.string().optional(),
  /** The gateway's IMAP folders; "/" separates levels and becomes the server's own delimiter. */
  IMAP_FOLDER_PROCESSED: z.string().min(1).default("Gateway/Processed"),
  IMAP_FOLDER_FAILED: z.string().min(1).default("Gateway/Failed"),
  IMAP_FOLDER_QUARANTINE: z.string().min(1).default("Gateway/Quarantine"),
  /** Full UID reconciliation of the IMAP folder even when IDLE is quiet (IDLE alone is not trusted). */
  IMAP_RECONCILE_MS: int(60_000),
  /** Bytes of message sources per IMAP FETCH batch: memory stays bounded whatever the backlog. */
  IMAP_BATCH_BYTES: int(32 * 1024 * 1024),
  /** One poller per mailbox across processes: how long a lease lasts without renewal. */
  IMAP_LEASE_SECONDS: int(60),
  /** Reconnect back-off: first delay, doubled per failure up to the maximum. */
  IMAP_BACKOFF_MS: int(1000),
  IMAP_BACKOFF_MAX_MS: int(5 * 60_000),
  /** IDLE is re-issued this often (servers may drop it after 30 min). */
  IMAP_IDLE_MS: int(25 * 60_000),
  HOST: z.string().default("127.0.0.1"),
  PORT: int(3000),
  PUBLIC_BASE_URL: z.string().optional(),
  POLL_INTERVAL_MS: int(5000),
  /** Structured log (pino, JSON lines): fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Append the log to this file (0600) instead of stderr. */
  LOG_FILE: z.string().optional(),
  TRUST_PROXY: z.string().optional(),
  /** Comma-separated CIDRs from which the back office may be used (Art. 9). */
  ALLOWED_NETWORKS: z.string().default("127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"),
  SESSION_IDLE_MINUTES: int(30),
  PASSWORD_MAX_AGE_DAYS: int(90),
  LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).default(5),
  LOCKOUT_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Failed sign-ins an hour before further attempts are refused unchecked (ASVS 2.2.1: ≤ 100 per account). */
  THROTTLE_ACCOUNT_PER_HOUR: z.coerce.number().int().min(1).max(100).default(100),
  THROTTLE_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).default(100),
  THROTTLE_GLOBAL_PER_HOUR: z.coerce.number().int().min(1).default(1000),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(128).default(12),
  SMTP_URL: z.string().optional(),
  /** The website's CMS: URLs that receive each published item and each correction (space-separated). */
  WEBHOOK_URLS: z.string().optional(),
  /** HMAC-SHA256 key of the webhook signature (at least 32 characters), shared with the receiver. */
  WEBHOOK_SECRET: z.string().optional(),
  MAIL_FROM: z.string().default("河北省编办信息报送网关 <gateway@hebbb.example>"),
  LIMIT_MESSAGE_BYTES: int(30 * 1024 * 1024),
  LIMIT_ATTACHMENT_BYTES: int(20 * 1024 * 1024),
  LIMIT_PARTS: int(100),
  LIMIT_MIME_DEPTH: int(8),
  LIMIT_HTML_CHARS: int(2_000_000),
  LIMIT_TEXT_CHARS: int(500_000),
  LIMIT_PDF_PAGES: int(60),
  LIMIT_PIXELS: int(40_000_000),
  LIMIT_OCR_PAGE_SECONDS: int(60),
  LIMIT_OCR_DOCUMENT_SECONDS: int(600),
  /** A message's whole budget: pages read (text layer or OCR) and OCR seconds over all its documents. */
  LIMIT_MESSAGE_PAGES: int(200),
  LIMIT_MESSAGE_OCR_SECONDS: int(900),
  /** PDF: bytes its non-image streams may decode to (Flate bombs), and seconds to read its text. */
  LIMIT_PDF_DECODED_BYTES: int(128 * 1024 * 1024),
  LIMIT_PDF_SECONDS: int(60),
  /** Reading one message (MIME, documents; OCR apart) in an extraction worker: wall clock. */
  LIMIT_EXTRACT_SECONDS: int(120),
  /** Resident memory of one extraction or OCR worker process (native memory included). */
  LIMIT_WORKER_MEMORY_MB: z.coerce.number().int().min(128).default(1024),
  /** ZIP-based attachments (ZIP, DOCX, XLSX, OFD): entries, inflated bytes per entry and in all, ratio, nesting. */
  LIMIT_ARCHIVE_ENTRIES: int(2000),
  LIMIT_ARCHIVE_ENTRY_BYTES: int(50 * 1024 * 1024),
  LIMIT_ARCHIVE_BYTES: int(100 * 1024 * 1024),
  LIMIT_ARCHIVE_RATIO: int(100),
  LIMIT_ARCHIVE_DEPTH: int(3),
  /** tesseract.js workers; default one per core. */
  OCR_WORKERS: z.coerce.number().int().positive().optional(),
  INGEST_BATCH: int(200),
  /** 1: commit batches in a worker thread while the next batch is parsed; 0: on the main thread. */
  COMMIT_THREAD: z.enum(["0", "1"]).default("1"),
  /** Attachment 4: the date by which every unit should have recommended an info officer. */
  OFFICER_DEADLINE: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default("2026-12-31"),
  /** Approve by reply: how long a request's token is valid. */
  APPROVAL_TOKEN_HOURS: int(168),
  /** "required": a reply must pass DKIM with DMARC alignment (Authentication-Results from TRUSTED_AUTHSERV_ID, else verified here). */
  APPROVAL_DKIM: z.enum(["off", "required"]).default("off"),
  TRUSTED_AUTHSERV_ID: z.string().optional(),
  /** The audit chain's HMAC key (0400). Default: DATA_DIR/audit.key; better on other storage than the database. */
  AUDIT_KEY_FILE: z.string().min(1).optional(),
  /** Append-only file of the chain's heads. Default: DATA_DIR/audit-anchors.log; better off the database host. */
  AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
});

export type Config = ReturnType<typeof loadConfig>;

/**
 * LOG_LEVEL alone, for the process's fallback logger (util/log.ts) before any config is loaded;
 * an invalid value falls back to warnings (loadConfig reports it).
 */
export function logLevelOf(env: NodeJS.ProcessEnv = process.env): z.infer<typeof schema>["LOG_LEVEL"] {
  const r = schema.shape.LOG_LEVEL.safeParse(env.LOG_LEVEL);
  return r.success && env.LOG_LEVEL ? r.data : "warn";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = schema
    .superRefine((v, ctx) => {
      // A push the receiver cannot verify would let anyone post "published items" to it.
      const urls = (v.WEBHOOK_URLS ?? "").split(/\s+/).filter(Boolean);
      if (urls.length && (v.WEBHOOK_SECRET ?? "").length < 32) ctx.addIssue({ code: "custom", path: ["WEBHOOK_SECRET"], message: "WEBHOOK_URLS is set: WEBHOOK_SECRET must be at least 32 characters" });
      for (const u of urls) if (!/^https?:\/\/[^\s/]+/.test(u)) ctx.addIssue({ code: "custom", path: ["WEBHOOK_URLS"], message: `not an http(s) URL: ${u}` });
    })
    .safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    dataDir,
    dbFile: path.join(dataDir, "gateway.db"),
    blobDir: path.join(dataDir, "blobs"),
    outboxDir: path.join(dataDir, "outbox"),
    maildir: path.resolve(e.MAILDIR ?? path.join(dataDir, "maildir")),
    /**
     * IMAP_URL: one or more mailbox URLs, separated by white space before each `imap://` or
     * `imaps://` (a space inside a URL, in a password or a folder name, stays part of it).
     */
    imapUrls: (e.IMAP_URL ?? "")
      .trim()
      .split(/\s+(?=imaps?:\/\/)/i)
      .map((u) => u.trim())
      .filter(Boolean),
    imap: {
      folders: { processed: e.IMAP_FOLDER_PROCESSED, failed: e.IMAP_FOLDER_FAILED, quarantine: e.IMAP_FOLDER_QUARANTINE },
      reconcileMs: Math.max(1000, e.IMAP_RECONCILE_MS),
      batchBytes: Math.max(1, e.IMAP_BATCH_BYTES),
      leaseSeconds: Math.max(5, e.IMAP_LEASE_SECONDS),
      backoffMs: Math.max(50, e.IMAP_BACKOFF_MS),
      backoffMaxMs: Math.max(50, e.IMAP_BACKOFF_MAX_MS),
      idleMs: Math.min(Math.max(60_000, e.IMAP_IDLE_MS), 28 * 60_000),
    },
    host: e.HOST,
    port: e.PORT,
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    logFile: e.LOG_FILE ? path.resolve(e.LOG_FILE) : undefined,
    trustProxy: e.TRUST_PROXY,
    allowedNetworks: e.ALLOWED_NETWORKS.split(",").map((s) => s.trim()).filter(Boolean),
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    passwordMaxAgeDays: e.PASSWORD_MAX_AGE_DAYS,
    lockoutThreshold: e.LOCKOUT_THRESHOLD,
    lockoutMinutes: e.LOCKOUT_MINUTES,
    throttle: { accountPerHour: e.THROTTLE_ACCOUNT_PER_HOUR, addressPerHour: e.THROTTLE_ADDRESS_PER_HOUR, globalPerHour: e.THROTTLE_GLOBAL_PER_HOUR },
    passwordPolicy: { minLength: e.PASSWORD_MIN_LENGTH },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    webhook: { urls: (e.WEBHOOK_URLS ?? "").split(/\s+/).filter(Boolean), secret: e.WEBHOOK_SECRET ?? "" },
    ingestBatch: Math.max(1, e.INGEST_BATCH),
    commitThread: e.COMMIT_THREAD === "1",
    officerDeadline: e.OFFICER_DEADLINE,
    ocrWorkers: e.OCR_WORKERS,
    audit: {
      keyFile: path.resolve(e.AUDIT_KEY_FILE ?? path.join(dataDir, "audit.key")),
      anchorFile: path.resolve(e.AUDIT_ANCHOR_FILE ?? path.join(dataDir, "audit-anchors.log")),
    },
    approvals: { tokenHours: e.APPROVAL_TOKEN_HOURS, dkim: e.APPROVAL_DKIM, trustedAuthservId: e.TRUSTED_AUTHSERV_ID ?? null },
    limits: {
      messageBytes: e.LIMIT_MESSAGE_BYTES,
      attachmentBytes: e.LIMIT_ATTACHMENT_BYTES,
      parts: e.LIMIT_PARTS,
      mimeDepth: e.LIMIT_MIME_DEPTH,
      htmlChars: e.LIMIT_HTML_CHARS,
      textChars: e.LIMIT_TEXT_CHARS,
      pdfPages: e.LIMIT_PDF_PAGES,
      pixels: e.LIMIT_PIXELS,
      ocrPageSeconds: e.LIMIT_OCR_PAGE_SECONDS,
      ocrDocumentSeconds: e.LIMIT_OCR_DOCUMENT_SECONDS,
      messagePages: e.LIMIT_MESSAGE_PAGES,
      messageOcrSeconds: e.LIMIT_MESSAGE_OCR_SECONDS,
      pdfDecodedBytes: e.LIMIT_PDF_DECODED_BYTES,
      pdfSeconds: Math.max(1, e.LIMIT_PDF_SECONDS),
      extractSeconds: Math.max(1, e.LIMIT_EXTRACT_SECONDS),
      workerMemoryMb: e.LIMIT_WORKER_MEMORY_MB,
      archive: { entries: e.LIMIT_ARCHIVE_ENTRIES, entryBytes: e.LIMIT_ARCHIVE_ENTRY_BYTES, totalBytes: e.LIMIT_ARCHIVE_BYTES, ratio: Math.max(1, e.LIMIT_ARCHIVE_RATIO), depth: e.LIMIT_ARCHIVE_DEPTH },
    },
  };
}

export type Limits = Config["limits"];
