// The contract every source of messages keeps (a Maildir, an IMAP folder, any new one), types
// only. What a source hands the pipeline is a SourceMessage and what it does afterwards an Ack
// (pipeline/contracts.ts); the rules it follows are the ledger's (ledger/status.ts, dueAction):
//   - its Mailbox row names it; the ledger's keys are unique per mailbox;
//   - a message is acknowledged (moved, flagged, removed) only after its outcome is committed;
//   - a message the ledger shows undecided is read again; a parked one is left alone;
//   - a decided one that is still unacknowledged is only acknowledged;
//   - one poller per mailbox at a time where several processes could read it (sources/lease.ts).
import type { IngestResult } from "../pipeline/contracts.js";

/** How a pass went: committed results either way (what was committed stays committed). */
export type PassReport =
  | { ok: true; results: IngestResult[]; moved: number }
  | { ok: false; reason: "busy"; owner: string | null; results: IngestResult[] }
  | { ok: false; reason: "error"; error: string; results: IngestResult[] };

export interface IntakeSource {
  /** The Mailbox row's name, e.g. `maildir:/srv/mail/intake` or `imap:user@host:993/INBOX`. */
  readonly name: string;
  /** The Mailbox row's id (the row is created on first use). */
  mailbox(): Promise<number>;
  /** One complete pass over what is due; `onResult` sees each message as soon as it is committed. */
  pass(onResult?: (r: IngestResult) => void): Promise<PassReport>;
}
