// MIME → subject, addresses, body text, parts. Charsets: mailparser decodes UTF-8, GBK,
// GB18030, GB2312 (read as GBK, so GBK-only characters in mail labelled gb2312 survive), RFC 2047
// and RFC 2231. On top of that this repairs the two mislabellings Chinese mail actually has: a
// GBK body labelled utf-8 (or not labelled), and raw 8-bit GBK in the Subject header.
import { createHash } from "node:crypto";
import { simpleParser, type ParsedMail, type AddressObject } from "mailparser";
import type { Limits } from "../config/index.js";
import { GatewayError } from "../domain/errors.js";
import { cjkCount, decodeFileName, decodeUnknown, htmlToText, repairLatin1Mojibake, replacementCount, tidyText } from "./text.js";
import { scanStructure } from "./structure.js";
import { identityOf, readHeaderBlock } from "./header-block.js";
import { bounceReason } from "./bounce.js";

export interface MimePart {
  index: number;
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
  inline: boolean;
  contentId: string | null;
  /** The charset the sender declared for a text part (Content-Type charset=), if any. */
  charset?: string | null;
  /** Set for a member of a container (ZIP, DOCX, OFD): the container's file name path. */
  container?: string | null;
  /** Containers around this part (0: a MIME part of the message). */
  depth?: number;
}

export interface ParsedMessage {
  messageId: string | null;
  subject: string;
  fromAddress: string | null;
  fromName: string | null;
  replyTo: string | null;
  date: Date | null;
  inReplyTo: string | null;
  references: string[];
  /** Where `text` comes from: a text/plain part, or the HTML converted without wrapping. */
  textSource: "plain" | "html" | "none";
  /** Auto-Submitted, out-of-office, delivery reports: never a submission nor a decision. */
  automatic: string | null;
  text: string;
  html: string | null;
  parts: MimePart[];
  flags: string[];
  /** Header lines as [lower-case name, raw value], in order: plain data, so it crosses threads. */
  headers: Array<[string, string]>;
  /** Why the sender cannot be known with certainty (header-block.ts); empty when it can. */
  senderProblems: string[];
}

/** What the decisions, the commit and the reply stage need of a message; the bytes of its parts travel once, apart. */
export type MessageSummary = Omit<ParsedMessage, "parts" | "html">;

export function normaliseAddress(addr: string | null | undefined): string | null {
  if (!addr) return null;
  const a = addr.trim().toLowerCase();
  return a.includes("@") ? a : null;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string | null; name: string | null } {
  const obj = Array.isArray(a) ? a[0] : a;
  const v = obj?.value?.[0];
  return { address: normaliseAddress(v?.address), name: v?.name?.trim() || null };
}

async function parse(raw: Buffer, limits: Limits): Promise<ParsedMail> {
  return simpleParser(raw, {
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
    // mailparser's own HTML-to-text wraps at 80 columns ("同意 但……" became "同意" + a new line)
    // and writes link targets ("[javascript:…]") and tracking-image URLs into the text: HTML-only
    // mail is converted below by the gateway's htmlToText, without wrapping, links or images.
    skipHtmlToText: true,
    maxHtmlLengthToParse: limits.htmlChars,
  });
}

/** Raw 8-bit header value (no encoded words) as bytes, for re-decoding as GB18030. */
function rawHeader(raw: Buffer, name: string): Buffer | null {
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, 65536) : end).toString("latin1");
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, "im").exec(head);
  if (!m || m[1]!.includes("=?")) return null;
  return Buffer.from(m[1]!.replace(/\r?\n[ \t]/g, " ").trim(), "latin1");
}

/**
 * The message with GB18030 as the charset of its text: labels utf-8/us-ascii/iso-8859-1 replaced,
 * and a charset added where a text part, or a message without Content-Type, has none (such a
 * body is read as UTF-8 by default, which GBK bytes are not).
 */
function labelGb18030(latin1: string): string {
  const relabelled = latin1.replace(/charset\s*=\s*"?(utf-?8|us-ascii|iso-8859-1)"?/gi, "charset=gb18030");
  const withCharset = relabelled.replace(/^(Content-Type:[ \t]*text\/(?:plain|html)\b)((?:[^\r\n]*)(?:\r?\n[ \t][^\r\n]*)*)/gim, (all, head: string, rest: string) =>
    /charset\s*=/i.test(rest) ? all : `${head}; charset=gb18030${rest.replace(/^\s*;?/, rest.trim() ? "; " : "")}`,
  );
  const headEnd = withCharset.search(/\r?\n\r?\n/);
  const head = headEnd < 0 ? withCharset : withCharset.slice(0, headEnd);
  if (/^Content-Type:/im.test(head)) return withCharset;
  return `Content-Type: text/plain; charset=gb18030\r\n${withCharset}`;
}

