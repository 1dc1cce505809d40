// A TCP proxy in front of the test Dovecot that behaves like the servers the province actually
// has where they differ from Dovecot:
// - Coremail (NetEase 163/126 and many government mail systems) refuses SELECT and EXAMINE with
//   "Unsafe Login" from a client that did not send IMAP ID after logging in — and answers the ID
//   sent before login fully, so a client that repeats ID only after a thin answer does not;
// - Exchange Online answers a command it rate-limits with
//   "BAD Request is throttled. Suggested Backoff Time: N milliseconds".
// Everything else passes through unchanged. The proxy reads the client's commands line by line
// (skipping literals) and answers a refused or throttled command itself, without forwarding it.
// It answers only commands a client sends after the answer to its previous one, as imapflow
// does, so its answer cannot cut into a response of the server's.
import net from "node:net";

export interface QuirksOptions {
  /** Coremail: a full answer to ID before login; SELECT/EXAMINE refused unless ID was sent after LOGIN/AUTHENTICATE. */
  unsafeLoginUnlessIdAfterLogin?: boolean;
  /** Exchange: the first `times` commands whose name is `command` ("UID SEARCH", "UID FETCH") are throttled. */
  throttle?: { command: string; times: number; backoffMs: number };
}

export interface ProxyEvent {
  at: number;
  connection: number;
  /** Command name as sent ("UID SEARCH", "LOGIN"). */
  command: string;
  /** Set when the proxy answered the command itself instead of forwarding it. */
  answered?: "unsafe-login" | "throttled" | "id";
}

export class ImapQuirksProxy {
  readonly events: ProxyEvent[] = [];
  port = 0;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;
  private throttled = 0;

  constructor(
    private readonly upstreamPort: number,
    private readonly opts: QuirksOptions,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.handle(client));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The URL of a Dovecot user, through the proxy. */
  url(user: { user: string; pass: string }, folder = "INBOX"): string {
    return `imap://${encodeURIComponent(user.user)}:${encodeURIComponent(user.pass)}@127.0.0.1:${this.port}/${encodeURIComponent(folder)}`;
  }

  private handle(client: net.Socket): void {
    const id = ++this.connections;
    const upstream = net.connect(this.upstreamPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    upstream.pipe(client);

    let loggedIn = false;
    let idAfterLogin = false;
    let pending = Buffer.alloc(0);
    let literal = 0; // bytes of a client literal still to pass through unread
    let literalLine = false; // the last line ended in a literal: the next line is not a new command
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      for (;;) {
        if (literal > 0) {
          const n = Math.min(literal, pending.length);
          out.push(pending.subarray(0, n));
          pending = pending.subarray(n);
          literal -= n;
          if (literal > 0) break;
          continue;
        }
        const eol = pending.indexOf("\r\n");
        if (eol < 0) break;
        const line = pending.subarray(0, eol + 2);
        pending = pending.subarray(eol + 2);
        const text = line.toString("latin1").trimEnd();
        const lit = /\{(\d+)\+?\}$/.exec(text);
        const continued = literalLine;
        literalLine = !!lit; // the line after this one's literal continues the same command
        if (lit) literal = Number(lit[1]);
        const m = continued ? null : /^(\S+) (UID \S+|\S+)/i.exec(text);
        if (!m) {
          out.push(line);
          continue;
        }
        const tag = m[1]!;
        const command = m[2]!.toUpperCase();
        const event: ProxyEvent = { at: Date.now(), connection: id, command };
        this.events.push(event);
        if (command === "LOGIN" || command === "AUTHENTICATE") loggedIn = true;
        if (command === "ID" && loggedIn) idAfterLogin = true;
        if (lit) {
          out.push(line); // a command with a literal is never answered here: its bytes follow
          continue;
        }
        if (this.opts.unsafeLoginUnlessIdAfterLogin && command === "ID" && !loggedIn) {
          event.answered = "id";
          this.answer(client, upstream, out, `* ID ("name" "Coremail Imap" "vendor" "Mailtech" "TransID" "gw-test-${id}")\r\n${tag} OK ID completed\r\n`);
          continue;
        }
        if (this.opts.unsafeLoginUnlessIdAfterLogin && (command === "SELECT" || command === "EXAMINE") && !idAfterLogin) {
          event.answered = "unsafe-login";
          this.answer(client, upstream, out, `${tag} NO ${command} Unsafe Login. Please contact kefu@188.com for help\r\n`);
          continue;
        }
        const t = this.opts.throttle;
        if (t && command === t.command.toUpperCase() && this.throttled < t.times) {
          this.throttled++;
          event.answered = "throttled";
          this.answer(client, upstream, out, `${tag} BAD Request is throttled. Suggested Backoff Time: ${t.backoffMs} milliseconds\r\n`);
          continue;
        }
        out.push(line);
      }
      if (out.length) upstream.write(Buffer.concat(out));
    });
  }

  /** Forwards what came before the command, then answers the command in the server's place. */
  private answer(client: net.Socket, upstream: net.Socket, before: Buffer[], response: string): void {
    if (before.length) upstream.write(Buffer.concat(before.splice(0)));
    client.write(response);
  }
}
