// Reads an approval reply as the approver wrote it, and what it decides:
//   1. the text/plain part when there is one, else the HTML with the client's quote found by its
//      structure (reply-html.ts) — GBK/GB18030 bodies without a charset label are repaired by
//      the MIME reading, as for submissions;
//   2. the own text: quotes, attribution lines, quote headers and the signature removed
//      (reply-text.ts), every removed line kept;
//   3. the quote checked against the request the reply answers: a quoted line that is not from
//      the request is words the approver typed inside the quote (Apple Mail keeps them quoted) or
//      a quote of something else — then the reply cannot approve (doubt decides nothing);
//   4. the closed grammar of decisions (decision.ts).
import type { Limits } from "../config/index.js";
import { parseMessage } from "../extract/mime.js";
import { foldPhrase, readDecision, type Decision } from "./decision.js";
import { htmlReplyText } from "./reply-html.js";
import { isAttribution, isPhoneSignature, splitReply } from "./reply-text.js";

export interface ReplyReading {
  source: "plain" | "html" | "none";
  own: string;
  quoted: string[];
  signature: string[];
  /** Quoted lines that are not from the request (empty when the quote is the request's). */
  foreignQuote: string[];
  decision: Decision;
}

export interface RequestCopy {
  subject: string;
  text: string;
  html: string | null;
}

/** Letters, digits and Han only: what survives every client's re-wrapping, re-spacing and re-punctuating of a quote. */
export function quoteKey(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/<(mailto:|https?:\/\/)[^>]*>|\[(mailto:|cid:)[^\]]*\]/gi, "")
    .replace(/[^\p{Script=Han}\p{L}\p{N}]+/gu, "")
    .toLowerCase();
}

/** Lines a client adds to a quote of its own: headers of the quoted mail, separators, placeholders. */
const CLIENT_QUOTE_LINE = [
  /^\*?\s*(发件人|寄件者|寄件人|发送时间|发送日期|寄件日期|日期|时间|收件人|收件者|抄送|副本|主\s?题|主旨|From|Sent|Date|To|Cc|Subject|Von|Gesendet|Datum|An|Betreff|De|Envoyé|À|A|Objet|Enviado|Enviada|Fecha|Para|Asunto|Da|Inviato|Data|Oggetto|Van|Verzonden|Aan|Onderwerp|Assunto|差出人|送信者|送信日時|日時|宛先|件名|CC|Reply-To)\s*\*?\s*[:：].{0,300}$/i,
  /^[-—_=*\s]{2,}.{0,40}[-—_=*\s]{2,}$/, // separators
  /^_{10,}$/,
  /^\|\s*(发件人|日期|收件人|抄送|主题|时间|From|Date|To|Cc|Subject)\s*\|.{0,300}\|$/i, // NetEase 邮箱大师's header table
  /^\[(图片|image|cid:[^\]]*)\]$|^<image\d+\.(png|jpe?g|gif)>$/i,
  /写道\s*[:：]?$|wrote\s*:?$|schrieb.{0,200}:$|a écrit\s*:$|escribió\s*:$|ha scritto\s*:$|schreef.{0,200}:$|escreveu\s*:$|のメッセージ\s*[:：]$|<[^<>\s]+@[^<>\s]+>\s*[:：]$/i, // attribution
];

export function foreignQuoteLines(quoted: string[], request: RequestCopy): string[] {
  const reference = [request.subject, request.text, request.html ? htmlReplyText(request.html) : ""].map(quoteKey).join("|");
  const out: string[] = [];
  for (const line of quoted) {
    const t = line.replace(/^(\s*[>＞])+\s?/, "").trim();
    const key = quoteKey(t);
    if (!key) continue;
    if (CLIENT_QUOTE_LINE.some((re) => re.test(t)) || isAttribution(t) || isPhoneSignature(t)) continue;
    if (reference.includes(key)) continue;
    out.push(t);
  }
  return out;
}

/** Reads the reply. `request` is the stored copy of the request it answers (null: none known). */
export async function readReply(raw: Buffer, limits: Limits, opts: { signerNames: string[]; request: RequestCopy | null }): Promise<ReplyReading> {
  const parsed = await parseMessage(raw, limits);
  const source = parsed.textSource;
  const body = source === "html" && parsed.html ? htmlReplyText(parsed.html) : parsed.text;
  const split = splitReply(body, opts.signerNames);
  const foreignQuote = opts.request ? foreignQuoteLines(split.quoted, opts.request) : [];
  let decision = readDecision(split.own);
  const notApproval = (why: string): Decision => ({ kind: "comment", comment: split.own, why });
  if (decision.kind === "approve") {
    if (foreignQuote.length) decision = notApproval(`引用的原邮件中有审批邮件里没有的文字（可能是在引用中写下的意见）：“${foreignQuote.slice(0, 3).join(" / ").slice(0, 200)}”，不能视为同意`);
    else if (!opts.request) decision = notApproval("找不到这封回复所答复的审批邮件，无法核对引用内容");
    else {
      // The approver saw the HTML part: when it says something else than the text part, which one did they write?
      const html = source === "plain" && parsed.html ? splitReply(htmlReplyText(parsed.html), opts.signerNames) : null;
      if (html && foldPhrase(html.own) !== foldPhrase(split.own)) decision = notApproval(`邮件的纯文本部分与 HTML 部分内容不一致（HTML 部分为“${html.own.slice(0, 100)}”），无法确定审批人写的是哪一个`);
      // An attachment may carry what the text does not say (a marked-up document, a corrected version).
      const attached = parsed.parts.filter((p) => !p.inline);
      if (attached.length) decision = notApproval(`回复带有附件（${attached.map((p) => p.filename ?? p.contentType).join("、").slice(0, 100)}），其中可能有修改意见，不能视为同意`);
    }
  }
  return { source, own: split.own, quoted: split.quoted, signature: split.signature, foreignQuote, decision };
}
