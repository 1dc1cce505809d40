// How values read on the pages: sizes in KB/MB, file types by name, waiting times, extraction
// problems in Chinese (a library's message — libvips, pdf.js, a RegExp — never reaches a page),
// and search hits marked in escaped text.

/** 1536 → 「1.5 KB」. */
export function fileSize(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const TYPES: Array<[RegExp, string]> = [
  [/^application\/pdf$/, "PDF 文档"],
  [/wordprocessingml|^application\/msword$|^application\/vnd\.ms-word/, "Word 文档"],
  [/^application\/(vnd\.)?wps|kingsoft|^application\/x-wps/, "WPS 文档"],
  [/^application\/ofd$|ofd/, "OFD 文档"],
  [/spreadsheetml|ms-excel|^application\/vnd\.ms-et|x-et$/, "电子表格"],
  [/presentationml|ms-powerpoint/, "演示文稿"],
  [/^application\/(zip|x-zip-compressed|x-rar|x-7z)/, "压缩包"],
  [/^image\/tiff$/, "TIFF 图像（传真）"],
  [/^image\//, "图片"],
  [/^text\/html$/, "网页正文"],
  [/^text\//, "文本"],
  [/^message\/rfc822$/, "转发的邮件"],
];

/** A MIME type as users name the file: 「PDF 文档」, 「Word 文档」. */
export function fileKind(contentType: string | null | undefined): string {
  const t = (contentType ?? "").toLowerCase().split(";")[0]!.trim();
  return TYPES.find(([re]) => re.test(t))?.[1] ?? "其他文件";
}

const CJK = /[\u3400-\u9fff]/;

const EXTRACT_PROBLEMS: Array<[RegExp, string]> = [
  [/vips|jpeg|png|tiff|gif|webp|heif|image|sharp|bad seek|premature end/i, "图像无法解码（文件损坏或格式不受支持）"],
  [/password|encrypt/i, "文件有密码保护，无法读取"],
  [/pdf|xref|trailer|FormatError|InvalidPDF/i, "PDF 无法解析（文件损坏或格式不规范）"],
  [/zip|central directory|inflate|docx|xlsx|ofd/i, "文档压缩包无法解开（文件损坏或格式不受支持）"],
  [/regular expression|RegExp/i, "规则表达式有误"],
  [/timeout|timed out|time limit/i, "处理超时"],
  [/too large|exceed|limit/i, "超过大小或数量限制"],
  [/charset|encoding|decode/i, "字符编码无法识别"],
];

/**
 * An extraction problem as the page shows it: the gateway's own messages are Chinese already;
 * a library's is replaced by what it means. Lines repeated by a library (one per page of a
 * multi-page scan) are shown once.
 */
export function readableProblem(raw: string | null | undefined): string {
  if (!raw) return "";
  // libvips writes one line per warning, so a library's message after the gateway's Chinese may
  // run over several lines before the closing 「）」: drop it whole before reading line by line.
  const text = raw.replace(/[:：][ \t]*([\x20-\x7e]*(?:\r?\n[\x20-\x7e]+)+)/g, (m, run: string) => (/@|\.[a-z0-9]{2,4}\b/i.test(run) || !/[A-Za-z]{3,}/.test(run) ? m : ""));
  const lines = [...new Set(text.split(/\r?\n|；/).map((l) => l.trim()).filter(Boolean))];
  const out = new Set<string>();
  for (const line of lines) {
    if (CJK.test(line)) {
      // Chinese with a library message after a colon (「OCR 失败：VipsJpeg: …」, 「（图像无法解码：
      // Input buffer has corrupt header …）」): keep the Chinese. A run of English words is a
      // library's sentence; an address or a file name after a colon is not one and stays.
      const kept = line
        .replace(/[:：]\s*([\x20-\x7e]+)/g, (m, run: string) => (/[A-Za-z]{2,}[\s:,]+[A-Za-z]{2,}|[A-Za-z]+(Error|Exception)\b/.test(run) ? "" : m))
        .replace(/[:：]\s*[\x20-\x7e]*[A-Za-z]{3,}[\x20-\x7e]*$/, (m) => (/@|\.[a-z0-9]{2,4}$/i.test(m) ? m : ""))
        .trim();
      out.add(kept || line);
      continue;
    }
    out.add(EXTRACT_PROBLEMS.find(([re]) => re.test(line))?.[1] ?? "内容提取失败（技术细节已记入日志）");
  }
  return [...out].join("；");
}

/** Minutes since → 「3 天 4 小时」, 「25 分钟」. */
export function waited(since: Date | string | null | undefined, now = Date.now()): string {
  if (!since) return "";
  const minutes = Math.max(0, Math.floor((now - new Date(since).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} 小时`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} 天 ${hours % 24} 小时` : `${days} 天`;
}

/** Hours waited, for the CSS class that marks an item waiting long. */
export const waitedHours = (since: Date | string | null | undefined, now = Date.now()): number => (since ? (now - new Date(since).getTime()) / 3_600_000 : 0);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The search words of a query: split on white space, at most five, longest first (so a longer hit wins). */
export function searchTerms(q: string | null | undefined): string[] {
  return [...new Set((q ?? "").trim().split(/\s+/).filter(Boolean))].slice(0, 5).sort((a, b) => b.length - a.length);
}

/**
 * `text` escaped, with every occurrence of the search words in <mark>. The matching is done on
 * the raw text and each piece escaped on its own, so no hit can split an entity.
 */
export function highlight(text: string | null | undefined, q: string | null | undefined): string {
  const s = text ?? "";
  const terms = searchTerms(q);
  if (!terms.length) return escapeHtml(s);
  const lower = s.toLowerCase();
  let out = "";
  let i = 0;
  while (i < s.length) {
    let hit: string | null = null;
    for (const t of terms) if (lower.startsWith(t.toLowerCase(), i)) { hit = s.slice(i, i + t.length); break; }
    if (hit) {
      out += `<mark>${escapeHtml(hit)}</mark>`;
      i += hit.length;
    } else {
      out += escapeHtml(s[i]!);
      i++;
    }
  }
  return out;
}

/** A stretch of `text` around its first search hit (for the queue), or its start. */
export function snippet(text: string | null | undefined, q: string | null | undefined, width = 60): string {
  const s = (text ?? "").replace(/\s+/g, " ").trim();
  const terms = searchTerms(q);
  const lower = s.toLowerCase();
  const at = terms.map((t) => lower.indexOf(t.toLowerCase())).filter((n) => n >= 0).sort((a, b) => a - b)[0];
  if (at == null) return "";
  const start = Math.max(0, at - Math.floor(width / 3));
  return `${start > 0 ? "…" : ""}${s.slice(start, start + width)}${start + width < s.length ? "…" : ""}`;
}
