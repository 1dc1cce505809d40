// IMAP errors as the operator reads them (one line, the server's words, what to do about a
// certificate) and as the intake acts on them (a refused sign-in, throttling, a new UIDVALIDITY).
import type { ImapFlowError } from "imapflow";
import { errorMessage } from "../../domain/errors.js";

/** An error as one line for logs and the Mailbox row: imapflow's message plus the server's words. */
export function describeError(err: unknown): string {
  const e = err as ImapFlowError | undefined;
  const msg = errorMessage(err);
  const code = e?.code && !msg.includes(e.code) ? ` [${e.code}]` : "";
  const server = e?.responseText && !msg.includes(e.responseText) ? `（服务器：${e.responseText}）` : "";
  return certificateHint(String(e?.code ?? "")) + msg + code + server;
}

/** What an operator can do about a server certificate the gateway does not accept, by error code. */
export function certificateHint(code: string): string {
  if (/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/.test(code))
    return "服务器证书无法验证：若为内部 CA 签发，请以 NODE_EXTRA_CA_CERTS 指定该 CA 证书；也可能是服务器未发送中间证书。确需不验证，在地址后加 ?tls=insecure。";
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return "服务器证书不在有效期内：请服务器管理员更换证书，并核对本机时钟。";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "服务器证书与地址中的服务器名不符：请使用证书上的服务器名（而非 IP 地址或别名）。";
  return "";
}

/** The server refused the credentials (LOGIN or AUTHENTICATE answered NO). */
export function isAuthFailure(err: unknown): boolean {
  return (err as { authenticationFailed?: unknown } | undefined)?.authenticationFailed === true;
}

/**
 * A refused sign-in. Not retried at once: the credentials will not have changed, and repeated
 * failures lock the account on Exchange and Coremail.
 */
export class ImapAuthFailed extends Error {
  readonly authenticationFailed = true;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "ImapAuthFailed";
  }
}

/** Is this error the server's "Request is throttled. Suggested Backoff Time: N milliseconds"? */
export function throttleDelayMs(err: unknown): number | null {
  const e = err as ImapFlowError | undefined;
  if (!e || e.code !== "ETHROTTLE" || typeof e.throttleReset !== "number") return null;
  // imapflow already waited part of the hint before rejecting.
  return Math.max(0, e.throttleReset - (e.throttleWaited ?? 0));
}


export class UidValidityChanged extends Error {
  constructor(
    readonly expected: bigint,
    readonly actual: bigint | null,
  ) {
    super(`文件夹 UIDVALIDITY 已由 ${expected} 变为 ${actual ?? "（未选中）"}，本批不移动，下一轮按新编号重新扫描`);
    this.name = "UidValidityChanged";
  }
}
