// Where batches are committed: in the commit thread (default; SQLite's work then overlaps the
// parsing of the next batch on the main thread) or inline on the main thread's writer.
import { Worker } from "node:worker_threads";
import type { IngestWriter } from "../db/ingest-writer.js";
import { commitWithFallback, withoutBytes, type CommitItem } from "./commit.js";
import type { IngestResult } from "./ingest.js";

export interface Committer {
  commit(todo: CommitItem[]): Promise<IngestResult[]>;
  close(): Promise<void>;
}

export class InlineCommitter implements Committer {
  constructor(private readonly writer: IngestWriter) {}
  async commit(todo: CommitItem[]) {
    return commitWithFallback(this.writer, todo);
  }
  async close() {}
}

export class ThreadCommitter implements Committer {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve(r: IngestResult[]): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(private readonly dbFile: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./commit-thread.mjs", import.meta.url), { workerData: { dbFile: this.dbFile } });
    worker.on("message", (m: { id: number; results?: IngestResult[]; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.results!);
    });
    const fail = (err: Error) => {
      // Nothing was acknowledged for these batches: their ledger rows stay `received` and the
      // next pass commits them.
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`commit thread exited (${code})`)));
    worker.unref();
    return (this.worker = worker);
  }

  commit(todo: CommitItem[]): Promise<IngestResult[]> {
    if (!todo.length) return Promise.resolve([]);
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, todo: todo.map(withoutBytes) });
    });
  }

  async close() {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    await new Promise<void>((resolve) => {
      w.once("exit", () => resolve());
      w.ref(); // an idle worker is unref'd; keep the process alive until it has closed its database
      w.postMessage({ close: true });
    });
  }
}
