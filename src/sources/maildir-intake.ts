// Drives the pipeline over a Maildir: which files are due, in batches, and the acknowledgement
// of each after its commit (moved to cur/ with the S flag; failed ones to cur/ unseen;
// quarantined ones removed). maildir.ts knows the files; plan.ts decides which are due.
import type { Db } from "../db/client.js";
import { errorMessage } from "../domain/errors.js";
import type { Ack, IngestedBatch, IngestResult, SourceMessage } from "../pipeline/contracts.js";
import type { Pipeline } from "../pipeline/ingest.js";
import type { IntakeSource, PassReport } from "./contract.js";
import { Maildir, type MaildirItem } from "./maildir.js";
import { dueMaildirFiles } from "./plan.js";
import { processLog, type Logger } from "../util/log.js";

export class MaildirIntake implements IntakeSource {
  private reconciled = false;
  private mailboxId: number | null = null;
  readonly maildir: Maildir;
  private readonly log: Logger;

  constructor(
    private readonly db: Db,
    private readonly pipeline: Pipeline,
    root: string,
    private readonly batchSize: number,
    log: Logger = processLog(),
  ) {
    this.maildir = new Maildir(root);
    this.log = log.child({ mailbox: this.name });
    pipeline.warm();
  }

  get name(): string {
    return `maildir:${this.maildir.root}`;
  }

  async mailbox(): Promise<number> {
    if (this.mailboxId != null) return this.mailboxId;
    const name = this.name;
    const row = await this.db.mailbox.upsert({ where: { name }, create: { name, kind: "maildir", connected: true }, update: {} });
    return (this.mailboxId = row.id);
  }

  /**
   * Files that need work (plan.ts): on the first pass of this process every file, so that a seen
   * file the ledger does not know (a commit lost to a power cut) is read again; then the unseen ones.
   */
  private due(mailboxId: number): MaildirItem[] {
    const all = this.maildir.list();
    const candidates = this.reconciled ? all.filter((i) => !i.seen) : all;
    const due = dueMaildirFiles(candidates, this.pipeline.ledgerStatus(mailboxId, candidates.map((c) => c.sourceKey)));
    this.reconciled = true;
    return due;
  }

  /** One pass over the Maildir. `onResult` sees each decided message as soon as it is committed. */
  async runOnce(onResult?: (r: IngestResult) => void): Promise<IngestResult[]> {
    return (await this.passFiles(onResult)).results;
  }

  private async passFiles(onResult?: (r: IngestResult) => void): Promise<{ results: IngestResult[]; moved: number }> {
    let moved = 0;
    const mailboxId = await this.mailbox();
    this.maildir.ensure();
    const due = this.due(mailboxId);
    const started = Date.now();
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
          // Moved by a concurrent run meanwhile: its ledger row says what became of it.
          if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            this.log.debug({ file: item.file }, "file gone before it was read (another run took it)");
            continue;
          }
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
      moved += acks.length;
      all.push(...results);
    }, this.log);
    await this.db.mailbox.update({ where: { id: mailboxId }, data: { lastPollAt: new Date(), backlog: 0, lastError: null } });
    if (due.length) this.log.info({ due: due.length, decided: all.length, moved, ms: Date.now() - started }, "pass done");
    return { results: all, moved };
  }

  /** The source contract's pass: runOnce, with a failure as a report (what was committed stays committed). */
  async pass(onResult?: (r: IngestResult) => void): Promise<PassReport> {
    const results: IngestResult[] = [];
    try {
      const r = await this.passFiles((x) => {
        results.push(x);
        onResult?.(x);
      });
      return { ok: true, results, moved: r.moved };
    } catch (err) {
      return { ok: false, reason: "error", error: errorMessage(err), results };
    }
  }

  private acknowledge(item: MaildirItem, ack: Ack): void {
    if (ack === "processed") this.maildir.markSeen(item);
    else if (ack === "remove") this.maildir.remove(item);
    else this.maildir.markFailed(item);
  }
}
