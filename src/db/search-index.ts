// Catches the Draft full-text index up with drafts committed by any path other than the ingest
// writer (which indexes its batches itself). Idempotent; one indexed read when nothing is pending.
import type { Db } from "./client.js";

export async function catchUpSearchIndex(db: Db): Promise<number> {
  return db.$transaction(async (tx) => {
    const [{ last }] = (await tx.$queryRawUnsafe<Array<{ last: number | bigint }>>(`SELECT "lastDraftId" AS last FROM "DraftSearchWatermark" WHERE "id" = 1`)) as [{ last: number | bigint }];
    const [{ top }] = (await tx.$queryRawUnsafe<Array<{ top: number | bigint | null }>>(`SELECT max("id") AS top FROM "Draft"`)) as [{ top: number | bigint | null }];
    if (top == null || Number(top) <= Number(last)) return 0;
    const n = await tx.$executeRawUnsafe(`INSERT INTO "DraftSearch"(rowid, title, body) SELECT "id", "title", "body" FROM "Draft" WHERE "id" > ? AND "id" <= ? ORDER BY "id"`, Number(last), Number(top));
    await tx.$executeRawUnsafe(`UPDATE "DraftSearchWatermark" SET "lastDraftId" = ? WHERE "id" = 1`, Number(top));
    return n;
  });
}
