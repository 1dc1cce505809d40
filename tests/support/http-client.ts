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

/**
 * The refusal a page shows: its error box, or — on pages that keep the officer's work (the draft
 * page re-rendered after a refused POST) — the form's message and the messages beside fields, joined.
 */
export function errorText(html: string): string | null {
  const found = [...html.matchAll(/<(p|span) class="(?:error|form-error|field-error)"[^>]*role="alert">([\s\S]*?)<\/\1>/g)].map((m) => m[2]!.trim());
  return found.length ? [...new Set(found)].join(" | ") : null;
}

/**
 * Sets up the second factor for a signed-in client, as a user with an authenticator app would:
 * starts the setup, reads the secret shown beside the QR code, answers with the app's code.
 * Returns the secret and the recovery codes shown once.
 */
export async function enrolSecondFactor(c: Client): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { generateSync } = await import("otplib");
  const page = await (await c.post("/account/second-factor/begin", { _csrf: await c.csrf("/account/second-factor") })).text();
  const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(page)?.[1];
  if (!secret) throw new Error("no TOTP secret on the setup page");
  const done = await (await c.post("/account/second-factor/confirm", { code: generateSync({ secret }), _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! })).text();
  const recoveryCodes = [...done.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  if (recoveryCodes.length !== 10) throw new Error("no recovery codes after setting up the second factor");
  return { secret, recoveryCodes };
}

/** Signs in an administrator the first time: password, then the forced setup of the second factor. */
export async function signInAdministrator(base: string, username: string, password: string): Promise<Client> {
  const c = new Client(base);
  const res = await c.signIn(username, password);
  if (res.headers.get("location") !== "/account/second-factor") throw new Error(`${username}: expected the second-factor setup, got ${res.status} ${res.headers.get("location")}`);
  await enrolSecondFactor(c);
  return c;
}
