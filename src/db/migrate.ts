// Applies prisma/migrations at start-up, in order, each in its own transaction, and records
// them in Prisma's own `_prisma_migrations` table with Prisma's checksum (sha256 of the file),
// so `prisma migrate deploy` and `prisma migrate status` agree with what ran here. Done with
// better-sqlite3 directly: starting Prisma's CLI at every boot would cost a second or more.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");

export function migrate(dbFile: string): string[] {
  fs.mkdirSync(path.dirname(dbFile), { recursive: true, mode: 0o700 });
  const db = new Database(dbFile, { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    const done = new Map<string, string>(
      db
        .prepare(`SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)
        .all()
        .map((r) => {
          const row = r as { migration_name: string; checksum: string };
          return [row.migration_name, row.checksum];
        }),
    );
    const applied: string[] = [];
    const names = fs.readdirSync(migrationsDir).filter((n) => fs.existsSync(path.join(migrationsDir, n, "migration.sql"))).sort();
    for (const name of names) {
      const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"));
      const checksum = createHash("sha256").update(sql).digest("hex");
      const seen = done.get(name);
      if (seen !== undefined) {
        if (seen !== checksum) throw new Error(`migration ${name} was changed after it was applied (checksum differs)`);
        continue;
      }
      // BEGIN IMMEDIATE: two processes starting together must not both apply a migration.
      db.exec("BEGIN IMMEDIATE");
      try {
        const again = db.prepare(`SELECT 1 FROM _prisma_migrations WHERE migration_name = ? AND finished_at IS NOT NULL`).get(name);
        if (!again) {
          db.exec(sql.toString("utf8"));
          db.prepare(
            `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`,
          ).run(randomUUID(), checksum, name);
          applied.push(name);
        }
        db.exec("COMMIT");
      } catch (err) {
        db.exec("ROLLBACK");
        throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return applied;
  } finally {
    db.close();
  }
}
