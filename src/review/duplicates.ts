// Duplicate suggestions for triage: a unit that sends the same news twice — by fax and by mail,
// or again with a corrected sentence — makes a second draft the ingest cannot merge by itself
// (the bytes and the fingerprint differ). The officer is shown the likely originals: the same
// sending unit (or, while unconfirmed, the same sender address or fax number), received within
// a few days, with a similar title or body. A suggestion decides nothing: merging happens only
// after the officer has compared both side by side (the compare page) and confirmed.
//
// Similarity is the Dice coefficient of character bigrams after removing white space and
// punctuation: Chinese has no word boundaries, and bigrams survive OCR's scattered errors and
// the small rewordings of a resend. Pure functions; the candidates come from the read model.

/** How far apart two submissions of the same news may arrive. */
export const DUPLICATE_WINDOW_DAYS = 7;
/** Titles at least this similar are suggested (a resend often keeps the title). */
export const TITLE_THRESHOLD = 0.6;
/** Bodies at least this similar are suggested (a new title over the same text). */
export const BODY_THRESHOLD = 0.5;
/** Bigrams of a body beyond this many characters are not compared (the start says enough). */
const BODY_CHARS = 4000;

export interface DuplicateCandidate {
  id: number;
  title: string;
  body: string;
  status: string;
  channel: string;
  receivedAt: Date;
}

export interface DuplicateSuggestion {
  id: number;
  title: string;
  status: string;
  channel: string;
  receivedAt: Date;
  /** 0…1 */
  titleSimilarity: number;
  bodySimilarity: number;
  /** In the officer's words: 「标题相似 82%」, 「正文相似 64%」. */
  why: string;
}

/** Letters, digits and CJK characters only: white space, punctuation and symbols do not count. */
function normalise(s: string, max = Infinity): string {
  return s.normalize("NFKC").replace(/[^\p{L}\p{N}]+/gu, "").toLowerCase().slice(0, max);
}

function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  const chars = [...s];
  if (chars.length === 1) out.set(chars[0]!, 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const g = chars[i]! + chars[i + 1]!;
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** Dice coefficient of the two texts' bigram multisets: 1 the same, 0 nothing shared. */
export function similarity(a: string, b: string, max = Infinity): number {
  const x = bigrams(normalise(a, max));
  const y = bigrams(normalise(b, max));
  let sizeX = 0;
  let sizeY = 0;
  let shared = 0;
  for (const n of x.values()) sizeX += n;
  for (const [g, n] of y) {
    sizeY += n;
    shared += Math.min(n, x.get(g) ?? 0);
  }
  return sizeX + sizeY === 0 ? 0 : (2 * shared) / (sizeX + sizeY);
}

const percent = (v: number) => `${Math.round(v * 100)}%`;

/** The candidates similar enough to suggest, most similar first (at most `limit`). */
export function suggestDuplicates(draft: { id: number; title: string; body: string }, candidates: DuplicateCandidate[], limit = 5): DuplicateSuggestion[] {
  return candidates
    .filter((c) => c.id !== draft.id)
    .map((c) => {
      const titleSimilarity = similarity(draft.title, c.title);
      const bodySimilarity = similarity(draft.body, c.body, BODY_CHARS);
      const why = [titleSimilarity >= TITLE_THRESHOLD && `标题相似 ${percent(titleSimilarity)}`, bodySimilarity >= BODY_THRESHOLD && `正文相似 ${percent(bodySimilarity)}`].filter(Boolean).join("，");
      return { id: c.id, title: c.title, status: c.status, channel: c.channel, receivedAt: c.receivedAt, titleSimilarity, bodySimilarity, why };
    })
    .filter((s) => s.why)
    .sort((a, b) => Math.max(b.titleSimilarity, b.bodySimilarity) - Math.max(a.titleSimilarity, a.bodySimilarity) || a.id - b.id)
    .slice(0, limit);
}
