// The published body as HTML: paragraphs and the tables of the body's text form (tables.ts),
// every character escaped (the text came from e-mail). Used by the item page and the webhook.
import { textBlocks } from "../extract/tables.js";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function bodyToHtml(body: string): string {
  return textBlocks(body)
    .map((b) => {
      if (b.kind === "paragraph") return `<p>${b.lines.map((l) => esc(l.trim())).join("<br>")}</p>`;
      const [head, ...rows] = b.rows;
      const cells = (r: string[], tag: string) => `<tr>${r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join("")}</tr>`;
      return `<table><thead>${cells(head ?? [], "th")}</thead><tbody>${rows.map((r) => cells(r, "td")).join("")}</tbody></table>`;
    })
    .join("\n");
}
