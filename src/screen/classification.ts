// Art. 10: classified material (国家秘密) must not be stored, processed or published here.
// A 密级 mark is looked for where documents carry it: the subject, the first lines of the body
// and of every attachment's text, and file names. News that merely talks about secrecy work
// (保守国家秘密, 保密宣传月, 涉密人员培训) carries no mark and passes.

export interface Mark {
  mark: string;
  where: string;
}

const MARKS: RegExp[] = [
  /(绝密|机密|秘密)\s*[★☆*]\s*(?:\d+\s*(?:年|个月)|长期)?/,
  // A faxed mark read by OCR: tesseract reads ★ as almost anything (seen: 娘, 大, 食). The level
  // followed by a period (1年, 6个月, 长期) is the mark's signature; one stray glyph between.
  /(绝密|机密|秘密)\s*[^\s\d]?\s*(?:\d{1,2}\s*(?:年|个月)|长期)/,
  /密\s*级\s*[:：]\s*(绝密|机密|秘密)/,
  /[【[（(]\s*(绝密|机密|秘密)\s*[】\]）)]/,
];
const STANDALONE = /^\s*(绝密|机密|秘密)\s*$/;

export function findMark(text: string, where: string, firstLines = 12): Mark | null {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, firstLines);
  for (const [i, line] of lines.entries()) {
    for (const re of MARKS) {
      const m = re.exec(line);
      if (m) return { mark: m[0].trim(), where: `${where}第${i + 1}行` };
    }
    if (STANDALONE.test(line)) return { mark: line.trim(), where: `${where}第${i + 1}行` };
  }
  return null;
}

export interface ScreenInput {
  subject: string;
  body: string;
  attachments: Array<{ filename: string | null; text: string }>;
}

export function screenClassified(input: ScreenInput): Mark | null {
  for (const re of MARKS) {
    const m = re.exec(input.subject);
    if (m) return { mark: m[0].trim(), where: "邮件主题" };
  }
  const body = findMark(input.body, "正文");
  if (body) return body;
  for (const a of input.attachments) {
    const name = a.filename ?? "附件";
    for (const re of MARKS) {
      const m = re.exec(name);
      if (m) return { mark: m[0].trim(), where: `附件名「${name}」` };
    }
    const inText = findMark(a.text, `附件「${name}」`);
    if (inText) return inText;
  }
  return null;
}
