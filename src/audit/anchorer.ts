// The anchorer: writes the chain's head to the anchor file within a second of every commit that
// added audit rows, whichever connection, thread or process wrote them (web, intake, commit
// thread, a CLI command beside the server) — so whoever deletes the last rows with the database
// file can hide at most the rows of the last second before the anchor, instead of everything
// since the last start or hourly anchor.
//
// Coalesced: it looks once a second (one indexed query for the last row, and the file's last
// line), and writes one line for however many rows were committed meanwhile. A chain that is
// shorter than the file's last anchor is never anchored (that would only bury the evidence under
// a new line; `gateway audit verify` reports it) — it is said once, in the log and on 运行状态.
import type { Db } from "../db/client.js";
import { errorMessage } from "../domain/errors.js";
import { appendAnchor, lastAnchor, type Anchor, type ChainHead } from "./anchor.js";
import { GENESIS } from "./chain.js";

/** How often the anchorer looks (and so the most rows it can miss: those of the last interval). */
export const ANCHOR_INTERVAL_MS = 1000;

export interface AnchorFiles {
  anchorFile: string;
}

export class AuditAnchorer {
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last problem said (so a problem that lasts is said once, not every second). */
  private problem: string | null = null;
  /** Where problems are said (serve: its log); they also go to 运行状态 as an alert. */
  log: (line: string) => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly files: AnchorFiles,
    private readonly key: Buffer,
  ) {}

  /** Looks every ANCHOR_INTERVAL_MS from now on (the timer does not keep the process alive). */
  start(): this {
    if (!this.timer) {
      // A failure was already said by anchorNow (log + 运行状态 alert); the next tick tries again.
      this.timer = setInterval(() => void this.anchor("commit").catch(() => undefined), ANCHOR_INTERVAL_MS);
      this.timer.unref();
    }
    return this;
  }

  /**
   * Appends the head when it moved past the file's last anchor (or always, with `force`, as at a
   * clean start and stop and after a verify). Returns the anchor written, or null. One at a time.
   */
  anchor(reason: string, force = false): Promise<Anchor | null> {
    const run = this.queue.then(() => this.anchorNow(reason, force));
    // The caller gets `run` and its error; the queue only has to go on after a failure.
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops looking, after anchoring what was committed until now. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A failure was said by anchorNow (log + alert); closing goes on.
    await this.anchor("close").catch(() => undefined);
  }

  private async anchorNow(reason: string, force: boolean): Promise<Anchor | null> {
    try {
      const [row] = await this.db.$queryRawUnsafe<Array<{ id: number; hash: string }>>(`SELECT id, hash FROM AuditEvent ORDER BY id DESC LIMIT 1`);
      const head = { lastId: row?.id ?? 0, lastHash: row?.hash ?? GENESIS };
      const last = lastAnchor(this.files.anchorFile, this.key);
      if (last && head.lastId < last.lastId) {
        this.say(`审计链比锚点文件记下的短：锚点记到 #${last.lastId}，数据库中最后一条是 #${head.lastId}（末尾的记录被删除？）。不再写入锚点；请运行 gateway audit verify`);
        return null;
      }
      if (!force && last && last.lastId === head.lastId && last.lastHash === head.lastHash) return this.ok(null);
      // The count grows with the rows after the last anchor (no COUNT(*) over the whole table every second).
      const count = last ? last.count + (await this.countAfter(last.lastId)) : await this.countAfter(0);
      const written = appendAnchor(this.files.anchorFile, this.key, { count, ...head } satisfies ChainHead, reason);
      return this.ok(written);
    } catch (err) {
      this.say(`审计锚点未能写入 ${this.files.anchorFile}：${errorMessage(err)}`);
      throw err;
    }
  }

  private async countAfter(id: number): Promise<number> {
    const [r] = await this.db.$queryRawUnsafe<Array<{ n: number | bigint }>>(`SELECT COUNT(*) AS n FROM AuditEvent WHERE id > ?`, id);
    return Number(r!.n);
  }

  private ok<T>(v: T): T {
    this.problem = null;
    return v;
  }

  private say(problem: string): void {
    if (this.problem === problem) return;
    this.problem = problem;
    this.log(problem);
    void this.db.alert
      .findFirst({ where: { kind: "audit_anchor", resolvedAt: null } })
      .then((open) => (open ? undefined : this.db.alert.create({ data: { kind: "audit_anchor", message: problem } })))
      .catch(() => undefined /* logged just above; the alert is a second channel, and the database may be what failed */);
  }
}
