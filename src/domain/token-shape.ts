// What an approval token looks like (GW- and 26 base32 characters), and how any text the gateway
// keeps or shows is cleared of it. The token is the secret of an e-mailed approval: whoever reads
// it can, with DKIM off, forge a 同意. It comes back inside mail the gateway did not ask for — an
// approver's out-of-office quoting the request's subject, a bounce carrying the request's headers —
// so every e-mail-derived subject, snippet, reason, log line and audit detail is redacted, in
// whatever width a client or a person wrote it (full-width ＧＷ－, a space after the dash), and
// also a truncated fragment (a reason that cut a subject at 40 characters keeps no part of it).
// Pure: no imports.

export const REDACTED_TOKEN = "GW-〔已隐去〕";

/** As clients write it (upper case), also a fragment; and a whole token in any case (a person may retype it). */
const SHAPE = /[GＧ][WＷ]\s?[-－‐‑–—]\s?[A-Z2-7Ａ-Ｚ２-７]+/gu;
const ANY_CASE = /[GgＧｇ][WwＷｗ]\s?[-－‐‑–—]\s?[A-Za-z2-7Ａ-Ｚａ-ｚ２-７]{26}/gu;
const WHOLE = /GW\s?-\s?([A-Z2-7]{26})(?![A-Z2-7])/gi;

/** Any token-shaped text replaced by the placeholder. */
export function redactTokens(s: string): string {
  return s.replace(ANY_CASE, REDACTED_TOKEN).replace(SHAPE, REDACTED_TOKEN);
}

/** Every string inside a JSON-like value redacted (audit details, log objects). */
export function redactDeep<T>(v: T): T {
  if (typeof v === "string") return redactTokens(v) as T;
  if (Array.isArray(v)) return v.map((x) => redactDeep(x)) as T;
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, redactDeep(x)])) as T;
  }
  return v;
}

/** Whole tokens written anywhere in the texts (folded to ASCII upper case), for the exposure check. */
export function tokensIn(texts: string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) for (const m of t.normalize("NFKC").matchAll(WHOLE)) out.add(m[1]!.toUpperCase());
  return [...out];
}
