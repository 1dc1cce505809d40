// Structured logs (pino): JSON lines on stderr (or LOG_FILE) — stdout stays for the CLI's own
// output, such as `ingest --json` — with a level, the time and the item a line concerns: a child
// logger per mailbox ({ mailbox }) and per message ({ intakeId, file }), as imapflow tags its
// lines with a connection id and paperless groups a document's lines. Grep one intake id, see
// its whole story.
//
// What a line may hold: ids, hashes, counts, outcomes, reasons the gateway wrote itself. Never a
// password, a token, a secret or a message's text (Art. 10: not even of a classified message's
// subject): callers log ids, and two nets catch what slips through — keys named like secrets are
// censored, and an error is logged as its type, code and first line only (a Prisma validation
// error repeats the arguments of the failed call, a draft's body among them).
import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { logLevelOf } from "../config/index.js";
import { redactDeep, redactTokens } from "../domain/token-shape.js";

export type Logger = pino.Logger;
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Keys whose values never reach a log, at the top level or one level down. */
const SECRET_KEYS = ["password", "pass", "passwordHash", "token", "secret", "authorization", "cookie", "body", "text", "html", "raw", "subject"];
const REDACT = { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)], censor: "〔已隐去〕" };

/** An error as a log may hold it: type, code, the first line of its message (bounded), where it was thrown, its cause. */
export function errorFields(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: firstLine(String(err)) };
  const e = err as Error & { code?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: firstLine(e.message) };
  if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
  const at = (e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 6).map((l) => l.trim());
  if (at.length) out.at = at;
  if (e.cause !== undefined && depth < 2) out.cause = errorFields(e.cause, depth + 1);
  return out;
}

function firstLine(s: string): string {
  const line = s.split("\n", 1)[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const options = (level: LogLevel): pino.LoggerOptions => ({
  level,
  base: { app: "gateway" },
  timestamp: pino.stdTimeFunctions.isoTime,
  // No approval token in any log line, whatever field or message brought it (an ignored mail's
  // subject, an error quoting a header): the log is read by more people than the screens.
  formatters: { level: (label) => ({ level: label }), log: (o) => redactDeep(o) },
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((a) => (typeof a === "string" ? redactTokens(a) : a)) as Parameters<typeof method>);
    },
  },
  serializers: { err: errorFields },
  redact: REDACT,
});

/** The app's logger: JSON lines on stderr, or appended to `file` (0600). */
export function createLogger(level: LogLevel = "info", file?: string): Logger {
  if (!file) return pino(options(level), pino.destination({ fd: 2, sync: true }));
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, "a", 0o600));
  fs.chmodSync(file, 0o600);
  return pino(options(level), pino.destination({ dest: file, append: true, sync: true }));
}

/** A logger into any stream (tests read what was logged). */
export function streamLogger(level: LogLevel, stream: pino.DestinationStream): Logger {
  return pino(options(level), stream);
}

/**
 * A logger whose lines go to a callback as their message (and the error's, if any): for tests
 * that watch what `serve` says, and for the CLI's human-readable IMAP messages on the terminal.
 */
export function lineLogger(line: (text: string) => void, level: LogLevel = "info"): Logger {
  return pino({ ...options(level), base: null, timestamp: false }, {
    write: (json: string) => {
      const o = JSON.parse(json) as { msg?: string; err?: { message?: string } };
      line(`${o.msg ?? ""}${o.err?.message && !o.msg?.includes(o.err.message) ? ` (${o.err.message})` : ""}`);
    },
  });
}

/** A logger from what a caller gave: a logger, a line callback, or nothing (then the process's). */
export function asLogger(log: Logger | ((text: string) => void) | undefined): Logger {
  if (!log) return processLog();
  return typeof log === "function" ? lineLogger(log) : log;
}

let processLogger: Logger | null = null;

/**
 * The process's logger, for code that runs below any component that was given one (closing a PDF,
 * an IMAP connection's own warnings). createApp sets it; before that, LOG_LEVEL if set (tests:
 * silent), else warnings, on stderr.
 */
export function processLog(): Logger {
  return (processLogger ??= createLogger(logLevelOf()));
}

export function setProcessLog(log: Logger): void {
  processLogger = log;
}

/** A rejection handler that logs instead of swallowing: `.catch(logged(log, "…"))`. */
export function logged(log: Logger, msg: string, level: "warn" | "error" | "debug" = "warn"): (err: unknown) => void {
  return (err) => log[level]({ err }, msg);
}

/**
 * A promise whose failure is observed later (it is awaited, or its result collected, by the code
 * that started it): marked so that a rejection meanwhile is not reported as unhandled. Not for
 * promises nobody awaits — those get `logged`.
 */
export function awaitedLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined); // awaited by the caller, which sees the failure: nothing is lost here
  return p;
}
