// Members of a container (ZIP entries, DOCX media and embeddings, OFD image pages) become parts
// of the message, named by their path through the containers ("材料.zip/附件1.docx"), so that the
// officer sees them, Art. 10 screening reads their names and text, and photos among them can be
// published. Within limits: nesting depth and a number of members per message.
import { createHash } from "node:crypto";
import type { Limits } from "../config/index.js";
import type { MimePart } from "./mime.js";
import type { MemberFile } from "./part.js";

const TYPES: Record<string, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  doc: "application/msword",
  wps: "application/msword",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  et: "application/vnd.ms-excel",
  ofd: "application/ofd",
  zip: "application/zip",
  txt: "text/plain",
  html: "text/html",
  htm: "text/html",
  eml: "message/rfc822",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  bmp: "image/bmp",
  webp: "image/webp",
  tif: "image/tiff",
  tiff: "image/tiff",
  emf: "image/emf",
  wmf: "image/wmf",
};

export function typeByName(name: string): string {
  return TYPES[name.toLowerCase().replace(/^.*\./, "")] ?? "application/octet-stream";
}

export interface Admitted {
  parts: MimePart[];
  /** Why the container counts as not fully screened (nesting or member limits), or null. */
  refused: string | null;
}

export function admitMembers(container: MimePart, members: MemberFile[], limits: Limits, alreadyAdmitted: number, firstIndex: number): Admitted {
  const depth = (container.depth ?? 0) + 1;
  const path = container.filename ?? `附件${container.index + 1}`;
  if (depth > limits.archive.depth) return { parts: [], refused: `「${path}」内还有 ${members.length} 个文件，嵌套超过 ${limits.archive.depth} 层，未能检查` };
  const room = Math.max(0, limits.archive.entries - alreadyAdmitted);
  const taken = members.slice(0, room);
  const parts = taken.map(
    (m, i): MimePart => ({
      index: firstIndex + i,
      filename: `${path}/${m.filename}`,
      contentType: m.contentType ?? typeByName(m.filename),
      size: m.content.length,
      sha256: createHash("sha256").update(m.content).digest("hex"),
      content: m.content,
      inline: false,
      contentId: null,
      charset: null,
      container: path,
      depth,
    }),
  );
  return { parts, refused: taken.length < members.length ? `「${path}」内文件过多，超过每封邮件 ${limits.archive.entries} 个的限制，其余 ${members.length - taken.length} 个未能检查` : null };
}
