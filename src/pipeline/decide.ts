// The decisions, the second half of the stage work that needs no database: screen (Art. 10),
// identify the unit, route, compose title/body/date. Synchronous and pure, so it runs in the
// commit thread beside the commit, and the main thread only extracts: the two cores share the
// work (measured: a worker pool for parsing alone was slower for mail of a few KB; this seam
// balances the two threads). Only light modules are imported here: the commit thread loads them
// (tests/integration/commit-thread-modules.test.ts fails if sharp, tesseract.js or pdf-parse come in).
import { redactTokens } from "../domain/token-shape.js";
import { meaningfulChars } from "../extract/text.js";
import { neutraliseFileName } from "../util/display-text.js";
import { parseFaxMail } from "../extract/fax.js";
import { identifyByEmail, identifyByFax } from "../identify/unit.js";
import { prohibitedTerms, route, sensitiveTerms } from "../route/router.js";
import { suggestCleanup } from "../compose/cleanup.js";
import { screenClassified } from "../screen/classification.js";
import { chooseTitle, documentDate, documentNumber, fingerprint, unwrapForward } from "../compose/draft-text.js";
import { splitFaxHeaders } from "../compose/fax-header.js";
import { parseRecommendation } from "../officers/recommendation-form.js";
import type { Extracted, Prepared, PreparedPart, Reference } from "./contracts.js";

/**
 * Parts that were not read, with the reason, for the draft's flags: `unscreened` — content that
 * could not be screened for 密级 marks (failed, unsupported, a container not opened, pages
 * left unread): it holds 送审 until a person has looked; `textMissing` — read, but no text came
 * out (an empty PDF page, a document without text). An image whose OCR found no text is a photo,
 * not a missing text.
 */
export function unreadParts(parts: PreparedPart[]): { unscreened: string[]; textMissing: string[] } {
  const unscreened: string[] = [];
  const textMissing: string[] = [];
  for (const { part, extraction: x } of parts) {
    const name = `「${part.filename != null ? neutraliseFileName(part.filename) : `附件${part.index + 1}`}」`;
    if (x.status === "failed") unscreened.push(`${name}（${x.error ?? "无法读取"}）`);
    else if (x.status === "skipped" && x.method === "none") unscreened.push(`${name}（${x.error ?? "未读取"}）`);
    else if (x.status === "empty" && x.method !== "ocr") textMissing.push(`${name}（无文字内容）`);
    const unreadPages = (x.pages as Array<{ pageNo: number; text: string; error?: string | null }>).filter((pg) => pg.error);
    if (x.status !== "failed" && unreadPages.length) unscreened.push(`${name} 第${unreadPages.map((pg) => pg.pageNo).join("、")}页（${unreadPages[0]!.error}）`);
    const emptyPages = x.pages.filter((pg) => !pg.text.trim() && !(pg as { error?: string | null }).error);
    if (x.status === "ok" && x.pages.length > 1 && emptyPages.length) textMissing.push(`${name} 第${emptyPages.map((pg) => pg.pageNo).join("、")}页（无文字）`);
  }
  return { unscreened, textMissing };
}

/** What was cut to LIMIT_TEXT_CHARS: the mail body and parts, with their full length. */
export function truncations(messageFlags: string[], parts: PreparedPart[]): string[] {
  const out: string[] = [];
  const body = messageFlags.find((f) => f.startsWith("body_truncated:"));
  if (body) out.push(`邮件正文共 ${body.slice("body_truncated:".length)} 字`);
  for (const { part, extraction } of parts)
    if (extraction.truncatedFrom != null) out.push(`「${part.filename != null ? neutraliseFileName(part.filename) : `附件${part.index + 1}`}」共 ${extraction.truncatedFrom} 字，保留前 ${extraction.text.length} 字`);
  return out;
}

/** An image that may be a photo of the event (not a fax page or a scanned document format). */
export function isPhotoLike(p: PreparedPart): boolean {
  return /^image\/(jpeg|png|gif|webp|bmp)$/.test(p.part.contentType) || (p.extraction.method === "ocr" && /\.(jpe?g|png|gif|webp|bmp)$/i.test(p.part.filename ?? ""));
}