/** The strict reading of the sender must agree with mailparser's, or the sender is unknown. */
function senderProblems(raw: Buffer, parsedFrom: string | null): string[] {
  const id = identityOf(readHeaderBlock(raw), { onlyIdentityLines: true });
  if (id.problems.length) return id.problems;
  return id.from === parsedFrom ? [] : [`两种读法得到不同的发件人（${id.from ?? "无"} / ${parsedFrom ?? "无"}）`];
}

function automaticReason(p: ParsedMail, subject: string, text: string): string | null {
  const h = (n: string) => {
    const v = p.headers.get(n);
    return v == null ? "" : String(typeof v === "object" && "value" in v ? (v as { value: unknown }).value : v).toLowerCase();
  };
  // A bounce first: it is auto-submitted too, but 退信 says what it is.
  const from = firstAddress(p.from);
  const bounce = bounceReason({ fromAddress: from.address, fromName: from.name, subject, contentType: h("content-type"), header: h, text });
  if (bounce) return bounce;
  const auto = h("auto-submitted");
  if (auto && auto !== "no") return `Auto-Submitted: ${auto}`;
  if (h("x-autoreply") || h("x-autorespond")) return "X-Autoreply";
  const prec = h("precedence");
  if (["auto_reply", "bulk", "junk", "list"].includes(prec)) return `Precedence: ${prec}`;
  subject = subject.trim();
  if (/^(自动回复|自动答复|Auto(matic)? ?reply|Out of Office|休假|外出)[:：]/i.test(subject)) return `subject: ${subject.slice(0, 20)}`;
  return null;
}

/** The parser's own limits, named by their real cause (they are not broken MIME). */
function parserRefusal(err: Error): GatewayError {
  const m = err.message;
  if (/Max allowed child nodes exceeded/i.test(m)) return new GatewayError("TOO_MANY_PARTS", "邮件的 MIME 部件超过解析器上限（1000 个），未处理");
  if (/Max header size/i.test(m)) return new GatewayError("MALFORMED_MIME", "邮件头超过解析器上限（单个部件的邮件头过长），未处理");
  if (/Maximum call stack size exceeded/i.test(m)) return new GatewayError("MIME_TOO_DEEP", "邮件结构嵌套过深，超出解析器能力，未处理");
  return new GatewayError("MALFORMED_MIME", `邮件格式无法解析：${m}`);
}

/**
 * Bytes that are no mail at all (a file dropped into the mailbox, a truncated transfer, random
 * data) must not become a draft with a binary title: a message starts with a header field
 * (RFC 5322 2.2: a name of printable ASCII, a colon) — or an mbox "From " line before one —
 * and its header block holds text, not NUL or control bytes.
 */
