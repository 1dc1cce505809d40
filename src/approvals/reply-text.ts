// The approver's own words in a plain-text reply: what is left when the quoted original and the
// signature are taken away. Handles top-posting (the answer above a quote header), bottom-posting
// and interleaving (answers below or between ">" quotes), the quote headers of Outlook in nine
// languages, attribution lines ("On … wrote:", "在 … 写道：", "… 于 … 写道：", de/fr/es/it/nl/pt/ja)
// also when wrapped over lines, and signatures. Nothing is thrown away silently: every removed line
// is returned as quoted or signature, so the caller can check the quote against the request.

export interface ReplySplit {
  own: string;
  /** Lines taken as the quoted original (attribution and quote headers included). */
  quoted: string[];
  /** Lines taken as the signature. */
  signature: string[];
}

/** Separator lines before a quoted original, as clients write them (Outlook, QQ, Foxmail, Coremail, Android, Huawei, NetEase). */
const SEPARATOR = new RegExp(
  "^[-—_=*\\s]{2,}\\s*(原始邮件|原邮件|回复的原邮件|转发邮件|邮件原文|Original Message|Original message|Original|Forwarded message|Replied Message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Message original|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Origineel bericht|Mensagem original|Mensagem Original|元のメッセージ|オリジナルメッセージ|Oprindelig besked|Opprinnelig melding|Ursprungligt meddelande|Alkuperäinen viesti|Исходное сообщение)\\s*[-—_=*\\s]{2,}$",
  "i",
);

/** Outlook's header block: the From key in nine languages (and zh-TW), then other keys. */
const FROM_KEY = /^\*?\s*(发件人|寄件者|寄件人|From|Von|De|Da|Van|差出人|送信者|Fra|Från|Lähettäjä|От)\s*\*?\s*[:：]/i;
const HEADER_KEY = /^\*?\s*(发件人|寄件者|寄件人|发送时间|发送日期|寄件日期|日期|时间|收件人|收件者|抄送|副本|主\s?题|主旨|From|Sent|Date|To|Cc|Subject|Von|Gesendet|Datum|An|Betreff|De|Envoyé|À|A|Objet|Enviado|Enviada|Fecha|Para|Asunto|Da|Inviato|Data|Oggetto|Van|Verzonden|Aan|Onderwerp|Assunto|差出人|送信者|送信日時|日時|宛先|件名|CC|Fra|Dato|Til|Emne|Sendt|Från|Skickat|Till|Ämne|Lähettäjä|Lähetetty|Vastaanottaja|Aihe|От|Отправлено|Кому|Тема)\s*\*?\s*[:：]/i;

/** Attribution lines; a line may be wrapped (Gmail wraps plain text at 78 columns). */
const ATTRIBUTION: RegExp[] = [
  /^On\s.{4,300}\swrote\s*:?$/i, // Gmail, Apple Mail, Thunderbird (en)
  /^在.{4,300}写道\s*[:：]?$/, // Apple Mail, Thunderbird, NetEase (zh)
  /^.{1,300}于.{4,200}写道\s*[:：]?$/, // Gmail (zh): 姓名 <addr> 于2026年11月26日周四 10:00写道：
  /^.{2,300}[<@\d].{0,200}写道\s*[:：]$/, // other "… 写道：" with an address or a date
  /^Am\s.{4,300}schrieb.{0,200}:$/i, // de
  /^.{1,200}\sschrieb am\s.{4,100}:$/i,
  /^Le\s.{4,300}a écrit\s*:$/i, // fr
  /^El\s.{4,300}escribió\s*:$/i, // es
  /^(Il|In data)\s.{4,300}ha scritto\s*:$/i, // it
  /^Op\s.{4,300}(schreef|geschreven).{0,200}:$/i, // nl
  /^Em\s.{4,300}escreveu\s*:$/i, // pt
  /^.{4,300}(のメッセージ|が書きました|wrote)\s*[:：]$/, // ja
  /^\d{4}年\d{1,2}月\d{1,2}日.{0,60}<[^<>\s]+@[^<>\s]+>\s*[:：]$/, // Gmail (ja): 2026年11月26日(木) 10:00 名前 <addr>:
  /^.{4,300}\s(skrev|kirjoitti|napisał\(a\)|napisał|написал\(а\)|написал|пишет)\s*.{0,200}:$/i, // da/no/sv, fi, pl, ru (Gmail)
];
export const isAttribution = (line: string) => ATTRIBUTION.some((re) => re.test(line.trim()));

