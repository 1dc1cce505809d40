// One poller per mailbox across gateway processes: a lease on the Mailbox row (leaseOwner,
// leaseUntil), taken by a conditional UPDATE, renewed while held, and taken over when it expired
// or when its owner is a dead process on this host (a gateway killed with -9 restarts at once).
// Any source whose mailbox several processes could read holds one (the IMAP intake does).
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Db } from "../db/client.js";
import { sqliteDate } from "../db/sqlite-date.js";
import { errorMessage } from "../domain/errors.js";

export class LeaseLost extends Error {
  constructor() {
    super("邮箱租约已被其他进程接管，本轮停止");
    this.name = "LeaseLost";
  }
}

/** The owner id of this process: `gw:<host>:<pid>:<random>`. */
export function defaultOwner(): string {
  return `gw:${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** A lease owned by a process of this host that no longer runs can be taken at once. */
export function ownerIsDeadLocalProcess(owner: string): boolean {
  const parts = owner.split(":");
  if (parts.length < 4 || parts[0] !== "gw") return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(1, -2).join(":");
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export class MailboxLease {
  /** Set when a renewal found the lease gone: the pass under way stops at its next batch. */
  lost = false;
  private renewedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly mailbox: () => Promise<number>,
    private readonly seconds: number,
    readonly owner: string = defaultOwner(),
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Takes or renews the lease; on refusal says who holds it. */
  async take(): Promise<{ ok: true } | { ok: false; owner: string | null }> {
    const id = await this.mailbox();
    const now = new Date();
    const until = sqliteDate(new Date(now.getTime() + this.seconds * 1000));
    const taken = await this.db.$executeRawUnsafe(
      `UPDATE "Mailbox" SET "leaseOwner" = ?, "leaseUntil" = ? WHERE "id" = ? AND ("leaseOwner" IS NULL OR "leaseOwner" = ? OR "leaseUntil" IS NULL OR "leaseUntil" < ?)`,
      this.owner,
      until,
      id,
      this.owner,
      sqliteDate(now),
    );
    if (taken === 1) {
      this.renewedAt = now.getTime();
      return { ok: true };
    }
    const row = await this.db.mailbox.findUnique({ where: { id }, select: { leaseOwner: true } });
    const holder = row?.leaseOwner ?? null;
    if (holder && ownerIsDeadLocalProcess(holder)) {
      const stolen = await this.db.$executeRawUnsafe(`UPDATE "Mailbox" SET "leaseOwner" = ?, "leaseUntil" = ? WHERE "id" = ? AND "leaseOwner" = ?`, this.owner, until, id, holder);
      if (stolen === 1) {
        this.renewedAt = now.getTime();
        this.log(`lease of ${holder} (process gone) taken over`);
        return { ok: true };
      }
    }
    return { ok: false, owner: holder };
  }

  async renew(): Promise<void> {
    if (this.lost) throw new LeaseLost();
    const id = await this.mailbox();
    const now = Date.now();
    const until = sqliteDate(new Date(now + this.seconds * 1000));
    const n = await this.db.$executeRawUnsafe(`UPDATE "Mailbox" SET "leaseUntil" = ? WHERE "id" = ? AND "leaseOwner" = ?`, until, id, this.owner);
    if (n !== 1) throw new LeaseLost();
    this.renewedAt = now;
  }

  /**
   * Between batches: a lost lease stops the pass; the lease itself is renewed once a sixth of it
   * has passed (the keeper timer renews it as well), not for every batch.
   */
  async keep(): Promise<void> {
    if (this.lost) throw new LeaseLost();
    if (Date.now() - this.renewedAt > (this.seconds * 1000) / 6) await this.renew();
  }

  /**
   * Runs `fn` with the lease renewed on a timer as well: a batch can take minutes (OCR of faxed
   * scans), and the lease must not run out while this process is still busy with the mailbox.
   */
  async held<T>(fn: () => Promise<T>): Promise<T> {
    // A renewal that fails (the lease taken over, or the database busy) stops the pass at its next batch.
    const keeper = setInterval(
      () =>
        void this.renew().catch((err: unknown) => {
          this.lost = true;
          this.log(`lease renewal failed (${errorMessage(err)}): the pass stops at its next batch`);
        }),
      (this.seconds * 1000) / 3,
    );
    this.lost = false;
    try {
      return await fn();
    } finally {
      clearInterval(keeper);
    }
  }

  async release(): Promise<void> {
    const id = await this.mailbox();
    await this.db.$executeRawUnsafe(`UPDATE "Mailbox" SET "leaseOwner" = NULL, "leaseUntil" = NULL WHERE "id" = ? AND "leaseOwner" = ?`, id, this.owner);
  }
}
