// Stage work that needs no database — parse (MIME, limits, charsets), extract parts, screen
// (Art. 10), identify the unit, route, compose — as a pure function of the raw bytes and the
// reference data, returning plain data. It runs on the main thread: a worker-thread pool was
// measured slower for mail of a few KB on this 2-core machine (message cloning and scheduling
// cost more than the parse); OCR runs in tesseract.js's own workers.
import type { Limits } from "../config/index.js";
import { errorMessage, GatewayError } from "../domain/errors.js";
import { extractPart, meaningfulChars, partKind, type PartExtraction } from "../extract/documents.js";
import { parseMessage, type MimePart, type ParsedMessage } from "../extract/mime.js";
import { identifyByEmail, identifyByFax, type UnitDirectory, type UnitMatch } from "../identify/unit.js";
import { parseFaxMail } from "../extract/fax.js";
import { ocrPart, type OcrEngine, type OcrExtraction } from "../extract/ocr.js";
import { prohibitedTerms, route, type RouteDecision, type RuleSet } from "../route/router.js";
import { screenClassified, type Mark } from "../screen/classification.js";
import { chooseTitle, documentDate, fingerprint, unwrapForward } from "../compose/draft-text.js";
import { parseRecommendation, type OfficerRecommendation } from "../officers/recommendation-form.js";

/** The reference data the decisions need; structured-cloneable (Maps and plain objects). */
export interface PrepareReference {
  units: UnitDirectory;
  rules: RuleSet;
}

export interface PreparedPart {
  part: MimePart;
  extraction: PartExtraction;
  /** One PNG per page as OCR saw it, shown beside the text on the draft page. */
  pageImages?: Buffer[];
  /** Filled in when the images are stored (content-addressed). */
  pageImageShas?: Array<string | null>;
}

export type Prepared =
  | { kind: "failed"; code: string; error: string; parsed?: MessageSummary }
  | { kind: "quarantined"; mark: Mark; parsed: MessageSummary }
  | { kind: "ignored"; reason: string; parsed: MessageSummary }
  | {
      kind: "draft";
      parsed: MessageSummary;
      parts: PreparedPart[];
      unit: UnitMatch;
      route: RouteDecision;
      title: string;
      titleReason: string;
      body: string;
      bodyReason: string;
      date: Date | null;
      dateReason: string;
      flags: string[];
      channel: "email" | "fax";
      faxNumber: string | null;
      screenNote: string | null;
      /** Attachment 4, 信息员推荐表, read from the submission. */
      officer: OfficerRecommendation | null;
      fingerprint: string;
    };

/** What the commit and the reply stage need of a message; the bytes of its parts travel once, in `parts`. */
export type MessageSummary = Omit<ParsedMessage, "parts" | "html">;

function summary(p: ParsedMessage): MessageSummary {
  const { parts: _parts, html: _html, ...rest } = p;
  return rest;
}

/** Everything that needs no database: parse, extract (OCR where an engine is given), screen, identify, route, compose. */
export async function prepareMessage(raw: Buffer, ref: PrepareReference, limits: Limits, ocr?: OcrEngine): Promise<Prepared> {
  let parsed: ParsedMessage;
  try {
    parsed = await parseMessage(raw, limits);
  } catch (err) {
    if (err instanceof GatewayError) return { kind: "failed", code: err.code, error: err.message };
    return { kind: "failed", code: "MALFORMED_MIME", error: `邮件格式无法解析：${errorMessage(err)}` };
  }
  const parts: PreparedPart[] = [];
  for (const part of parsed.parts) {
    if (part.inline && partKind(part) === "image") {
      parts.push({ part, extraction: { method: "none", status: "skipped", text: "", error: null, pageCount: null, pages: [], confidence: null } });
      continue;
    }
    let extraction: PartExtraction = await extractPart(part, limits);
    let pageImages: Buffer[] | undefined;
    if (ocr) {
      // Fax scans and scanned PDFs: pages without a usable text layer are OCR'd.
      try {
        const o = await ocrPart(part, limits, ocr, { textLayer: extraction, documentSeconds: limits.ocrDocumentSeconds });
        if (o) {
          // The page images travel beside the extraction (stored as blobs, never cloned to the commit thread).
          const { pageImages: images, ...rest } = o;
          extraction = rest;
          pageImages = images;
        }
      } catch (err) {
        extraction = { ...extraction, status: "failed", error: `OCR 失败：${errorMessage(err)}` };
      }
    }
    if (partKind(part) === "message") {
      try {
        const inner = await parseMessage(part.content, limits);
        extraction = { ...extraction, status: "ok", text: [inner.subject, inner.text].filter(Boolean).join("\n\n") };
      } catch (err) {
        extraction = { ...extraction, status: "failed", error: errorMessage(err) };
      }
    }
    parts.push({ part, extraction, pageImages });
  }

  // Art. 10 before anything is written beyond the ledger's envelope.
  const mark = screenClassified({
    subject: parsed.subject,
    body: parsed.text,
    attachments: parts.map((p) => ({ filename: p.part.filename, text: p.extraction.text })),
  });
  // A classified message carries nothing onward but its envelope, not even its subject.
  if (mark) return { kind: "quarantined", mark, parsed: { ...summary(parsed), subject: "", text: "", headers: [] } };
  if (parsed.automatic) return { kind: "ignored", reason: `自动发送的邮件（${parsed.automatic}），不作为报送`, parsed: summary(parsed) };

  // A fax arrives as mail from the fax server: the unit is the one registered for the sending
  // fax number (TSI / caller id), never the fax server's address.
  const fax = parseFaxMail(parsed);
  const unit = fax ? identifyByFax(ref.units, fax.faxNumber) : identifyByEmail(ref.units, parsed.fromAddress, parsed.fromName);
  const forwarded = /^\s*(转发|Fwd?|FW)\s*[:：]/i.test(parsed.subject) || /原始邮件|Original Message|Forwarded message/i.test(parsed.text);
  const mailText = forwarded ? unwrapForward(parsed.text) : parsed.text;
  const docTexts = parts.filter((p) => p.extraction.status === "ok" && !p.part.inline).map((p) => p.extraction.text);
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
  const lowPages = parts.flatMap((p) => ((p.extraction as Partial<OcrExtraction>).lowConfidencePages ?? []).map((n) => `${p.part.filename ?? "附件"} 第${n}页`));
  if (lowPages.length) flags.push("low_ocr_confidence");
  if (parts.some((p) => p.extraction.status === "failed")) flags.push("attachment_failed");
  const prohibited = prohibitedTerms(ref.rules, [title, body, ...docTexts].join("\n"));
  if (prohibited.length) flags.push("prohibited_content");
  const screenNote = prohibited.length ? `疑含违禁内容：“${prohibited.slice(0, 5).join("”“")}”。须人工复核后方可发布（第十条）` : null;
  const sender = unit.unitId != null ? `unit:${unit.unitId}` : `addr:${parsed.fromAddress ?? ""}`;
  return {
    kind: "draft",
    parsed: summary(parsed),
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
    screenNote: [screenNote, lowPages.length ? `OCR 置信度低：${lowPages.join("、")}，请对照原件核对` : null].filter(Boolean).join("\n") || null,
    officer,
    fingerprint: fingerprint(sender, title, body),
  };
}
