// The published items the website takes from the feed: the newest 50 not withdrawn.
import type { Db } from "../db/client.js";

export async function publishedFeed(db: Db) {
  const items = await db.publishedItem.findMany({
    where: { withdrawnAt: null },
    orderBy: { publishedAt: "desc" },
    take: 50,
    include: { column: true, division: true, unit: true },
  });
  return items.map((i) => ({
    id: i.id,
    draftId: i.draftId,
    version: i.version,
    title: i.title,
    body: i.body,
    column: i.column.name,
    division: i.division.fullName,
    unit: i.unit?.name ?? null,
    documentDate: i.documentDate?.toISOString().slice(0, 10) ?? null,
    publishedAt: i.publishedAt.toISOString(),
    publishedBy: i.publishedBy,
  }));
}
