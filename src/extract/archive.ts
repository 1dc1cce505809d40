// ZIP archives of documents (a county sends 材料.zip with its report, tables and photos): every
// file in it becomes a part of the message, extracted and screened like an attachment (a ZIP
// inside a ZIP too, down to limits.archive.depth). Opened by the bounded unzip; an archive that
// cannot be opened is a failed part ("未能检查"), never a silent pass. Pure: bytes + limits in.
import type { Limits } from "../config/index.js";
import { extraction, type PartExtraction } from "./part.js";
import { ArchiveRefused, unzipBounded } from "./unzip.js";

export async function zipMembers(content: Buffer, limits: Limits): Promise<PartExtraction> {
  try {
    const { entries } = await unzipBounded(content, limits.archive);
    const members = entries.filter((e) => !/(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$)/.test(e.name)).map((e) => ({ filename: e.name, content: e.content }));
    // The archive itself holds no text; its members carry it (their names are screened as file names).
    return extraction({ method: "zip", status: "ok", text: "", members });
  } catch (err) {
    if (err instanceof ArchiveRefused) return extraction({ method: "zip", status: "failed", error: err.message });
    throw err;
  }
}
