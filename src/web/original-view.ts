// The original message shown beside the draft. It is read through the gateway's own MIME
// reading (extract/mime.ts, with its charset repairs), so a GBK body labelled utf-8 reads here
// as it did at intake, and its HTML is sanitised to a small set of formatting tags.
import sanitizeHtml from "sanitize-html";
import type { Limits } from "../config/index.js";
import { readOriginal } from "../extract/mime.js";
import { formatDateTime } from "../domain/time.js";
import { redactTokens } from "../domain/token-shape.js";

export interface OriginalView {
  headers: Array<[string, string]>;
  text: string;
  html: string | null;
}

export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "div", "span", "b", "strong", "i", "em", "u", "ul", "ol", "li", "table", "thead", "tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "blockquote", "pre", "hr", "font"],
    allowedAttributes: { td: ["colspan", "rowspan"], th: ["colspan", "rowspan"] },
    disallowedTagsMode: "discard",
  });
}

export async function originalView(raw: Buffer, limits: Limits): Promise<OriginalView> {
  const m = await readOriginal(raw, limits);
  // A forwarded request in a submission carries an approval token: never shown (token-shape.ts).
  const headers: Array<[string, string]> = [
    ["发件人", m.from],
    ["收件人", m.to],
    ["主题", m.subject],
    ["日期", m.date ? formatDateTime(m.date) : m.dateHeader],
    ["邮件标识", m.messageId],
  ];
  return {
    headers: headers.map(([k, v]) => [k, v == null ? v : redactTokens(v)]),
    text: redactTokens(m.text),
    html: m.html != null ? redactTokens(sanitizeMailHtml(m.html)) : null,
  };
}

/**
 * Parsed once per raw message and kept for the next page views: a fax mail of several megabytes
 * takes a while to parse. Keyed by the message's sha256 (content-addressed), so an entry is never
 * stale; the oldest of 200 goes first.
 */
export class OriginalViews {
  private readonly cache = new Map<string, OriginalView>();

  constructor(
    private readonly blob: (sha256: string) => Buffer,
    private readonly limits: Limits,
    private readonly size = 200,
  ) {}

  async get(sha256: string): Promise<OriginalView> {
    const hit = this.cache.get(sha256);
    if (hit) return hit;
    const view = await originalView(this.blob(sha256), this.limits);
    if (this.cache.size >= this.size) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(sha256, view);
    return view;
  }
}
