// A browser-like HTTP client for tests against the real server: keeps cookies, reads the CSRF
// token from a page, posts forms. No redirect is followed, so tests see each 302.
export class Client {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async req(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(this.base + path, { ...init, redirect: "manual", headers: { ...(init.headers ?? {}), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const [k, v] = [pair!.slice(0, i), pair!.slice(i + 1)];
      if (/expires=Thu, 01 Jan 1970/i.test(c) || v === "") this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    return res;
  }

  /** The CSRF token of a page's form. */
  async csrf(path = "/login"): Promise<string> {
    const html = await (await this.req(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error(`no CSRF token on ${path}`);
    return m[1]!;
  }

  post(path: string, form: Record<string, string | string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    return this.req(path, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  }

  /** Signs in with the sign-in form; returns the response of the POST. */
  async signIn(username: string, password: string): Promise<Response> {
    return this.post("/login", { username, password, _csrf: await this.csrf("/login") });
  }
}

/** The text of the page's error box (the one place a refusal is shown). */
export function errorText(html: string): string | null {
  const m = /<p class="error" role="alert">([\s\S]*?)<\/p>/.exec(html);
  return m ? m[1]!.trim() : null;
}
