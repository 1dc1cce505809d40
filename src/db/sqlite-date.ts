// Dates as the Prisma SQLite adapter writes them (ISO 8601 with "+00:00"), so that rows written
// with plain better-sqlite3 statements read back through Prisma unchanged.
export const sqliteDate = (d: Date | null | undefined): string | null => (d ? d.toISOString().replace("Z", "+00:00") : null);
