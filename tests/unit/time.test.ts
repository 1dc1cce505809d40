// China Standard Time (domain/time.ts): the screens, mails, date pickers and statistics periods
// all read days and years in UTC+8, also across the UTC day boundary.
import { describe, expect, it } from "vitest";
import { chinaDay, chinaMonthStart, chinaYear, formatDateTime, formatDay, formatLongDateTime } from "../../src/domain/time.js";

describe("China Standard Time", () => {
  const lateUtc = new Date("2026-12-31T16:30:00Z"); // 2027-01-01 00:30 in Beijing

  it("formats as the screens and mails show it", () => {
    expect(formatDateTime(lateUtc)).toBe("2027/01/01 00:30");
    expect(formatDay(lateUtc)).toBe("2027年1月1日");
    expect(formatLongDateTime(lateUtc)).toBe("2027年1月1日 00:30");
  });

  it("reads a typed day and the year as UTC+8", () => {
    expect(chinaDay("2026-11-20").toISOString()).toBe("2026-11-19T16:00:00.000Z");
    expect(chinaDay("2026-11-20", "23:59:59").toISOString()).toBe("2026-11-20T15:59:59.000Z");
    expect(chinaYear(lateUtc)).toBe(2027);
    expect(chinaYear(new Date("2026-12-31T15:59:59Z"))).toBe(2026);
  });

  it("starts calendar months at Beijing midnight, overflowing into the next year", () => {
    expect(chinaMonthStart(2026, 0).toISOString()).toBe("2025-12-31T16:00:00.000Z");
    expect(chinaMonthStart(2026, 12).toISOString()).toBe("2026-12-31T16:00:00.000Z");
  });
});
