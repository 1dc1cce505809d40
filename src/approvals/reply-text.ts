// Reads an approver's decision from a reply. Only the reply's own text counts — the quoted
// original (which itself says "回复“同意”") must never approve anything — and the decision is read
// from the first non-empty line of that own text, strictly: "同意" approves, "同意？" or
// "原则同意，但…" do not.

/** Lines that start the quoted original, per client. */
const QUOTE_STARTS: RegExp[] = [
  /^-{3,}\s*(原始邮件|Original Message|Original|转发邮件|Forwarded message)\s*-{3,}\s*$/i, // Coremail, Outlook zh/en, QQ Mail, Foxmail
  /^_{5,}\s*$/, // Outlook (separator line before From:)
  /^(发件人|From)\s*[:：].+$/i, // Outlook zh header block without separator
  /^(在|于).{4,80}(写道|wrote)\s*[:：]?\s*$/, // Gmail zh: 在 2026年11月20日 … 写道：
  /^On .{4,200}wrote:?\s*$/i, // Gmail/Apple Mail en
  /^.{0,80}<[^>]+@[^>]+>\s*(写道|wrote)\s*[:：]\s*$/i,
  /^(Le|Am) .{4,120}(a écrit|schrieb)\s*:?\s*$/i,
];
const SIGNATURE = /^(--\s*$|发自我的|Sent from my|从我的 ?(iPhone|iPad|华为|小米)|来自.{0,10}(邮箱|手机))/i;

/** The reply's own text: quoted lines (">") dropped, cut at the first quote header, signature dropped. */
export function ownText(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const own: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (QUOTE_STARTS.some((re) => re.test(t))) {
      // Bottom-posting clients (the answer below the quote) quote with ">" only; a header-block
      // quote ends the reply's own text.
      break;
    }
    // "On Fri, 20 Nov 2026 at 10:00, 张三 <a@b>" + next line "wrote:" (Gmail wraps long lines).
    if (/^On .{4,200}$/i.test(t) && /^(wrote|写道)\s*[:：]?\s*$/i.test((lines[i + 1] ?? "").trim())) break;
    if (t.startsWith(">")) continue;
    if (SIGNATURE.test(t)) break;
    own.push(line);
  }
  return own.join("\n").trim();
}

export type Decision = { kind: "approve"; comment: string } | { kind: "send_back"; reason: string } | { kind: "comment"; comment: string } | { kind: "empty" };

const TRAILING_PUNCT = /[\s。．.!！~～]+$/;
const APPROVE = /^(同意|批准|同意发布|approve|approved)$/i;
/** "同意。报马主任审批" approves with a note; "同意。但标题要改" is conditional, so only a comment. */
const FIRST_SENTENCE = /^([^。．!！]+)[。．!！]+\s*(.*)$/;
const CONDITIONAL = /但|不过|然而|除非|前提|修改后|改后|待.{0,6}后|再议|暂缓|if |but |unless /i;
const SEND_BACK = /^(不同意|退回|不批准|reject)(.*)$/i;

export function readDecision(replyText: string): Decision {
  const own = ownText(replyText);
  const lines = own.split("\n").map((l) => l.trim()).filter(Boolean);
  const first = lines[0];
  if (!first) return { kind: "empty" };
  const rest = lines.slice(1).join("\n");
  const head = first.replace(TRAILING_PUNCT, "");
  if (APPROVE.test(head)) return { kind: "approve", comment: rest };
  const sentence = FIRST_SENTENCE.exec(first);
  if (sentence && APPROVE.test(sentence[1]!.trim()) && !CONDITIONAL.test(sentence[2]! + rest))
    return { kind: "approve", comment: [sentence[2]!.trim(), rest].filter(Boolean).join("\n") };
  const back = SEND_BACK.exec(first);
  if (back) {
    const sameLine = back[2]!.replace(/^[\s,，:：;；。.、]+/, "").trim();
    return { kind: "send_back", reason: [sameLine, rest].filter(Boolean).join("\n") || "（审核人未写明理由）" };
  }
  return { kind: "comment", comment: own };
}
