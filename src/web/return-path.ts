// Where to go after signing in: the page that sent the officer to the sign-in page, such as the
// draft linked from an approval mail. Only a path on this server is ever followed — never
// another host (`//evil.example`, `/\evil.example`, `https://…`), never a script URL, never the
// sign-in or sign-out page itself — so the parameter cannot be used as an open redirect.
const BASE = "http://gateway.invalid";

export function safeReturnPath(v: unknown): string | null {
  if (typeof v !== "string" || v.length === 0 || v.length > 2000) return null;
  // One leading slash, then not a second slash or a backslash (browsers read "/\x" as "//x").
  if (!/^\/(?![/\\])/.test(v)) return null;
  // Control characters and backslashes anywhere: browsers strip or fold them before resolving.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(v)) return null;
  let url: URL;
  try {
    url = new URL(v, BASE);
  } catch {
    return null; // not a path: no return path, the default page
  }
  if (url.origin !== BASE) return null;
  if (/^\/(login|logout)(\/|$)/.test(url.pathname)) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
