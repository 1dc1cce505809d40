// Reading route and form parameters: anything that is not what it should be reads as absent,
// and the service then answers with its own error (NOT_FOUND, VALIDATION, STALE_VERSION).
import { chinaDay } from "../domain/time.js";

/** A positive integer id, or undefined. */
export const int = (v: unknown): number | undefined => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/** The same, as null when absent (the services take null for "none chosen"). */
export const intOrNull = (v: unknown): number | null => int(v) ?? null;

/** A YYYY-MM-DD date of the date pickers, taken as a day in China Standard Time. */
export const dateParam = (v: unknown): Date | undefined => (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? chinaDay(v) : undefined);

