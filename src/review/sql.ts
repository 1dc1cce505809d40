// The read model's connection: plain SQL on its own read-only better-sqlite3 connection (WAL
// lets it read beside the writers), with cached prepared statements — the pages officers load
// all day spent 58 % of their time in Prisma's WebAssembly engine (bench:web). And the small
// algebra of WHERE clauses the screens' reads are built from.
import Database from "better-sqlite3";

export type Param = string | number | null;

export interface Clause {
  sql: string;
  params: Param[];
}

export const iso = (d: Date) => d.toISOString().replace("Z", "+00:00");
export const date = (s: string | null) => (s ? new Date(s) : null);
export const inList = (ids: number[]) => (ids.length ? `(${ids.map(() => "?").join(",")})` : "(NULL)");
export const and = (parts: Clause[]): Clause => ({ sql: parts.length ? parts.map((p) => `(${p.sql})`).join(" AND ") : "1=1", params: parts.flatMap((p) => p.params) });
export const or = (parts: Clause[]): Clause => ({ sql: parts.length ? parts.map((p) => `(${p.sql})`).join(" OR ") : "0", params: parts.flatMap((p) => p.params) });

export class SqlReader {
  private readonly sqlite: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(dbFile: string) {
    this.sqlite = new Database(dbFile, { readonly: true, timeout: 15_000 });
    this.sqlite.pragma("cache_size = -32768");
  }

  close(): void {
    this.sqlite.close();
  }

  all<T>(sql: string, params: Param[] = []): T[] {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql);
      if (this.statements.size > 500) this.statements.clear(); // IN lists vary in length
      this.statements.set(sql, s);
    }
    return s.all(...params) as T[];
  }

  get<T>(sql: string, params: Param[] = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }
}
