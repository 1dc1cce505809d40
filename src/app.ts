// Composition root: configuration, database, blob store, pipeline, intake. No business rules.
import fs from "node:fs";
import { loadConfig, type Config } from "./config/index.js";
import { openDb, type Db } from "./db/client.js";
import { Pipeline } from "./pipeline/ingest.js";
import { IngestWriter } from "./db/ingest-writer.js";
import { MaildirIntake } from "./pipeline/maildir-intake.js";
import { seedReference } from "./seed/reference.js";
import { BlobStore } from "./util/blobs.js";

export interface App {
  config: Config;
  db: Db;
  blobs: BlobStore;
  pipeline: Pipeline;
  maildirIntake(root?: string): MaildirIntake;
  close(): Promise<void>;
}

export async function createApp(env: NodeJS.ProcessEnv = process.env): Promise<App> {
  const config = loadConfig(env);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const db = await openDb(config.dbFile);
  if ((await db.division.count()) === 0) await seedReference(db);
  const blobs = new BlobStore(config.blobDir);
  const writer = new IngestWriter(config.dbFile);
  const pipeline = new Pipeline({ db, writer, config, blobs });
  return {
    config,
    db,
    blobs,
    pipeline,
    maildirIntake: (root = config.maildir) => new MaildirIntake(db, pipeline, root, config.ingestBatch),
    async close() {
      writer.close();
      await db.$disconnect();
    },
  };
}