export function notAMessage(raw: Buffer): string | null {
  const window = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString("latin1");
  const end = window.search(/\r?\n\r?\n/);
  const head = end < 0 ? window : window.slice(0, end);
  const lines = head.split(/\r?\n/);
  const first = lines[0]!.startsWith("From ") ? 1 : 0;
  if (!/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(lines[first] ?? "")) return "开头不是邮件头（应为「字段名: 值」），可能是误投入邮箱的文件或损坏的数据";
  // A stray vertical tab or form feed in a header line is a crafted ambiguity that the header
  // reading names as such (header-block.ts); NUL bytes and runs of control bytes are binary data.
  if (head.includes("\0")) return "邮件头中含 NUL 字节，不是邮件";
  // eslint-disable-next-line no-control-regex
  const controls = head.match(/[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/g)?.length ?? 0;
  if (controls > 8) return `邮件头中含 ${controls} 个二进制控制字符，不是邮件`;
  const fields = lines.slice(first).filter((l) => /^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(l) || /^[ \t]/.test(l)).length;
  if (fields * 2 < lines.length - first) return "邮件头大半不是「字段名: 值」形式，不是邮件";
  return null;
}

/**
 * Whether a text is binary data: at least 64 C0 control characters (other than tab, line feed,
 * form feed, carriage return) and more than 5 % of it. A stray control byte or two in a short
 * reply is a mail client's quirk, not binary data.
 */
function isBinaryText(text: string): boolean {
  const sample = text.slice(0, 64 * 1024);
  // eslint-disable-next-line no-control-regex
  const n = sample.match(/[\x00-\x08\x0b\x0e-\x1f\x7f]/g)?.length ?? 0;
  return n >= 64 && n > sample.length * 0.05;
}

/**
 * The parse every reader of a raw message goes through (the pipeline and the original shown on
 * the review screen), with the two charset repairs, so both see the same text.
 */
async function decode(raw: Buffer, limits: Limits): Promise<{ p: ParsedMail; text: string; html: string | null; subject: string; repaired: boolean }> {
  let p: ParsedMail;
  try {
    p = await parse(raw, limits);
  } catch (err) {
    throw parserRefusal(err as Error);
  }
  let repaired = false;
  let text = p.text ?? "";
  let html = typeof p.html === "string" ? p.html : null;
  // A body labelled utf-8 (or unlabelled) that is really GBK decodes to U+FFFD runs: re-read
  // the message with GB18030 in place of the label and keep that if it reads as Chinese.
  // A UTF-8 body with a stray byte or two is UTF-8 all the same: only a body that fails as a
  // whole (at least one U+FFFD per ten Chinese characters) is re-read.
  const broken = (t: string) => replacementCount(t) >= 2 && replacementCount(t) * 10 > cjkCount(t);
  if (broken(text) || (!text.trim() && html != null && broken(html))) {
    const patched = Buffer.from(labelGb18030(raw.toString("latin1")), "latin1");
    // The repair is an attempt: if the relabelled bytes do not parse, the first reading stands (flagged as it is).
    const q = await parse(patched, limits).catch(() => null);
    const before = text + (html ?? "");
    const after = (q?.text ?? "") + (typeof q?.html === "string" ? q.html : "");
    if (q && replacementCount(after) < replacementCount(before) && cjkCount(after) > cjkCount(before)) {
      text = q.text ?? "";
      html = typeof q.html === "string" ? q.html : html;
      repaired = true;
    }
  }
  let subject = p.subject ?? "";
  if (replacementCount(subject) > 0) {
    const bytes = rawHeader(raw, "subject");
    if (bytes) {
      subject = decodeUnknown(bytes).text;
      repaired = true;
    }
  }
  return { p, text, html, subject, repaired };
}

/** A stored message as the review screen shows it beside the draft: headers as written, body as decoded. */
export interface OriginalMail {
  from: string;
  to: string;
  subject: string;
  date: Date | null;
  /** The Date header as written, for a date the parser could not read. */
  dateHeader: string;
  messageId: string;
  text: string;
  html: string | null;
}

/**
 * Reads a message that was already accepted (its limits were checked at intake), so only the
 * HTML length limit applies here.
 */
export async function readOriginal(raw: Buffer, limits: Limits): Promise<OriginalMail> {
  const { p, text, html, subject } = await decode(raw, limits);
  const dateLine = p.headerLines.find((l) => l.key === "date")?.line.replace(/^[^:]*:\s*/, "") ?? "";
  return {
    from: p.from?.text ?? "",
    to: Array.isArray(p.to) ? p.to.map((t) => t.text).join(", ") : (p.to?.text ?? ""),
    subject,
    date: p.date && !Number.isNaN(p.date.getTime()) ? p.date : null,
    dateHeader: dateLine,
    messageId: p.messageId ?? "",
    text: !text.trim() && html ? htmlToText(html) : text,
    html,
  };
}

function contentTypeCharset(headers: Map<string, unknown>): string | null {
  const ct = headers.get("content-type") as { params?: Record<string, string> } | undefined;
  return ct?.params?.charset?.trim() || null;
}

/**
 * Raw 8-bit name= and filename= values of the message, decoded as file names (UTF-8 or GB18030):
 * for names mailparser could only decode to U+FFFD.
 */
function rawParameterNames(raw: Buffer): string[] {
  const text = raw.toString("latin1");
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:file)?name\s*=\s*"([^"\r\n]*[\x80-\xff][^"\r\n]*)"/gi)) out.push(decodeFileName(Buffer.from(m[1]!, "latin1")));
  return out;
}

