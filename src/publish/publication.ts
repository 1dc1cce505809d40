// The record of a publication, frozen when the item is published: 信息来源 (the sending unit),
// 发布机构 (the division that releases it: 谁发布、谁负责), 文号, the body as HTML and the chosen
// photos (their cleaned copies). The item page, the feed and the webhook show exactly this.
import type { Tx } from "../db/client.js";
import { bodyToHtml } from "./body-html.js";
import type { PublishedPhoto } from "./item.js";

interface DraftForPublication {
  id: number;
  unitId: number | null;
  divisionId: number | null;
  senderAddress: string | null;
  docNumber: string | null;
  body: string;
}

export async function publicationFields(tx: Tx, d: DraftForPublication) {
  const [unit, division, photos] = await Promise.all([
    d.unitId ? tx.sendingUnit.findUnique({ where: { id: d.unitId } }) : null,
    d.divisionId ? tx.division.findUnique({ where: { id: d.divisionId } }) : null,
    tx.draftPhoto.findMany({ where: { draftId: d.id, chosen: true, cleanSha256: { not: null } }, orderBy: [{ sortOrder: "asc" }, { id: "asc" }] }),
  ]);
  const published: PublishedPhoto[] = photos.map((p) => ({ sha256: p.cleanSha256!, caption: p.caption, width: p.width ?? 0, height: p.height ?? 0 }));
  return {
    sourceName: unit?.name ?? null,
    publisherName: division ? `河北省机构编制委员会办公室${division.fullName}` : null,
    docNumber: d.docNumber,
    bodyHtml: bodyToHtml(d.body),
    photos: JSON.stringify(published),
  };
}
