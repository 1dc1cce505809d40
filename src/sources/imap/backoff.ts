// How long to wait before reconnecting after a failed pass.
import type { Config } from "../../config/index.js";
import { isAuthFailure, throttleDelayMs } from "./errors.js";

export function backoffMs(cfg: Config["imap"], attempt: number, err: unknown): number {
  // A refused sign-in waits the longest back-off: retrying soon fails again and counts towards
  // the account's lockout (a token refreshed in its file is picked up at the next attempt).
  const base = isAuthFailure(err) ? cfg.backoffMaxMs : Math.min(cfg.backoffMaxMs, cfg.backoffMs * 2 ** attempt);
  const jittered = base * (0.8 + Math.random() * 0.4);
  // Exchange: "Request is throttled. Suggested Backoff Time: N milliseconds" — honoured, but a
  // hint of hours is capped: the mailbox must not go silent for the whole day.
  const hint = throttleDelayMs(err);
  return Math.round(hint != null ? Math.max(jittered, Math.min(hint, 15 * 60_000)) : jittered);
}

// Not unref'd: in the CLI nothing else keeps the process alive during a back-off.
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
