// Prisma client over better-sqlite3 (WebAssembly query engine, no binaries). No business rules.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.js";
import { migrate } from "./migrate.js";

export type Db = PrismaClient;
/** The client handed to a callback of `db.$transaction(async (tx) => …)`. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export async function openDb(dbFile: string): Promise<Db> {
  migrate(dbFile);
  const adapter = new PrismaBetterSQLite3({ url: `file:${dbFile}`, timeout: 15_000 });
  const db = new PrismaClient({ adapter, transactionOptions: { timeout: 60_000, maxWait: 30_000 } });
  // WAL is set on the file by migrate(); these are per connection. FULL: a commit is on disk
  // before anything outside the database acts on it — an IMAP MOVE of a decided reply, an
  // approval shown as done. NORMAL would survive a crash of the process but not a power cut,
  // which could roll back a commit whose mail was already moved on the server (measured cost of
  // FULL on the ingest bench: 1–2 %).
  await db.$queryRawUnsafe("PRAGMA synchronous = FULL");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}
