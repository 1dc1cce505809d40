// XML of office packages (DOCX, XLSX, OFD): read without a DTD (none of these formats has one;
// a DOCTYPE is refused so that no entity expansion can blow up), text by element name.
import { XMLParser } from "fast-xml-parser";

export class XmlRefused extends Error {}

export function assertNoDoctype(xml: string, where: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml.slice(0, 4096)) || /<!ENTITY/i.test(xml)) throw new XmlRefused(`${where} 含 DTD 声明，拒绝处理`);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : "";
    }
    return ENTITIES[e.toLowerCase()] ?? "";
  });
}

/**
 * The text of an OOXML part: the content of every <w:t>/<a:t>/<t> element, a line break at the
 * end of each `paragraph` element (w:p, a:p, si …) and at <w:br/>/<w:tab/> a break or a space.
 */
export function xmlText(xml: string, paragraph: string): string {
  assertNoDoctype(xml, "XML");
  const p = paragraph.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`<(?:\\w+:)?t(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?t>|</${p}>|<(?:\\w+:)?(br|cr|tab)\\b[^>]*/>`, "g");
  let out = "";
  for (const m of xml.matchAll(re)) {
    if (m[1] != null) out += unescapeXml(m[1]);
    else if (m[2] === "tab") out += " ";
    else out += "\n";
  }
  return out.replace(/\n{3,}/g, "\n\n").trim();
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  // Every element as an array: the formats repeat what they like (pages, layers, objects).
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
});

export type XmlNode = Record<string, unknown>;

export function parseXml(xml: string, where: string): XmlNode {
  assertNoDoctype(xml, where);
  return parser.parse(xml) as XmlNode;
}

/** Child elements of a node by local name (always an array). */
export function children(node: unknown, name: string): XmlNode[] {
  if (!node || typeof node !== "object") return [];
  const v = (node as XmlNode)[name];
  return Array.isArray(v) ? (v as XmlNode[]) : [];
}

export function attr(node: XmlNode, name: string): string | null {
  const v = node[`@${name}`];
  return typeof v === "string" ? v : null;
}

/** The text content of an element (its #text, or the string itself). */
export function textOf(node: unknown): string {
  if (typeof node === "string") return node;
  if (node && typeof node === "object") {
    const t = (node as XmlNode)["#text"];
    if (typeof t === "string") return t;
    if (Array.isArray(t)) return t.join("");
  }
  return "";
}
