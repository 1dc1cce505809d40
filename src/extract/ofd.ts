// OFD (GB/T 33190-2016), the national format of official electronic documents: a ZIP (opened by
// the bounded unzip) whose OFD.xml names each document's Document.xml, which lists the pages;
// each page's Content.xml holds layers of TextObjects (TextCode runs at X/Y inside the object's
// Boundary) and ImageObjects (a MultiMedia resource: the scan of a page). The text is taken in
// reading order — lines top to bottom, runs left to right; a page with images and no text is an
// image page, handed back as a member to be OCR'd. Pure: bytes + limits in.
import path from "node:path/posix";
import type { Limits } from "../config/index.js";
import { extraction, type MemberFile, type PageText, type PartExtraction } from "./part.js";
import { tidyText } from "./text.js";
import { ArchiveRefused, unzipBounded, type ArchiveEntry } from "./unzip.js";
import { attr, children, parseXml, textOf, XmlRefused, type XmlNode } from "./xml.js";

interface Run {
  x: number;
  y: number;
  size: number;
  text: string;
}

const nums = (s: string | null) => (s ?? "").trim().split(/\s+/).map(Number).filter((n) => Number.isFinite(n));

/** Resolves an OFD location (absolute from the package root, or relative to `base`'s folder). */
const resolve = (base: string, loc: string) => (loc.startsWith("/") ? loc.slice(1) : path.normalize(path.join(path.dirname(base), loc))).replace(/^\.\//, "");

/** Runs of one page in reading order, joined: lines by baseline (within half a character), runs left to right. */
function readingOrder(runs: Run[]): string {
  const sorted = [...runs].sort((a, b) => a.y - b.y || a.x - b.x);
  const lines: Run[][] = [];
  for (const r of sorted) {
    const line = lines[lines.length - 1];
    if (line && Math.abs(line[0]!.y - r.y) <= Math.max(1, Math.min(line[0]!.size, r.size) * 0.5)) line.push(r);
    else lines.push([r]);
  }
  return lines.map((l) => l.sort((a, b) => a.x - b.x).map((r) => r.text).join("")).join("\n");
}

function pageObjects(content: XmlNode): { runs: Run[]; images: string[] } {
  const runs: Run[] = [];
  const images: string[] = [];
  // Objects sit in layers and may be nested in PageBlocks; walk everything.
  const walk = (node: XmlNode, dx: number, dy: number) => {
    for (const t of children(node, "TextObject")) {
      const [bx = 0, by = 0] = nums(attr(t, "Boundary"));
      const size = Number(attr(t, "Size")) || 3.5;
      let lastX = 0;
      let lastY = 0;
      for (const code of children(t, "TextCode")) {
        const x = Number(attr(code, "X") ?? lastX);
        const y = Number(attr(code, "Y") ?? lastY);
        [lastX, lastY] = [x, y];
        const text = textOf(code);
        if (text) runs.push({ x: dx + bx + x, y: dy + by + y, size, text });
      }
    }
    for (const img of children(node, "ImageObject")) {
      const id = attr(img, "ResourceID");
      if (id) images.push(id);
    }
    for (const key of ["Content", "Layer", "PageBlock", "CompositeObject"]) for (const c of children(node, key)) walk(c, dx, dy);
  };
  walk(content, 0, 0);
  return { runs, images };
}

export async function ofdText(content: Buffer, limits: Limits, filename: string): Promise<PartExtraction> {
  let entries: ArchiveEntry[];
  try {
    ({ entries } = await unzipBounded(content, limits.archive));
  } catch (err) {
    if (err instanceof ArchiveRefused) return extraction({ method: "ofd", status: "failed", error: `OFD 文件${err.message.replace(/^压缩包/, "")}` });
    throw err;
  }
  const files = new Map(entries.map((e) => [e.name.replace(/^\.?\//, ""), e.content]));
  const xml = (name: string) => {
    const buf = files.get(name);
    if (!buf) throw new XmlRefused(`OFD 文件缺少 ${name}`);
    return parseXml(buf.toString("utf8"), name);
  };
  try {
    const root = children(xml("OFD.xml"), "OFD")[0];
    const bodies = children(root, "DocBody");
    if (!bodies.length) return extraction({ method: "ofd", status: "failed", error: "不是有效的 OFD 文件（OFD.xml 中没有 DocBody）" });
    const pages: PageText[] = [];
    const members: MemberFile[] = [];
    let pageNo = 0;
    for (const body of bodies) {
      const docRoot = textOf(children(body, "DocRoot")[0]).trim();
      if (!docRoot) continue;
      const docPath = resolve("OFD.xml", docRoot);
      const doc = children(xml(docPath), "Document")[0];
      const media = mediaFiles(doc, docPath, xml);
      for (const page of children(children(doc, "Pages")[0], "Page")) {
        pageNo++;
        const loc = attr(page, "BaseLoc");
        if (!loc) continue;
        const pageXml = children(xml(resolve(docPath, loc)), "Page")[0] ?? {};
        const { runs, images } = pageObjects(pageXml);
        const text = tidyText(readingOrder(runs));
        if (text.trim() || !images.length) pages.push({ pageNo, method: "text-layer", text, confidence: null });
        if (!text.trim()) {
          // An image page (a scan inside the OFD): its largest image is OCR'd as a member.
          const files2 = images.map((id) => media.get(id)).filter((f): f is string => !!f && files.has(f));
          const best = files2.sort((a, b) => files.get(b)!.length - files.get(a)!.length)[0];
          if (best) members.push({ filename: `第${pageNo}页${path.extname(best) || ".png"}`, content: files.get(best)! });
        }
      }
    }
    const text = pages.map((p) => p.text).filter((t) => t.trim()).join("\n\n");
    return extraction({ method: "ofd", text, pages, pageCount: pageNo, members, status: text.trim() ? "ok" : members.length ? "ok" : "empty" });
  } catch (err) {
    if (err instanceof XmlRefused) return extraction({ method: "ofd", status: "failed", error: err.message });
    return extraction({ method: "ofd", status: "failed", error: `OFD 文件无法解析：${(err as Error).message}（${filename}）` });
  }
}

/** MultiMedia resources (ID → package path) of a document: PublicRes and DocumentRes files. */
function mediaFiles(doc: XmlNode | undefined, docPath: string, xml: (name: string) => XmlNode): Map<string, string> {
  const out = new Map<string, string>();
  const common = children(doc, "CommonData")[0];
  for (const key of ["PublicRes", "DocumentRes"]) {
    for (const r of children(common, key)) {
      const resPath = resolve(docPath, textOf(r).trim());
      let res: XmlNode | undefined;
      try {
        res = children(xml(resPath), "Res")[0];
      } catch {
        continue; // a resource file that does not parse only loses images' locations; the text is read from the pages
      }
      const baseLoc = attr(res ?? {}, "BaseLoc") ?? "";
      for (const mm of children(children(res, "MultiMedias")[0], "MultiMedia")) {
        const id = attr(mm, "ID");
        const file = textOf(children(mm, "MediaFile")[0]).trim();
        if (id && file) out.set(id, resolve(resPath, path.join(baseLoc, file)));
      }
    }
  }
  return out;
}
