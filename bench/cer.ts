// Measuring OCR accuracy against ground truth (bench/ocr.ts and the OCR tests): not part of the
// gateway, which never knows the truth of what it reads.
const PUNCT_FOLD: Record<string, string> = { "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "〔": "[", "〕": "]", "【": "[", "】": "]", "—": "-", "－": "-", "·": "." };

/**
 * Text as compared for CER: no whitespace, full-width forms folded to half-width (NFKC), and
 * the CJK punctuation that tesseract reads as its ASCII look-alike folded the same way. A
 * misread character still counts; only the width or style of punctuation does not.
 */
export function foldForCompare(s: string): string {
  return [...s.normalize("NFKC").replace(/\s+/g, "")].map((c) => PUNCT_FOLD[c] ?? c).join("");
}

/** Character error rate: Levenshtein distance over the folded texts, divided by the truth's length. */
export function characterErrorRate(truth: string, text: string): number {
  const a = [...foldForCompare(truth)];
  const b = [...foldForCompare(text)];
  if (a.length === 0) return b.length ? 1 : 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]! / a.length;
}
