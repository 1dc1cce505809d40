// What a published item is, for the website: the record of PublishedItem as approved (信息来源,
// 发布机构, 发布日期, 文号 / 成文日期, the body as text and HTML, the chosen photos), with its stable
// URL. The item page, the feed and the webhook all show this one shape.
import type { Config } from "../config/index.js";

/** The calendar day in China (UTC+8, no daylight saving) of an instant. */
const chinaYmd = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

export interface PublishedPhoto {
  sha256: string;
  caption: string;
  width: number;
  height: number;
}

export interface PublishedRecord {
  id: number;
  draftId: number;
  version: number;
  supersedesId: number | null;
  title: string;
  body: string;
  bodyHtml: string | null;
  sourceName: string | null;
  publisherName: string | null;
  docNumber: string | null;
  documentDate: Date | null;
  publishedAt: Date;
  publishedBy: string;
  photos: string;
  column: { name: string };
  division: { fullName: string };
}

export function itemUrl(config: Pick<Config, "publicBaseUrl">, draftId: number): string {
  return `${config.publicBaseUrl}/items/${draftId}`;
}

export function photoUrl(config: Pick<Config, "publicBaseUrl">, sha256: string): string {
  return `${config.publicBaseUrl}/items/photos/${sha256}.jpg`;
}

/** The item as the website receives it (webhook body, feed.json). */
export function itemJson(config: Pick<Config, "publicBaseUrl">, i: PublishedRecord) {
  const photos = JSON.parse(i.photos) as PublishedPhoto[];
  return {
    id: i.id,
    draftId: i.draftId,
    version: i.version,
    supersedesId: i.supersedesId,
    url: itemUrl(config, i.draftId),
    title: i.title,
    column: i.column.name,
    /** 信息来源: the sending unit. */
    source: i.sourceName,
    division: i.division.fullName,
    /** 发布机构: the division that released it (谁发布、谁负责). */
    publisher: i.publisherName ?? i.division.fullName,
    /** 发布日期, China Standard Time. */
    publishDate: chinaYmd(i.publishedAt),
    publishedAt: i.publishedAt.toISOString(),
    publishedBy: i.publishedBy,
    /** 文号 and 成文日期, when the document has them. */
    docNumber: i.docNumber,
    documentDate: i.documentDate ? i.documentDate.toISOString().slice(0, 10) : null,
    body: i.body,
    bodyHtml: i.bodyHtml,
    photos: photos.map((p) => ({ url: photoUrl(config, p.sha256), caption: p.caption, width: p.width, height: p.height, sha256: p.sha256 })),
  };
}

export type ItemJson = ReturnType<typeof itemJson>;
