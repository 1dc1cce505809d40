// Prisma 6.19 with the JavaScript/WebAssembly engine: no engine binaries are downloaded, so
// `prisma generate` and `prisma migrate deploy` work from an npm mirror alone (toolchain.md).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

const dataDir = process.env.DATA_DIR ?? "./data";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    return new PrismaBetterSQLite3({ url: `file:${path.resolve(dataDir, "gateway.db")}` });
  },
});
