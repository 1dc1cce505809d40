// Highlights the words OCR was unsure of in a text, for a person to check against the page
// image: the text is escaped first (it came from a scan of a mail), then each occurrence of a
// low-confidence word is wrapped in <mark class="low-ocr">.
import nunjucks from "nunjucks";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const reEsc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function markLowWords(text: string | null | undefined, words: string[] | string | null | undefined): nunjucks.runtime.SafeString {
  const list = (typeof words === "string" ? (JSON.parse(words) as string[]) : (words ?? [])).filter((w) => w.length > 0).sort((a, b) => b.length - a.length).slice(0, 300);
  const t = text ?? "";
  if (!list.length) return new nunjucks.runtime.SafeString(esc(t));
  const re = new RegExp(list.map(reEsc).join("|"), "g");
  let out = "";
  let last = 0;
  for (const m of t.matchAll(re)) {
    out += esc(t.slice(last, m.index)) + `<mark class="low-ocr" title="OCR 置信度低，请对照原件核对">${esc(m[0])}</mark>`;
    last = m.index! + m[0].length;
  }
  return new nunjucks.runtime.SafeString(out + esc(t.slice(last)));
}
