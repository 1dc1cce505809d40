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
  // WAL is set on the file by migrate(); these are per connection. NORMAL is durable against a
  // crash of the process (the case the ledger is built for); the OS losing power may lose the
  // last commits, which the ledger then redoes because the mail has not been acknowledged.
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}
