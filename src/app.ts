// Composition root: configuration, database, blob store, pipeline, intake. No business rules.
import { loadConfig, type Config } from "./config/index.js";
import { openDb, type Db } from "./db/client.js";
import { Pipeline } from "./pipeline/ingest.js";
import { IngestWriter } from "./db/ingest-writer.js";
import { MaildirIntake } from "./sources/maildir-intake.js";
import { seedReference } from "./seed/reference.js";
import { BlobStore } from "./util/blobs.js";
import { createOcrEngine } from "./extract/ocr/engine.js";
import { extractMessage } from "./pipeline/prepare.js";
import { loadReference } from "./pipeline/reference.js";
import { InlineCommitter, ThreadCommitter } from "./pipeline/committer.js";
import type { Extractor } from "./pipeline/contracts.js";
import { ReviewService } from "./review/service.js";
import { ReadModel } from "./review/queries.js";
import { ApprovalRequests } from "./approvals/requests.js";
import { WebhookOnPublish } from "./publish/listener.js";
import { ApprovalReplies, type DnsResolver } from "./approvals/reply-handler.js";
import { openAuditTrail, type AuditFiles } from "./audit/audit.js";
import type { AuditAnchorer } from "./audit/anchorer.js";
import { secureDataDir } from "./util/file-modes.js";
import { createLogger, setProcessLog, type Logger } from "./util/log.js";

export interface App {
  config: Config;
  db: Db;
  /** The database, audit key and anchor files of this installation's audit trail. */
  auditFiles: AuditFiles;
  /** Writes the audit chain's head to the anchor file within a second of each commit (and at close). */
  anchors: AuditAnchorer;
  blobs: BlobStore;
  /** The root logger (pino, LOG_LEVEL); components log through children of it. */
  log: Logger;
  pipeline: Pipeline;
  review: ReviewService;
  read: ReadModel;
  /** The Maildir source; its lines go to a child of `log` (default: the app's) per mailbox. */
  maildirIntake(root?: string, log?: Logger): MaildirIntake;
  close(): Promise<void>;
}

export interface AppOptions {
  /** DNS for DKIM checks of approval replies (tests: a static map; default: the system's). */
  dnsResolver?: DnsResolver;
  /**
   * "inspect" (`gateway audit verify`): open even when the audit trail cannot be verified (a key
   * without its keyed row or anchor file), so that verify can say why; nothing is anchored.
   */
  audit?: "start" | "inspect";
  /** Where the logs go (default: JSON lines on stderr, or LOG_FILE, at LOG_LEVEL). */
  log?: Logger;
}

export async function createApp(env: NodeJS.ProcessEnv = process.env, options: AppOptions = {}): Promise<App> {
  const config = loadConfig(env);
  const log = options.log ?? createLogger(config.logLevel, config.logFile);
  setProcessLog(log);
  secureDataDir(config.dataDir, config.dbFile);
  const db = await openDb(config.dbFile);
  secureDataDir(config.dataDir, config.dbFile); // the files SQLite has just made
  const auditFiles: AuditFiles = { dbFile: config.dbFile, keyFile: config.audit.keyFile, anchorFile: config.audit.anchorFile };
  const anchors = await openAuditTrail(db, auditFiles, options.audit ?? "start").catch(async (err: unknown) => {
    await db.$disconnect();
    throw err;
  });
  if ((await db.division.count()) === 0) await seedReference(db);
  const writer = new IngestWriter(config.dbFile);
  const blobs = new BlobStore(config.blobDir, (sha) => writer.packEntry(sha));
  const review = new ReviewService(db);
  const read = new ReadModel(config.dbFile, db);
  review.onTransition(new ApprovalRequests(config));
  // The website push is queued in the publishing transaction (publish/webhook.ts).
  review.onTransition(new WebhookOnPublish(config));
  const ocr = createOcrEngine({ workers: config.ocrWorkers, log: log.child({ component: "ocr" }) });
  // The commit thread decides and commits batch n while the main thread extracts batch n + 1;
  // COMMIT_THREAD=0 does it inline.
  const committer = config.commitThread ? new ThreadCommitter(config.dbFile, config.blobDir) : new InlineCommitter(writer, blobs);
  const extractor: Extractor = { extract: (raw, log) => extractMessage(raw, config.limits, ocr, log) };
  const pipeline = new Pipeline({
    writer,
    committer,
    extractor,
    blobs,
    reference: () => loadReference(db),
    replies: { handler: new ApprovalReplies(config, review, options.dnsResolver), db },
    log: log.child({ component: "pipeline" }),
  });
  return {
    config,
    db,
    auditFiles,
    anchors,
    blobs,
    log,
    pipeline,
    review,
    read,
    maildirIntake: (root = config.maildir, sourceLog = log) => new MaildirIntake(db, pipeline, root, config.ingestBatch, sourceLog),
    async close() {
      await committer.close();
      writer.close();
      await ocr.close();
      read.close();
      if ((options.audit ?? "start") === "start") await anchors.close();
      await db.$disconnect();
    },
  };
}
