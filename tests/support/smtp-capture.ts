// A capturing SMTP server (npm smtp-server, by the authors of nodemailer) on a loopback port:
// the gateway's outbound mail really goes over SMTP and is parsed back here.
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";

export interface CapturedMail {
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/** `delayMs`: how long the server takes to accept each message (to make overlapping senders overlap). */
export async function startSmtpCapture(opts: { delayMs?: number } = {}): Promise<{ url: string; mails: CapturedMail[]; stop(): Promise<void>; waitFor(pred: (m: CapturedMail) => boolean, ms?: number): Promise<CapturedMail> }> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        new Promise((ok) => setTimeout(ok, opts.delayMs ?? 0))
          .then(() => simpleParser(raw))
          .then((parsed) => {
            mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw, parsed });
            cb();
          })
          .catch(cb);
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    stop: () => new Promise((ok) => server.close(() => ok())),
    async waitFor(pred, ms = 10_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const m = mails.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("expected mail did not arrive over SMTP");
    },
  };
}
