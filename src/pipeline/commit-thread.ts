// The commit thread: owns its own IngestWriter (SQLite connection) and settles the batches the
// main thread has extracted — decide, store blobs, commit — so that this work overlaps the
// extraction of the next batch.
import { parentPort, workerData } from "node:worker_threads";
import { IngestWriter } from "../db/ingest-writer.js";
import { registerAuditKey } from "../audit/key.js";
import { errorMessage } from "../domain/errors.js";
import { BlobStore } from "../util/blobs.js";
import { settle } from "./commit.js";
import type { SettleRequest } from "./committer.js";
import type { Reference, SettleItem } from "./contracts.js";

const { dbFile, blobDir, auditKey } = workerData as { dbFile: string; blobDir: string; auditKey: Uint8Array };
registerAuditKey(dbFile, Buffer.from(auditKey));
const writer = new IngestWriter(dbFile);
const blobs = new BlobStore(blobDir, (sha) => writer.packEntry(sha));
let ref: { version: number; value: Reference } | null = null;

/** Buffers arrive as plain Uint8Arrays; make them Buffers again (no copy). */
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function rehydrate(item: SettleItem): SettleItem {
  const x = item.extracted;
  if (item.raw) item.raw = buf(item.raw);
  if (x.kind === "extracted")
    for (const p of x.parts) {
      p.part.content = buf(p.part.content);
      if (p.pageImages) p.pageImages = p.pageImages.map(buf);
    }
  return item;
}

parentPort!.on("message", (m: SettleRequest | { close: true }) => {
  if ("close" in m) {
    writer.close();
    parentPort!.close();
    return;
  }
  try {
    if (m.ref) ref = { version: m.refVersion, value: m.ref };
    if (!ref || ref.version !== m.refVersion) throw new Error(`commit thread: reference data version ${m.refVersion} not received`);
    parentPort!.postMessage({ id: m.id, results: settle(writer, blobs, ref.value, m.items.map(rehydrate)) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: errorMessage(err) });
  }
});
