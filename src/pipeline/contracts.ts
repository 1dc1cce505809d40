// The contracts between the stages of the intake, in one place and types only (nothing here runs,
// so any stage, thread or process can import it without loading another stage):
//
//   source ──SourceMessage──► ledger row ──► extract ──Extracted──► decide ──Decision──► commit
//      ▲                                                                                   │
//      └────────────────────────────── Ack ◄── IngestResult ◄──────────────────────────────┘
//
// Everything that crosses a thread or process boundary is plain data that survives a structured
// clone (Buffers arrive as Uint8Arrays, Maps and Dates as they are): the commit thread receives
// SettleItems today; an extraction worker process (issue #15) can return an `Extracted` as it is.
import type { AuditInput } from "../audit/audit.js";
import type { Tx } from "../db/client.js";
import type { PartExtraction } from "../extract/documents.js";
import type { MessageSummary, MimePart } from "../extract/mime.js";
import type { UnitDirectory, UnitMatch } from "../identify/unit.js";
import type { OfficerRecommendation } from "../officers/recommendation-form.js";
import type { RouteDecision, RuleSet } from "../route/router.js";
import type { Mark } from "../screen/classification.js";
import type { Logger } from "../util/log.js";

// ───────────────────────────── source ─────────────────────────────

/** One message as a source hands it over: its ledger key and its bytes. */
export interface SourceMessage {
  /** The ledger key within the mailbox: a Maildir unique name, or `${uidValidity}:${uid}`. */
  sourceKey: string;
  /** For people and logs: the Maildir file name, or the IMAP UID. */
  file: string | null;
  uidValidity?: bigint | null;
  uid?: number | null;
  raw: Buffer;
  /** Where the raw bytes already lie on disk (Maildir), so the blob store can link instead of copy. */
  path?: string;
}

/** What the source does with a message once its outcome is committed (never before). */
export type Ack = "processed" | "failed" | "remove";

// ───────────────────────────── extraction ─────────────────────────────

/** A part with the text read from it. */
export interface PreparedPart {
  part: MimePart;
  extraction: PartExtraction;
  /** One PNG per page as OCR saw it, shown beside the text on the draft page. */
  pageImages?: Buffer[];
  /** Filled in when the images are stored (content-addressed). */
  pageImageShas?: Array<string | null>;
}

/** A message as read: parsed, with the text of each part, or why it could not be read. */
export type Extracted = { kind: "failed"; code: string; error: string } | { kind: "extracted"; parsed: MessageSummary; parts: PreparedPart[] };

/**
 * Extraction as a service of the pipeline: parse, limits, charsets, documents, OCR. Inline on the
 * main thread today (pipeline/prepare.ts); its result is plain data, so a supervised worker can
 * produce it instead. It never throws for a bad message: that is an `Extracted` of kind failed.
 */
export interface Extractor {
  /** `log`: the message's logger ({ mailbox, intakeId }), for what extraction does with it. */
  extract(raw: Buffer, log?: Logger): Promise<Extracted>;
}

// ───────────────────────────── decision ─────────────────────────────

/** The reference data the decisions need (unit directory, routing rules); structured-cloneable. */
export interface Reference {
  units: UnitDirectory;
  rules: RuleSet;
}

/** Reference data with a version, so that the commit thread receives it only when it changed. */
export interface VersionedReference {
  version: number;
  value: Reference;
}

/** What the decision stage made of a message (screen, identify, route, compose), with every reason. */
export type Prepared =
  | { kind: "failed"; code: string; error: string; parsed?: MessageSummary }
  | { kind: "quarantined"; mark: Mark; parsed: MessageSummary }
  | { kind: "ignored"; reason: string; parsed: MessageSummary }
  | {
      kind: "draft";
      parsed: MessageSummary;
      parts: PreparedPart[];
      unit: UnitMatch;
      route: RouteDecision;
      title: string;
      titleReason: string;
      body: string;
      bodyReason: string;
      date: Date | null;
      dateReason: string;
      flags: string[];
      channel: "email" | "fax";
      faxNumber: string | null;
      /** The sending fax machine's header line(s), kept as metadata, never title or body. */
      faxHeader: string | null;
      /** 文号 of the document, when it has one. */
      docNumber: string | null;
      /** Clean-up suggestions (compose/cleanup.ts) as JSON. */
      suggestions: string;
      screenNote: string | null;
      /** Attachment 4, 信息员推荐表, read from the submission. */
      officer: OfficerRecommendation | null;
      fingerprint: string;
    };

// ───────────────────────────── commit ─────────────────────────────

/** What the commit needs of a ledger entry (no message bytes). */
export interface CommitEntry {
  intakeId: number;
  sha256: string;
  attempts: number;
  file: string | null;
}

export interface CommitItem {
  entry: CommitEntry;
  prepared: Prepared;
}

/** A message as it reaches the commit side: its ledger entry, its extraction and its raw bytes. */
export interface SettleItem {
  entry: CommitEntry;
  extracted: Extracted;
  /** Where the raw message lies on disk (Maildir: hard-linked into the blob store) … */
  rawPath?: string;
  /** … or its bytes (IMAP: written to the blob store). */
  raw?: Buffer;
}

// ───────────────────────────── result ─────────────────────────────

export type Outcome = "draft" | "duplicate" | "quarantined" | "reply" | "failed" | "ignored";

/** One decided message, as `gateway ingest --json` prints it (without intakeId). */
export interface IngestResult {
  messageId: string | null;
  file: string | null;
  outcome: Outcome;
  unit: string | null;
  column: string | null;
  division: string | null;
  draftId: number | null;
  title: string | null;
  reason: string;
  intakeId: number;
}

/** A settled batch: every result, and the acknowledgements now due (also of messages decided by an earlier run). */
export interface IngestedBatch {
  results: IngestResult[];
  acks: Array<{ msg: SourceMessage; ack: Ack }>;
}

// ───────────────────────────── replies ─────────────────────────────

/** Replies to our approval requests are handled by the approvals stage, before unit identification. */
export interface ReplyHandler {
  /** A cheap check without the database: does this look like a reply to one of our mails? */
  matches(msg: MessageSummary): boolean;
  /** Applies (or refuses, with its reason) the decision; always a result, never a new draft. */
  handle(tx: Tx, msg: MessageSummary, intakeId: number, raw: Buffer): Promise<{ reason: string; draftId?: number | null; audit: AuditInput[]; /** The subject as it may be stored (an approval token redacted). */ subject?: string }>;
  /** Approval tokens written anywhere in a message that is not handled as a reply (cheap, no database). */
  exposedTokens?(msg: MessageSummary, raw: Buffer, partContents: Buffer[]): string[];
  /** Voids those tokens — the message is kept and listed where others read it — and says so. */
  voidExposed?(tx: Tx, tokens: string[], o: { intakeId: number; from: string | null; automatic: string | null }): Promise<{ audit: AuditInput[] }>;
}
