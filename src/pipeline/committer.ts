// Where batches are settled (decided, stored, committed): in the commit thread (default; the
// decisions and SQLite's work then overlap the extraction of the next batch on the main
// thread) or inline on the main thread's writer.
import { Worker } from "node:worker_threads";
import type { IngestWriter } from "../db/ingest-writer.js";
import { auditKeyFor } from "../audit/key.js";
import type { BlobStore } from "../util/blobs.js";
import { settle } from "./commit.js";
import type { IngestResult, Reference, SettleItem, VersionedReference } from "./contracts.js";

export interface Committer {
  /** Gets ready ahead of the first batch (the thread takes about a second to load its modules). */
  warm(): void;
  settle(items: SettleItem[], ref: VersionedReference): Promise<IngestResult[]>;
  close(): Promise<void>;
}

export class InlineCommitter implements Committer {
  constructor(
    private readonly writer: IngestWriter,
    private readonly blobs: BlobStore,
  ) {}
  warm() {}
  async settle(items: SettleItem[], ref: VersionedReference) {
    return settle(this.writer, this.blobs, ref.value, items);
  }
  async close() {}
}

/** What the main thread posts per batch; `ref` only when the thread's copy is out of date. */
export interface SettleRequest {
  id: number;
  items: SettleItem[];
  refVersion: number;
  ref?: Reference;
}

/**
 * A buffer that owns exactly its bytes. Small Node buffers are views into a shared 8 KiB pool,
 * and a structured clone copies the whole underlying ArrayBuffer, not the view.
 */
function own(b: Buffer): Buffer {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : (new Uint8Array(b) as Buffer);
}

function forThread(item: SettleItem): SettleItem {
  const x = item.extracted;
  const extracted =
    x.kind === "extracted"
      ? {
          ...x,
          // Header lines stay behind: only the reply stage, on the main thread, reads them.
          parsed: { ...x.parsed, headers: [] },
          parts: x.parts.map((p) => ({ ...p, part: { ...p.part, content: own(p.part.content) }, pageImages: p.pageImages?.map(own) })),
        }
      : x;
  return { entry: item.entry, extracted, rawPath: item.rawPath, raw: item.rawPath || !item.raw ? undefined : own(item.raw) };
}

export class ThreadCommitter implements Committer {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve(r: IngestResult[]): void; reject(e: Error): void }>();
  private nextId = 1;
  private sentVersion = -1;

  constructor(
    private readonly dbFile: string,
    private readonly blobDir: string,
  ) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./commit-thread.mjs", import.meta.url), { workerData: { dbFile: this.dbFile, blobDir: this.blobDir, auditKey: auditKeyFor(this.dbFile) } });
    this.sentVersion = -1;
    worker.on("message", (m: { id: number; results?: IngestResult[]; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.results!);
    });
    const fail = (err: Error) => {
      // Nothing was acknowledged for these batches: their ledger rows stay `received` and the
      // next pass settles them.
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`commit thread exited (${code})`)));
    worker.unref();
    return (this.worker = worker);
  }

  warm(): void {
    this.start();
  }

  settle(items: SettleItem[], ref: VersionedReference): Promise<IngestResult[]> {
    if (!items.length) return Promise.resolve([]);
    const worker = this.start();
    const id = this.nextId++;
    const request: SettleRequest = { id, items: items.map(forThread), refVersion: ref.version };
    if (ref.version !== this.sentVersion) request.ref = ref.value;
    this.sentVersion = ref.version;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
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
