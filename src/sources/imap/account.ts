// An IMAP account as IMAP_URL gives it: parsed, redacted for logs, named for its Mailbox row.
import fs from "node:fs";
import path from "node:path";
import { errorMessage } from "../../domain/errors.js";

export interface ImapAccount {
  host: string;
  port: number;
  /** Implicit TLS (imaps://). */
  secure: boolean;
  /** imap:// only: true = STARTTLS required, false = never, undefined = when offered. */
  starttls: boolean | undefined;
  /** Accept a certificate that does not verify (self-signed servers in closed networks). */
  insecureTls: boolean;
  user: string;
  pass: string | null;
  /** OAuth2 access token (Exchange Online, …) instead of a password. */
  accessToken: string | null;
  /**
   * A file holding the current OAuth2 access token, read at every connect: tokens expire within
   * about an hour, and whatever refreshes them (a cron job, a sidecar) rewrites this file.
   */
  tokenFile: string | null;
  /** The folder the gateway takes submissions from. */
  folder: string;
}

export type ParsedImapUrl = { ok: true; account: ImapAccount } | { ok: false; error: string };

/**
 * imap://user:pass@host:port/INBOX, imaps://…; `?auth=xoauth2` takes the password part as an
 * OAuth2 access token, or `?auth=xoauth2&token_file=/path` reads it from a file at every connect; `?starttls=required|never`; `?tls=insecure` skips certificate checks.
 * User, password and folder are percent-decoded (a folder like 报送 is written %E6%8A%A5%E9%80%81).
 */
export function parseImapUrl(url: string): ParsedImapUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, error: `IMAP 地址格式错误：${redactUrl(url)}` };
  }
  const secure = u.protocol === "imaps:";
  if (!secure && u.protocol !== "imap:") return { ok: false, error: `IMAP 地址须以 imap:// 或 imaps:// 开头：${redactUrl(url)}` };
  if (!u.hostname) return { ok: false, error: "IMAP 地址缺少服务器名" };
  if (!u.username) return { ok: false, error: "IMAP 地址缺少用户名" };
  const secret = u.password ? decodeURIComponent(u.password) : null;
  const oauth = (u.searchParams.get("auth") ?? "").toLowerCase() === "xoauth2";
  // Read from the raw query and percent-decoded only: URLSearchParams would turn a "+" of the
  // path into a space.
  const tokenParam = /(?:^\?|&)token_file=([^&]*)/.exec(u.search)?.[1];
  let tokenFile: string | null;
  try {
    tokenFile = tokenParam ? decodeURIComponent(tokenParam) : null;
  } catch {
    // malformed percent-encoding: refused with the reason
    return { ok: false, error: "token_file 的路径编码有误（路径中的 % + & # 空格请写作 %25 %2B %26 %23 %20）" };
  }
  if (tokenFile && !oauth) return { ok: false, error: "token_file 只用于 XOAUTH2（请同时写 auth=xoauth2）" };
  if (tokenFile && !path.isAbsolute(tokenFile)) return { ok: false, error: `token_file 须为绝对路径：${tokenFile}` };
  if (tokenFile && secret) return { ok: false, error: "访问令牌只能有一个来源：密码位置或 token_file，不能两者都写" };
  if (oauth && !tokenFile && !secret) return { ok: false, error: "XOAUTH2 需要访问令牌：写在密码位置，或用 token_file 指定令牌文件" };
  if (!oauth && !secret) return { ok: false, error: "IMAP 地址缺少密码（或用 auth=xoauth2 以令牌登录）" };
  const starttlsParam = (u.searchParams.get("starttls") ?? "").toLowerCase();
  const folder = decodeURIComponent(u.pathname.replace(/^\/+/, "")) || "INBOX";
  const host = u.hostname.replace(/^\[|\]$/g, "");
  // On loopback (a local Dovecot, a stunnel in front of the real server) there is no wire to protect.
  const loopback = host === "localhost" || host === "::1" || /^127\./.test(host);
  return {
    ok: true,
    account: {
      host,
      port: u.port ? Number(u.port) : secure ? 993 : 143,
      secure,
      starttls: starttlsParam === "required" ? true : starttlsParam === "never" || loopback ? false : undefined,
      insecureTls: (u.searchParams.get("tls") ?? "").toLowerCase() === "insecure",
      user: decodeURIComponent(u.username),
      pass: oauth ? null : secret,
      accessToken: oauth ? secret : null,
      tokenFile,
      folder,
    },
  };
}

/** The access token as it is now: from the token file when there is one (refreshed by someone else), else from the URL. */
export function readToken(a: ImapAccount): string {
  if (!a.tokenFile) return a.accessToken ?? "";
  let token: string;
  try {
    token = fs.readFileSync(a.tokenFile, "utf8").trim();
  } catch (err) {
    throw new Error(`XOAUTH2 令牌文件 ${a.tokenFile} 无法读取：${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { cause: err });
  }
  if (!token) throw new Error(`XOAUTH2 令牌文件 ${a.tokenFile} 为空`);
  return token;
}

/**
 * The URL without its password, for logs and error messages. One that cannot be parsed is not
 * shown at all: where its password ends cannot be known.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    if (u.password) u.password = "***";
    // Readable: a folder like 报送 shown as such (decodeURI leaves @ : / ? # & encoded).
    try {
      return decodeURI(u.href);
    } catch {
      return u.href;
    }
  } catch {
    return `${/^[a-z][a-z0-9+.-]*:\/\//i.exec(url.trim())?.[0] ?? ""}…（无法解析，不予显示）`;
  }
}

/** Name of the Mailbox row: one per account and folder. */
export function mailboxName(a: ImapAccount): string {
  return `imap:${a.user}@${a.host}:${a.port}/${a.folder}`;
}

