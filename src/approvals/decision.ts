// The closed grammar of decisions by e-mail (documented in the README and in every request).
// A reply's own text — quotes and signature already removed — approves only when it IS one of
// the approval phrases below and nothing else: "同意 但标题要改", "同意\n但标题需修改",
// "同意。标题改为《…》后发布", "同意？" are all comments. It sends back only when it starts with a
// refusal word followed by a reason. Everything else is a comment: recorded, shown on the draft,
// and answered with how to approve in one line. A missed approval costs one more reply; a false
// one publishes unreviewed information under the approver's name (Art. 5, 7).

/** Approval phrases, compared after NFKC folding, removal of white space and trailing 。.!～. */
export const APPROVAL_PHRASES = ["同意", "同意发布", "同意，请发布", "同意，可以发布", "同意上网", "同意上网发布", "批准", "批准发布", "可以发布", "准予发布", "Approved", "Approve"] as const;

/** Refusal words; the reason must follow after a separator (so 不同意见请告知 is not one). */
export const SEND_BACK_WORDS = ["不同意发布", "不同意上网", "不同意", "不批准", "退回修改", "退回", "Rejected", "Reject"] as const;

export type Decision =
  | { kind: "approve"; phrase: string }
  | { kind: "send_back"; reason: string }
  | { kind: "comment"; comment: string; why: string }
  | { kind: "empty" };

/** Folds what mail clients and input methods vary: full-width forms, white space, case, trailing stops. */
export function foldPhrase(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/[\s\u200b\u2060\ufeff]+/g, "")
    .replace(/[。.!~〜～]+$/u, "")
    .toLowerCase();
}

const PHRASES = new Map(APPROVAL_PHRASES.map((p) => [foldPhrase(p), p]));
const SEPARATOR = /^[\s,，、:：;；。.!！\-—]/u;
const MEANINGFUL = /[\p{Script=Han}\p{L}\p{N}]/u;

export function readDecision(own: string): Decision {
  const text = own.trim();
  if (!text) return { kind: "empty" };
  const phrase = PHRASES.get(foldPhrase(text));
  if (phrase) return { kind: "approve", phrase };
  const lower = text.toLowerCase();
  for (const word of SEND_BACK_WORDS) {
    if (!lower.startsWith(word.toLowerCase())) continue;
    const rest = text.slice(word.length);
    if (rest && !SEPARATOR.test(rest)) break; // 不同意见…, 退回的那份…: not a refusal word here
    const reason = rest.replace(/^[\s,，、:：;；。.!！\-—]+/u, "").trim();
    if (!MEANINGFUL.test(reason)) return { kind: "comment", comment: text, why: `“${word}”后没有写明理由：退回须在同一行或下一行写明理由` };
    return { kind: "send_back", reason };
  }
  const startsWithApproval = [...PHRASES.keys()].some((p) => foldPhrase(text).startsWith(p));
  return {
    kind: "comment",
    comment: text,
    why: startsWithApproval ? "审批用语之后还有其他内容（可能是条件或修改意见），不能视为同意" : "回复内容不是规定的审批用语",
  };
}
