// Drives the pipeline over a Maildir: which files are due, in batches, and the acknowledgement
// of each after its commit.
import type { Db } from "../db/client.js";
import { Maildir, type MaildirItem } from "../sources/maildir.js";
import type { Ack, IngestedBatch, IngestResult, SourceMessage } from "./contracts.js";
import type { Pipeline } from "./ingest.js";
import { dueAction } from "../ledger/status.js";

export class MaildirIntake {
  private reconciled = false;
  private mailboxId: number | null = null;
  readonly maildir: Maildir;

  constructor(
    private readonly db: Db,
    private readonly pipeline: Pipeline,
    root: string,
    private readonly batchSize: number,
  ) {
    this.maildir = new Maildir(root);
    pipeline.warm();
  }

  async mailbox(): Promise<number> {
    if (this.mailboxId != null) return this.mailboxId;
    const name = `maildir:${this.maildir.root}`;
    const row = await this.db.mailbox.upsert({ where: { name }, create: { name, kind: "maildir", connected: true }, update: {} });
    return (this.mailboxId = row.id);
  }

  /**
   * Files that need work: every unseen file whose ledger row is not final, and — on the first
   * run of this process — every seen file the ledger does not know (a commit lost to a power cut).
   */
  private due(mailboxId: number): MaildirItem[] {
    const all = this.maildir.list();
    const candidates = this.reconciled ? all.filter((i) => !i.seen) : all;
    const final = this.pipeline.ledgerStatus(mailboxId, candidates.map((c) => c.sourceKey));
    this.reconciled = true;
    return candidates.filter((c) => {
      const due = dueAction(final.get(c.sourceKey));
      if (due.kind === "read") return true; // new, or interrupted mid-way
      if (due.kind === "wait") return false; // parked in the OCR lane: left unacknowledged
      if (due.ack === "failed") return c.dir === "new"; // decided, only the move to cur/ is left
      return !c.seen; // done/quarantined but not acknowledged yet
    });
  }

  /** One pass over the Maildir. `onResult` sees each decided message as soon as it is committed. */
  async runOnce(onResult?: (r: IngestResult) => void): Promise<IngestResult[]> {
    const mailboxId = await this.mailbox();
    this.maildir.ensure();
    const due = this.due(mailboxId);
    const all: IngestResult[] = [];
    let from = 0;
    // The next batch of files, read now (a file moved by a concurrent run is skipped).
    const next = async (): Promise<Array<SourceMessage & { item: MaildirItem }> | null> => {
      if (from >= due.length) return null;
      const batch: Array<SourceMessage & { item: MaildirItem }> = [];
      for (const item of due.slice(from, (from += this.batchSize))) {
        let raw: Buffer;
        try {
          raw = this.maildir.read(item);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
          throw err;
        }
        batch.push({ sourceKey: item.sourceKey, file: item.file, raw, item, path: this.maildir.pathOf(item) });
      }
      return batch;
    };
    await this.pipeline.run(mailboxId, next, ({ results, acks }: IngestedBatch) => {
      for (const r of results) onResult?.(r);
      // Acknowledged only now: the batch is committed.
      for (const { msg, ack } of acks) this.acknowledge((msg as SourceMessage & { item: MaildirItem }).item, ack);
      all.push(...results);
    });
    await this.db.mailbox.update({ where: { id: mailboxId }, data: { lastPollAt: new Date(), backlog: 0, lastError: null } });
    return all;
  }

  private acknowledge(item: MaildirItem, ack: Ack): void {
    if (ack === "processed") this.maildir.markSeen(item);
    else if (ack === "remove") this.maildir.remove(item);
    else this.maildir.markFailed(item);
  }
}
