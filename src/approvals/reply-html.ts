// An HTML-only reply as plain text, read the way the approver sees it: block elements become
// lines and nothing is wrapped (html-to-text's 80-column wrap once split "同意 但……" after 同意).
// The client's quote is found by its structure before any text is taken, and comes out marked
// with "> " — so the plain-text reading (reply-text.ts) then treats it as any quote:
//   <blockquote> (Gmail gmail_quote, Apple Mail/iOS type=cite, Thunderbird, Coremail
//   ReferenceQuote, NetEase isReplyContent, Foxmail), Gmail's gmail_attr and Thunderbird's
//   moz-cite-prefix attribution, and — cut to the end of the message — Outlook's divRplyFwdMsg,
//   Outlook desktop's header block (a border-top box starting with 发件人/From/Von/De …), and the
//   separator lines of QQ Mail, Foxmail, Coremail, Huawei and NetEase ("--- 原始邮件 ---").
import { parseDocument } from "htmlparser2";
import type { ChildNode, Element } from "domhandler";
import { textContent } from "domutils";

const SKIP = new Set(["head", "style", "script", "title", "meta", "link", "noscript", "template", "xml", "img", "object", "svg"]);
const BLOCK = new Set(["p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "tbody", "thead", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "hr", "center", "address", "form", "fieldset", "body", "html"]);
const SEPARATOR_TEXT = /^[-—_=*\s]{2,}\s*(原始邮件|原邮件|回复的原邮件|转发邮件|邮件原文|Original Message|Original|Forwarded message|Replied Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Mensagem original|元のメッセージ)\s*[-—_=*\s]{2,}$/i;
const FROM_START = /^\s*(发件人|寄件者|From|Von|De|Da|Van|差出人)\s*[:：]/i;

const cls = (el: Element) => ` ${el.attribs.class ?? ""} `.toLowerCase();

function quoteKind(el: Element): "quote" | "cut" | null {
  const name = el.name.toLowerCase();
  if (name === "blockquote") return "quote";
  const c = cls(el);
  if (c.includes(" gmail_attr ") || c.includes(" moz-cite-prefix ") || c.includes(" gmail_quote_attribution ")) return "quote";
  const id = (el.attribs.id ?? "").toLowerCase();
  if (id === "divrplyfwdmsg" || id === "isreplycontent" || c.includes(" cm_quote ")) return "cut";
  const style = (el.attribs.style ?? "").toLowerCase().replace(/\s+/g, "");
  if (/border-top:(solid|[^;]*solid)/.test(style) && FROM_START.test(textContent(el).replace(/\u00a0/g, " "))) return "cut";
  if (name !== "body" && name !== "html" && SEPARATOR_TEXT.test(textContent(el).replace(/\u00a0/g, " ").trim())) return "cut";
  return null;
}

/** The reply's HTML as lines of text, the client's quote marked with "> ". */
export function htmlReplyText(html: string): string {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true });
  const lines: Array<{ text: string; quoted: boolean }> = [];
  let current = "";
  let currentQuoted = false;
  let cut = false;
  const flush = () => {
    lines.push({ text: current, quoted: currentQuoted });
    current = "";
  };
  const append = (s: string, quoted: boolean) => {
    if (quoted !== currentQuoted && current.trim()) flush();
    currentQuoted = quoted;
    current += s;
  };
  const walk = (nodes: ChildNode[], quoted: boolean, pre: boolean) => {
    for (const node of nodes) {
      if (node.type === "text") {
        const q = quoted || cut;
        const raw = node.data.replace(/\u00a0/g, " ");
        if (pre) {
          const parts = raw.split(/\r?\n/);
          parts.forEach((p, i) => {
            if (i > 0) flush();
            append(p, q);
          });
        } else {
          append(raw.replace(/\s+/g, " "), q);
        }
        continue;
      }
      if (node.type !== "tag" && node.type !== "script" && node.type !== "style") continue;
      const el = node as Element;
      const name = el.name.toLowerCase();
      if (SKIP.has(name)) continue;
      if (name === "br") {
        if (!current.trim()) currentQuoted = quoted || cut;
        flush();
        continue;
      }
      const kind = quoteKind(el);
      if (kind === "cut") cut = true;
      const block = BLOCK.has(name) || kind !== null;
      if (block && current.trim()) flush();
      else if (block) current = "";
      const cell = name === "td" || name === "th";
      walk(el.children, quoted || kind === "quote", pre || name === "pre");
      if (cell) current += " ";
      if (block && current.trim()) flush();
      else if (block) current = "";
    }
  };
  walk(doc.children, false, false);
  if (current.trim()) flush();

  const out: string[] = [];
  for (const l of lines) {
    const text = l.text.replace(/^[ \t]+|[ \t]+$/g, "");
    out.push(l.quoted && text ? `> ${text}` : l.quoted ? ">" : text);
  }
  return out.join("\n");
}