/** The first line of a wrapped attribution must look like one's start. */
const ATTRIBUTION_START = /^(On|在|Am|Le|El|Il|In data|Op|Em)\s|^在|[<@]|\d{4}[年/-]|\d{4}\s/;

const PHONE_SIGNATURE: RegExp[] = [
  /^(发自我的|来自我的|发自|来自|从我的|通过)\s*.{0,20}(iPhone|iPad|iOS|Android|安卓|华为|HUAWEI|荣耀|HONOR|小米|Redmi|OPPO|vivo|一加|魅族|三星|Samsung|手机|平板|移动设备|邮箱大师|QQ\s?邮箱|Outlook|Foxmail|企业微信|Mail|邮件)\s*(发送|客户端|版)?$/i,
  /^(Sent from|Sent with|Sent via|Sent using|Envoyé de|Envoyé à partir de|Gesendet von|Von meinem|Enviado desde|Enviado do|Enviado a partir do|Inviato da|Verzonden met|Verstuurd vanaf)\s.{1,40}$/i,
  /^(获取|下载)\s?Outlook\s?for\s(iOS|Android)$/i,
  /^Get Outlook for (iOS|Android)$/i,
  /^iPhoneから送信$/,
];
const COURTESY = /^(谢谢|多谢|感谢|谢谢您|此致|敬礼|此致敬礼|祝好|顺祝商祺|Thanks|Thank you|Many thanks|Best|Best regards|Regards|Kind regards|Cheers)[!！。.,，~～]*$/i;

/** The office's names and divisions, for the closed grammar of signature lines. */
const ORG_TOKENS = ["河北省", "机构编制委员会办公室", "机构编制委员会", "省编办", "编委办", "编办", "综合处", "党总支", "党群政法处", "党群处", "行政机关处", "行政处", "事业单位登记局", "事业处", "监督处", "市县乡处", "登记局", "信息中心"];
const TITLE_TOKENS = ["副处长", "处长", "副局长", "局长", "副主任", "主任", "副科长", "科长", "调研员", "干部", "同志"];
const CONTACT = /^(电话|办公电话|座机|手机|移动电话|传真|Tel|Phone|Mobile|Fax|E-?mail|邮箱|电子邮箱|邮编)\s*[:：]?\s*[\d\-\s()（）+@.a-z_]+$/i;
const PHONE = /^[\d\-\s()（）+]{7,24}$/;
const EMAIL = /^<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?$/;
const ADDRESS = /^(地址|通讯地址)\s*[:：]\s*[\p{Script=Han}\d-]{2,40}(号|楼|室|座|层|院)$/u;
const DATE = /^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|[〇零一二三四五六七八九十]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)$/;

/**
 * A line that can only be a signature: made of the signer's names, the office's names and
 * divisions, titles and separators — or a phone number, an e-mail, an address, a date. A closed
 * set, so no condition can hide in a line taken as a signature.
 */
export function isSignatureLine(line: string, names: string[] = []): boolean {
  const t = line.normalize("NFKC").trim();
  if (!t) return false;
  if (CONTACT.test(t) || PHONE.test(t) || EMAIL.test(t) || ADDRESS.test(t) || DATE.test(t) || COURTESY.test(t)) return true;
  let rest = t.replace(/[\s·・,，、/|()（）\-—:：]+/g, "");
  const tokens = [...names.map((n) => n.replace(/\s+/g, "")).filter((n) => n.length >= 2), ...ORG_TOKENS, ...TITLE_TOKENS].sort((a, b) => b.length - a.length);
  for (const tok of tokens) rest = rest.split(tok).join("");
  return rest === "";
}

/** Outlook for iOS/Android appends its link: "Get Outlook for iOS<https://aka.ms/…>". */
export const isPhoneSignature = (line: string) => {
  const t = line.normalize("NFKC").trim().replace(/<https?:\/\/[^>]*>$/, "").trim();
  return PHONE_SIGNATURE.some((re) => re.test(t));
};

const QUOTE = Symbol("quote");
const isQuoted = (line: string) => /^\s*[>＞]/.test(line);

/** Attribution starting at line i: how many lines it spans (0: none). */
function attributionAt(lines: string[], i: number): number {
  for (let k = 1; k <= 3 && i + k <= lines.length; k++) {
    const part = lines.slice(i, i + k).map((l) => l.trim());
    // Gmail wraps "… <addr> wrote:" so that the last line can start with the address's ">"
    // (">:", "> wrote:", "> 写道：") — that line is no quote.
    if (part.some((l, j) => !l || (isQuoted(l) && !(j === k - 1 && k > 1 && /^>\s*[^>]{0,20}[:：]$/.test(l))))) return 0;
    if (k > 1 && !ATTRIBUTION_START.test(part[0]!)) return 0;
    const joined = part.join(" ");
    if (ATTRIBUTION.some((re) => re.test(joined)) || ATTRIBUTION.some((re) => re.test(part.join("")))) return k;
  }
  return 0;
}

