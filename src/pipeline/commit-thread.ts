// The commit thread: owns its own IngestWriter (SQLite connection) and commits the batches the
// main thread has prepared, so SQLite's work overlaps the parsing of the next batch.
import { parentPort, workerData } from "node:worker_threads";
import { IngestWriter } from "../db/ingest-writer.js";
import { errorMessage } from "../domain/errors.js";
import { commitWithFallback, type CommitItem } from "./commit.js";

const writer = new IngestWriter((workerData as { dbFile: string }).dbFile);

parentPort!.on("message", (m: { id: number; todo: CommitItem[] } | { close: true }) => {
  if ("close" in m) {
    writer.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: m.id, results: commitWithFallback(writer, m.todo) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: errorMessage(err) });
  }
});
