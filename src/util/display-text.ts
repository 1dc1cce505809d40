// Strings from mail shown to officers or handed to their programs, made harmless where escaping
// HTML is not enough:
// - a file name with a right-to-left override shows `invoice‮fdp.exe` as "invoice exe.pdf":
//   bidi controls, invisible format characters and control characters are replaced by a visible
//   U+FFFD, so the real extension shows and the spoof is seen to be one;
// - a spreadsheet cell that begins with = + - @ (or a tab or CR) is a formula to Excel and WPS
//   (CSV injection, OWASP): such a cell gets a leading apostrophe, which both show as text.

// Bidi embeddings, overrides and isolates, marks, the Arabic letter mark, zero-width characters and
// word joiners, the BOM, C0 and C1 controls.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

export function neutraliseFileName(name: string): string {
  return name.replace(HIDDEN, "\ufffd");
}

export function neutraliseCell<T>(value: T): T | string {
  return typeof value === "string" && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
