// What the parts of the IMAP intake share (types only): the options it was made with, the
// account, its lease, and the connection factory. intake.ts makes one per mailbox.
import type { Config } from "../../config/index.js";
import type { Db } from "../../db/client.js";
import type { Logger } from "../../util/log.js";
import type { Pipeline } from "../../pipeline/ingest.js";
import type { MailboxLease } from "../lease.js";
import type { ImapAccount } from "./account.js";
import type { ImapSource } from "./connection.js";

/** Test seams; neither issues an IMAP command on the intake's connection. */
export interface ImapIntakeHooks {
  /** After the folder was listed, before anything of it is fetched. */
  afterSearch?: (uids: number[]) => Promise<void> | void;
  /** Inside a FETCH of sources, as each message arrives. */
  onFetchMessage?: (uid: number, index: number) => Promise<void> | void;
}

export interface ImapIntakeOptions {
  db: Db;
  pipeline: Pipeline;
  config: Config;
  url: string;
  /** A logger (a child per mailbox is made of it), or a callback for the lines' messages (tests, the CLI). */
  log?: Logger | ((line: string) => void);
  /** Lease owner id; by default host, pid and a random part. */
  owner?: string;
  hooks?: ImapIntakeHooks;
}

/** The mailbox's status row as the web screen's 运行状态 shows it. */
export interface MailboxStatus {
  connected?: boolean;
  lastPollAt?: Date;
  backlog?: number;
  lastError?: string | null;
  lastUid?: number;
}

export interface ImapContext {
  readonly opts: ImapIntakeOptions;
  readonly account: ImapAccount;
  /** The Mailbox row's name. */
  readonly name: string;
  readonly lease: MailboxLease;
  /** A child logger of this mailbox ({ mailbox }). */
  readonly log: Logger;
  mailbox(): Promise<number>;
  status(data: MailboxStatus): Promise<void>;
  newSource(): ImapSource;
  /** Stopping (serve is shutting down): the batches in hand are finished, no new one is begun. */
  stopping(): boolean;
}
