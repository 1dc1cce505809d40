// Reads of what was published, for the website: the item page (latest version of a draft, or a
// given version), the feed, and whether a photo may be served (only the cleaned copy of a photo
// in an item that is not withdrawn).
import type { Db } from "../db/client.js";

const withRelations = { column: true, division: true } as const;

export function publishedVersion(db: Db, draftId: number, version?: number) {
  return db.publishedItem.findFirst({ where: { draftId, withdrawnAt: null, ...(version ? { version } : {}) }, orderBy: { version: "desc" }, include: withRelations });
}

export function publishedVersions(db: Db, draftId: number) {
  return db.publishedItem.findMany({ where: { draftId }, orderBy: { version: "desc" }, select: { version: true, publishedAt: true, withdrawnAt: true } });
}

export function latestPublished(db: Db, take = 50) {
  return db.publishedItem.findMany({ where: { withdrawnAt: null }, orderBy: { publishedAt: "desc" }, take, include: withRelations });
}

export async function isPublishedPhoto(db: Db, sha256: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return false;
  return (await db.publishedItem.count({ where: { withdrawnAt: null, photos: { contains: `"${sha256}"` } } })) > 0;
}