/**
 * The attachment's file name as the sender meant it. Raw 8-bit GBK in a MIME parameter reaches
 * us as Latin-1 mojibake ("ÃØÃÜ¡ï1Äê") or as U+FFFD runs; both are repaired as the subject is,
 * so that Art. 10 screening and the officer read the real name.
 */
function partFilename(name: string | null, rawNames: string[]): string | null {
  if (!name) return name;
  if (name.includes("\ufffd")) {
    const skeleton = (s: string) => s.replace(/[^\x20-\x7e]/g, "");
    return rawNames.find((r) => skeleton(r) === skeleton(name) && !r.includes("\ufffd")) ?? name;
  }
  return repairLatin1Mojibake(name);
}

export async function parseMessage(raw: Buffer, limits: Limits): Promise<ParsedMessage> {
  if (raw.length === 0) throw new GatewayError("EMPTY_MESSAGE");
  if (raw.length > limits.messageBytes)
    throw new GatewayError("MESSAGE_TOO_LARGE", `邮件 ${raw.length} 字节，超过限制 ${limits.messageBytes} 字节`);
  const garbage = notAMessage(raw);
  if (garbage) throw new GatewayError("NOT_A_MESSAGE", `不是邮件：${garbage}`);
  const structure = scanStructure(raw);
  // Depth first: a deep message has many parts too, and its depth is the cause.
  if (structure.depth > limits.mimeDepth)
    throw new GatewayError("MIME_TOO_DEEP", `MIME 嵌套 ${structure.depth} 层，超过限制 ${limits.mimeDepth}`);
  if (structure.parts > limits.parts)
    throw new GatewayError("TOO_MANY_PARTS", `邮件含 ${structure.parts} 个 MIME 部件，超过限制 ${limits.parts}`);

  const { p, text: decodedText, html, subject, repaired } = await decode(raw, limits);
  const flags: string[] = [];
  if (structure.unclosed) flags.push("mime_unclosed");
  if (repaired) flags.push("charset_repaired");
  let text = decodedText;
  const textSource = text.trim() ? "plain" : html ? "html" : "none";
  if (textSource === "html") text = htmlToText(html!);
  // A text body of binary data (a fax server that put the raw TIFF in the body, random bytes
  // under a plausible header) is no submission: it would become a draft with a binary title.
  if (isBinaryText(text) || isBinaryText(subject)) throw new GatewayError("NOT_A_MESSAGE", "不是文字邮件：正文或主题中大量为二进制控制字符");

  const tidy = tidyText(text);
  const bodyText = tidy.slice(0, limits.textChars);
  if (bodyText.length < tidy.length) flags.push(`body_truncated:${tidy.length}`);
  const parts: MimePart[] = [];
  const rawNames = p.attachments.some((a) => a.filename?.includes("\ufffd")) ? rawParameterNames(raw) : [];
  p.attachments.forEach((a, index) => {
    if (a.size > limits.attachmentBytes)
      throw new GatewayError(
        "ATTACHMENT_TOO_LARGE",
        `附件「${a.filename ?? "未命名"}」${a.size} 字节，超过限制 ${limits.attachmentBytes} 字节`,
      );
    parts.push({
      index,
      filename: partFilename(a.filename ?? null, rawNames),
      contentType: (a.contentType || "application/octet-stream").toLowerCase(),
      size: a.size,
      sha256: createHash("sha256").update(a.content).digest("hex"),
      content: a.content,
      inline: a.contentDisposition === "inline" || (!!a.contentId && a.related === true),
      contentId: a.contentId ?? null,
      charset: contentTypeCharset(a.headers),
    });
  });

  const from = firstAddress(p.from);
  const refs = p.references == null ? [] : Array.isArray(p.references) ? p.references : [p.references];
  return {
    messageId: p.messageId ?? null,
    subject: subject.trim(),
    fromAddress: from.address,
    fromName: from.name,
    replyTo: firstAddress(p.replyTo).address,
    date: p.date && !Number.isNaN(p.date.getTime()) ? p.date : null,
    inReplyTo: p.inReplyTo ?? null,
    references: refs,
    textSource,
    automatic: automaticReason(p, subject, text),
    text: bodyText,
    html,
    parts,
    flags,
    headers: p.headerLines.map((l): [string, string] => [l.key, l.line.slice(l.line.indexOf(":") + 1).trim()]),
    senderProblems: senderProblems(raw, from.address),
  };
}
