// Photos of the event — the heart of most 工作动态. Every image a submission brought (attached,
// inline in its HTML, inside a DOCX or a ZIP) is listed on the draft with a thumbnail; the info
// administrator picks which go out, in what order, with what caption. What is published is a
// copy made by sharp: turned upright by its EXIF orientation, then every metadata block dropped
// (EXIF, GPS location, camera serials, XMP), at most 1920 px on its longer side, as JPEG. The
// original stays in the back office as received. Decompression bombs are refused by the pixel
// limit before decoding.
import sharp from "sharp";
import { audit } from "../audit/audit.js";
import type { Limits } from "../config/index.js";
import type { Db } from "../db/client.js";
import { errorMessage, GatewayError } from "../domain/errors.js";
import { canSee, mayAct } from "../domain/permissions.js";
import type { Actor } from "../domain/roles.js";
import type { BlobStore } from "../util/blobs.js";

export const PUBLISHED_MAX_PX = 1920;
const THUMB_PX = 320;
const PHOTO_TYPES = /^image\/(jpeg|png|gif|webp|bmp)$/;

export interface CleanPhoto {
  jpeg: Buffer;
  thumb: Buffer;
  width: number;
  height: number;
}

/** The published copy of a photo: upright, no metadata, bounded size. Throws a Chinese error on a refused image. */
export async function cleanPhoto(content: Buffer, limits: Pick<Limits, "pixels" | "attachmentBytes">): Promise<CleanPhoto> {
  if (content.length > limits.attachmentBytes) throw new GatewayError("VALIDATION", `图片 ${content.length} 字节，超过限制 ${limits.attachmentBytes} 字节`);
  try {
    // limitInputPixels: a small file that declares 30000×30000 pixels is refused before it is decoded.
    const base = () => sharp(content, { limitInputPixels: limits.pixels, failOn: "error" }).rotate();
    const { data, info } = await base()
      .resize({ width: PUBLISHED_MAX_PX, height: PUBLISHED_MAX_PX, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    const thumb = await sharp(data).resize({ width: THUMB_PX, height: THUMB_PX, fit: "inside" }).jpeg({ quality: 75 }).toBuffer();
    return { jpeg: data, thumb, width: info.width, height: info.height };
  } catch (err) {
    const msg = errorMessage(err);
    throw new GatewayError("VALIDATION", /pixel limit/i.test(msg) ? `图片像素超过限制 ${limits.pixels}（疑似解压炸弹），不予处理` : `图片无法解码：${msg}`);
  }
}

export interface DraftPhotoView {
  id: number;
  attachmentId: number;
  filename: string | null;
  chosen: boolean;
  sortOrder: number;
  caption: string;
  width: number | null;
  height: number | null;
  error: string | null;
}

/**
 * The photos of a draft, made on first view: a row per image attachment with its cleaned copy
 * and thumbnail. An image that cannot be cleaned is listed with the reason and cannot be chosen.
 */
export async function draftPhotos(db: Db, blobs: BlobStore, limits: Limits, draftId: number): Promise<DraftPhotoView[]> {
  const attachments = await db.attachment.findMany({ where: { intake: { draftId }, OR: [{ contentType: { in: ["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"] } }] }, orderBy: [{ intakeId: "asc" }, { partIndex: "asc" }] });
  const rows = await db.draftPhoto.findMany({ where: { draftId } });
  const errors = new Map<number, string>();
  for (const a of attachments.filter((x) => PHOTO_TYPES.test(x.contentType))) {
    if (rows.some((r) => r.attachmentId === a.id)) continue;
    try {
      const c = await cleanPhoto(blobs.get(a.sha256), limits);
      rows.push(await db.draftPhoto.upsert({
        where: { draftId_attachmentId: { draftId, attachmentId: a.id } },
        create: { draftId, attachmentId: a.id, sortOrder: rows.length + 1, cleanSha256: blobs.put(c.jpeg), thumbSha256: blobs.put(c.thumb), width: c.width, height: c.height },
        update: {},
      }));
    } catch (err) {
      errors.set(a.id, errorMessage(err));
    }
  }
  const names = new Map(attachments.map((a) => [a.id, a.filename]));
  const views: DraftPhotoView[] = rows.map((r) => ({ id: r.id, attachmentId: r.attachmentId, filename: names.get(r.attachmentId) ?? null, chosen: r.chosen, sortOrder: r.sortOrder, caption: r.caption, width: r.width, height: r.height, error: null }));
  for (const [attachmentId, error] of errors) views.push({ id: 0, attachmentId, filename: names.get(attachmentId) ?? null, chosen: false, sortOrder: 999, caption: "", width: null, height: null, error });
  return views.sort((a, b) => a.sortOrder - b.sortOrder || a.attachmentId - b.attachmentId);
}

/** The officer's choice: which photos, in what order, with what captions (triage only, as any edit: captions are published text). */
export async function choosePhotos(db: Db, actor: Actor, draftId: number, version: number, choices: Array<{ photoId: number; chosen: boolean; sortOrder: number; caption: string }>, ip?: string) {
  return db.$transaction(async (tx) => {
    const d = await tx.draft.findUnique({ where: { id: draftId } });
    if (!d || !canSee(actor, d)) throw new GatewayError(d ? "FORBIDDEN" : "NOT_FOUND");
    if (d.version !== version) throw new GatewayError("STALE_VERSION");
    if (!mayAct(actor, "edit", d)) throw new GatewayError("INVALID_TRANSITION", "只有待分拣的稿件可以选择照片；已送审的稿件请退回修改");
    const rows = await tx.draftPhoto.findMany({ where: { draftId } });
    for (const c of choices) {
      const row = rows.find((r) => r.id === c.photoId);
      if (!row) throw new GatewayError("VALIDATION", "照片不属于此稿件");
      const caption = c.caption.trim().slice(0, 200);
      await tx.draftPhoto.update({ where: { id: row.id }, data: { chosen: c.chosen, sortOrder: c.sortOrder, caption } });
    }
    const updated = await tx.draft.update({ where: { id: draftId }, data: { version: { increment: 1 } } });
    await audit(tx, { actor: `user:${actor.username}`, action: "draft.photos", entityType: "draft", entityId: draftId, ip, detail: { chosen: choices.filter((c) => c.chosen).map((c) => ({ photo: c.photoId, order: c.sortOrder, caption: c.caption.trim().slice(0, 200) })) } });
    return updated;
  });
}
