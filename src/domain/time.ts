// China Standard Time, the one zone the gateway's users live in (UTC+8 all year, no summer
// time), in one place: what the screens and mails show, the days of the date pickers and the
// deadline, the calendar periods of the statistics, and fax times written without a zone.
export const CHINA_TIME_ZONE = "Asia/Shanghai";
/** As ISO 8601 writes it: a fax server's local time, a day typed in a form. */
export const CHINA_OFFSET = "+08:00";
const OFFSET_MS = 8 * 3_600_000;

const dateTime = new Intl.DateTimeFormat("zh-CN", { timeZone: CHINA_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const day = new Intl.DateTimeFormat("zh-CN", { timeZone: CHINA_TIME_ZONE, year: "numeric", month: "long", day: "numeric" });
const clock = new Intl.DateTimeFormat("zh-CN", { timeZone: CHINA_TIME_ZONE, hour: "2-digit", minute: "2-digit", hour12: false });
const longDateTime = new Intl.DateTimeFormat("zh-CN", { timeZone: CHINA_TIME_ZONE, year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });

/** 2026/11/26 09:30 — tables and lists of the review screen. */
export const formatDateTime = (d: Date): string => dateTime.format(d);
/** 09:30 — until when a refusal lasts (sign-in throttling). */
export const formatClock = (d: Date): string => clock.format(d);
/** 2026年11月26日 — a document's date. */
export const formatDay = (d: Date): string => day.format(d);
/** 2026年11月26日 09:30 — in the text of a mail. */
export const formatLongDateTime = (d: Date): string => longDateTime.format(d);

/** The instant a time of day (default its start) of a YYYY-MM-DD day in China Standard Time is. */
export function chinaDay(ymd: string, time = "00:00:00"): Date {
  return new Date(`${ymd}T${time}${CHINA_OFFSET}`);
}

/** The start of a calendar month (0-based, may overflow into the next year) in China Standard Time. */
export function chinaMonthStart(year: number, month0: number): Date {
  return new Date(Date.UTC(year, month0, 1) - OFFSET_MS);
}

/** The calendar year in China Standard Time at an instant (on 31 December 20:00 UTC it is already the next). */
export function chinaYear(at: Date = new Date()): number {
  return new Date(at.getTime() + OFFSET_MS).getUTCFullYear();
}