function headerBlockAt(lines: string[], i: number): boolean {
  if (!FROM_KEY.test(lines[i]!.trim())) return false;
  let seen = 0;
  for (let j = i + 1; j < lines.length && seen < 5; j++) {
    const t = lines[j]!.trim();
    if (!t) continue;
    seen++;
    if (HEADER_KEY.test(t)) return true;
  }
  return false;
}

const nextNonEmpty = (lines: string[], from: number) => {
  for (let j = from; j < lines.length; j++) if (lines[j]!.trim()) return lines[j]!;
  return null;
};

export function splitReply(text: string, signerNames: string[] = []): ReplySplit {
  const lines = text.replace(/\r\n?/g, "\n").replace(/\u00a0/g, " ").split("\n");
  /** Own lines, with QUOTE where a quote was taken out (blank lines next to it are the quote's). */
  const own: Array<string | typeof QUOTE> = [];
  const quoted: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (isQuoted(line)) {
      quoted.push(line);
      if (own.at(-1) !== QUOTE) own.push(QUOTE);
      continue;
    }
    if (!t) {
      own.push("");
      continue;
    }
    const attribution = attributionAt(lines, i);
    if (attribution) {
      // A wrapped attribution is one line of the quote, as it was before the client wrapped it.
      quoted.push(lines.slice(i, i + attribution).map((l) => l.trim()).join(" "));
      if (own.at(-1) !== QUOTE) own.push(QUOTE);
      const after = nextNonEmpty(lines, i + attribution);
      if (after !== null && isQuoted(after)) {
        // Bottom-posting or interleaving: the quote is marked, the answer is around it.
        i += attribution - 1;
        continue;
      }
      quoted.push(...lines.slice(i + attribution));
      break;
    }
    const outlookRule = /^_{20,}$/.test(t) && FROM_KEY.test((nextNonEmpty(lines, i + 1) ?? "").trim());
    if (SEPARATOR.test(t) || outlookRule || headerBlockAt(lines, i)) {
      // Top-posting: the unmarked original follows the quote header to the end.
      quoted.push(...lines.slice(i));
      break;
    }
    own.push(line);
  }
  const joined: string[] = [];
  own.forEach((l, k) => {
    if (l === QUOTE) return;
    const near = (step: number) => {
      for (let j = k + step; j >= 0 && j < own.length; j += step) {
        if (own[j] === QUOTE) return true;
        if ((own[j] as string).trim()) return false;
      }
      return false;
    };
    if (!l.trim() && (near(-1) || near(1))) return;
    joined.push(l);
  });
  const { kept, signature } = stripSignature(joined, signerNames);
  return { own: tidy(kept), quoted, signature };
}

function stripSignature(lines: string[], names: string[]): { kept: string[]; signature: string[] } {
  const signature: string[] = [];
  // Phone signatures are fixed phrases the client inserts: dropped wherever they stand.
  let kept = lines.filter((l) => {
    if (!isPhoneSignature(l)) return true;
    signature.push(l);
    return false;
  });
  // "-- " (RFC 3676) and "--": what follows is a signature if every line of it is one.
  const dash = kept.findIndex((l) => /^--\s?$/.test(l.trimStart()) || /^——\s?$/.test(l.trim()));
  if (dash >= 0) {
    const after = kept.slice(dash + 1);
    if (after.every((l) => !l.trim() || isSignatureLine(l, names) || isPhoneSignature(l))) {
      signature.push(...kept.slice(dash));
      kept = kept.slice(0, dash);
    }
  }
  // A signature without a delimiter (Outlook's, Foxmail's): trailing lines of the closed grammar.
  let end = kept.length;
  while (end > 0 && (!kept[end - 1]!.trim() || isSignatureLine(kept[end - 1]!, names))) end--;
  if (end < kept.length && kept.slice(0, end).some((l) => l.trim())) {
    signature.push(...kept.slice(end).filter((l) => l.trim()));
    kept = kept.slice(0, end);
  }
  return { kept, signature };
}

/** Trailing spaces trimmed, runs of blank lines folded to one, outer blank lines removed. */
export function tidy(lines: string[]): string {
  return lines
    .map((l) => l.replace(/[ \t\u3000]+$/u, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