/** Screen, identify, route, compose: synchronous and pure, the same on any thread. */
export function decideMessage(x: Extracted, ref: Reference): Prepared {
  if (x.kind === "failed") return x;
  const { parsed, parts } = x;
  // Art. 10 before anything is written beyond the ledger's envelope.
  // Every part is screened: MIME parts and the members of containers (ZIP, DOCX, OFD), by name
  // and text, and what is not body text (headers, footers, hidden sheets) too.
  const mark = screenClassified({
    subject: parsed.subject,
    body: parsed.text,
    attachments: parts.flatMap((p) => [
      { filename: p.part.filename, text: p.extraction.text },
      ...(p.extraction.screenTexts ?? []).map((s) => ({ filename: s.where, text: s.text })),
    ]),
  });
  // A classified message carries nothing onward but its envelope, not even its subject.
  // The mark's place names a file as the sender named it: shown with bidi overrides neutralised.
  if (mark) return { kind: "quarantined", mark: { ...mark, where: neutraliseFileName(mark.where) }, parsed: { ...parsed, subject: "", text: "", headers: [] } };
  // The reason quotes the subject: an out-of-office quoting an approval request keeps no token in it.
  if (parsed.automatic) return { kind: "ignored", reason: redactTokens(`自动发送的邮件（${parsed.automatic}），不作为报送`), parsed };

  // A fax arrives as mail from the fax server: the unit is the one registered for the sending
  // fax number (TSI / caller id), never the fax server's address.
  const fax = parseFaxMail(parsed);
  const unit = fax ? identifyByFax(ref.units, fax.faxNumber) : identifyByEmail(ref.units, parsed.fromAddress, parsed.fromName, parsed.senderProblems);
  const forwarded = /^\s*(转发|Fwd?|FW)\s*[:：]/i.test(parsed.subject) || /原始邮件|Original Message|Forwarded message/i.test(parsed.text);
  const mailText = forwarded ? unwrapForward(parsed.text) : parsed.text;
  // Text of the documents: the fax machine's header line at the top of each page is metadata,
  // not text; an image adds to the text only when it holds a document (a scan), not a photo's
  // few stray characters.
  const faxHeaders: string[] = [];
  const docTexts = parts
    .filter((p) => p.extraction.status === "ok" && !(p.part.inline && p.extraction.method !== "ocr"))
    .filter((p) => !(isPhotoLike(p) && meaningfulChars(p.extraction.text) < 50))
    .map((p) => {
      if (p.extraction.method !== "ocr" && !fax) return p.extraction.text;
      const { text, headers } = splitFaxHeaders(p.extraction.text);
      faxHeaders.push(...headers);
      return text;
    });
  let body = mailText;
  let bodyReason = forwarded ? "邮件正文（已去掉转发头）" : "邮件正文";
  if (fax && docTexts.length) {
    body = docTexts.join("\n\n");
    bodyReason = `传真正文（${parts.some((p) => p.extraction.method === "ocr") ? "OCR 识别" : "文本层"}，${fax.pages ?? "?"} 页）`;
  } else if (docTexts.length && meaningfulChars(mailText) < 120) {
    body = docTexts.join("\n\n");
    bodyReason = `邮件正文很短，取附件正文（${docTexts.length} 个附件）`;
  }
  const { title, reason: titleReason } = chooseTitle(parsed.subject, [...docTexts, mailText]);
  const docNumber = documentNumber(body === mailText ? [mailText, ...docTexts] : [...docTexts, mailText]);
  const { date, reason: dateReason } = documentDate(body === mailText ? [mailText, ...docTexts] : [...docTexts, mailText]);
  let decision = route(ref.rules, title, body);
  const officer = parseRecommendation([...docTexts, mailText].join("\n"));
  if (officer) {
    // Attachment 4: recommendations go to the information centre, not to a column.
    const centre = [...ref.rules.divisions].find(([, name]) => name === "信息中心");
    decision = { ...decision, columnId: null, columnName: null, columnReason: "信息员推荐表（附件4），不上网发布", divisionId: centre?.[0] ?? decision.divisionId, divisionName: centre?.[1] ?? decision.divisionName, divisionReason: "信息员推荐表按附件4报信息中心" };
  }

  const flags: string[] = parsed.flags.filter((f) => f === "charset_repaired");
  if (!unit.confirmed) flags.push("unit_unconfirmed");
  if (decision.columnId == null && !officer) flags.push("no_column");
  if (officer) flags.push("officer_recommendation");
  const lowPages = parts.flatMap((p) => (p.extraction.lowConfidencePages ?? []).map((n) => `${p.part.filename != null ? neutraliseFileName(p.part.filename) : "附件"} 第${n}页`));
  if (lowPages.length) flags.push("low_ocr_confidence");
  if (parts.some((p) => p.extraction.status === "failed")) flags.push("attachment_failed");
  const cut = truncations(parsed.flags, parts);
  if (cut.length) flags.push("text_truncated");
  const unread = unreadParts(parts);
  if (unread.textMissing.length) flags.push("text_missing");
  if (unread.unscreened.length) flags.push("unscreened");
  const prohibited = prohibitedTerms(ref.rules, [title, body, ...docTexts].join("\n"));
  if (prohibited.length) flags.push("prohibited_content");
  const screenNote = prohibited.length ? `疑含违禁内容：“${prohibited.slice(0, 5).join("”“")}”。须人工复核后方可发布（第十条）` : null;
  const sender = unit.unitId != null ? `unit:${unit.unitId}` : `addr:${parsed.fromAddress ?? ""}`;
  return {
    kind: "draft",
    parsed,
    parts,
    unit,
    route: decision,
    title,
    titleReason,
    body,
    bodyReason,
    date,
    dateReason,
    flags,
    channel: fax ? "fax" : "email",
    faxNumber: fax?.faxNumber ?? null,
    faxHeader: faxHeaders.length ? [...new Set(faxHeaders)].join("\n") : null,
    docNumber,
    suggestions: JSON.stringify(suggestCleanup(title, body, sensitiveTerms(ref.rules, `${title}\n${body}`))),
    screenNote:
      [
        screenNote,
        unread.unscreened.length ? `未能检查：${unread.unscreened.join("；")}。其内容未经密级检查（第十条），须人工查看原件后方可送审` : null,
        unread.textMissing.length ? `未能提取文字：${unread.textMissing.join("；")}` : null,
        lowPages.length ? `OCR 置信度低：${lowPages.join("、")}，请对照原件核对` : null,
        cut.length ? `文字过长，已截断：${cut.join("；")}，请对照原件查看其余内容` : null,
      ]
        .filter(Boolean)
        .join("\n") || null,
    officer,
    fingerprint: fingerprint(sender, title, body),
  };
}
