// Is this reply really from the approver's own mail system? Used when APPROVAL_DKIM=required.
// A reply passes only with a DKIM signature that verifies, covers the whole body and the From,
// Subject (which carries the token) and Content-Type fields, and whose signing domain is the
// domain of the approver's registered address (or that domain's organisational parent) — an
// attacker's own domain passing DKIM and DMARC for the attacker's own From proves nothing.
//
// Authentication-Results (RFC 8601) are believed only as the receiving server wrote them: the
// topmost instance, carrying TRUSTED_AUTHSERV_ID, and only if no other instance in the message
// carries that id — the receiving server must remove instances with its own id from incoming
// mail (OpenDMARC and rspamd do), so a second one means a sender wrote one and it went through.
import { authenticate } from "mailauth";
import { getDomain } from "tldts";
import { fieldValues, mailboxes, type HeaderBlock } from "../extract/header-block.js";

export type DnsResolver = (name: string, rr: string) => Promise<unknown>;

export interface AuthPolicy {
  dkim: "off" | "required";
  trustedAuthservId: string | null;
}

export interface AuthVerdict {
  ok: boolean;
  /** How the verdict was reached, or why it failed (Chinese, shown to the approver and audited). */
  reason: string;
  via: "authentication-results" | "dkim" | "none";
}

/** The signing domain may be the approver's domain or its organisational domain (relaxed alignment upward only). */
export function alignedToApprover(signingDomain: string, approverDomain: string): boolean {
  const d = signingDomain.toLowerCase().replace(/\.$/, "");
  const a = approverDomain.toLowerCase();
  if (d === a) return true;
  return a.endsWith(`.${d}`) && getDomain(a) === d;
}

/** RFC 8601 resinfo values of one Authentication-Results field, comments removed. */
export function parseAuthResults(value: string): { authservId: string; results: Array<{ method: string; result: string; props: Record<string, string> }> } {
  let v = value;
  // Comments, possibly nested: (p=reject sp=reject) and the like.
  for (let i = 0; i < 5 && /\([^()]*\)/.test(v); i++) v = v.replace(/\([^()]*\)/g, " ");
  const [id = "", ...rest] = v.split(";");
  const authservId = id.trim().split(/\s+/)[0]!.toLowerCase();
  const results = rest
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const tokens = s.split(/\s+/);
      const [method = "", result = ""] = (tokens.shift() ?? "").split("=");
      const props: Record<string, string> = {};
      for (const t of tokens) {
        const eq = t.indexOf("=");
        if (eq > 0) props[t.slice(0, eq).toLowerCase()] = t.slice(eq + 1).replace(/^"|"$/g, "").toLowerCase();
      }
      return { method: method.toLowerCase().split("/")[0]!, result: result.toLowerCase(), props };
    });
  return { authservId, results };
}

/** The receiving server's verdict, if the header block carries one that can be believed. */
function trustedResults(block: HeaderBlock, trusted: string, approverDomain: string): AuthVerdict | null {
  const all = fieldValues(block, "authentication-results").map(parseAuthResults);
  const id = trusted.toLowerCase();
  const mine = all.filter((r) => r.authservId === id);
  if (!mine.length) return null;
  if (all[0]!.authservId !== id) return { ok: false, via: "none", reason: `带有本机服务器标识 ${trusted} 的认证结果不在最上方，可能由发件人写入，不予采信` };
  if (mine.length > 1) return { ok: false, via: "none", reason: `邮件中有 ${mine.length} 个带有本机服务器标识 ${trusted} 的认证结果，无法判断哪一个由本机服务器写入` };
  const r = all[0]!.results;
  const dmarc = r.find((x) => x.method === "dmarc");
  const dkim = r.filter((x) => x.method === "dkim" && x.result === "pass");
  const fromOk = dmarc?.result === "pass" && (dmarc.props["header.from"] ?? "") === approverDomain;
  const signer = dkim.find((x) => alignedToApprover(x.props["header.d"] ?? (x.props["header.i"] ?? "").replace(/^.*@/, ""), approverDomain));
  if (fromOk && signer) return { ok: true, via: "authentication-results", reason: `本机邮件服务器 ${trusted}：DKIM 通过（${signer.props["header.d"] ?? signer.props["header.i"]}），DMARC 通过（${approverDomain}）` };
  return {
    ok: false,
    via: "authentication-results",
    reason: `本机邮件服务器 ${trusted} 的认证结果不是“审批人所在域 ${approverDomain} 的 DKIM 与 DMARC 均通过”（dkim=${dkim.map((x) => x.props["header.d"] ?? "?").join(",") || (r.find((x) => x.method === "dkim")?.result ?? "无")}，dmarc=${dmarc?.result ?? "无"}${dmarc?.props["header.from"] ? ` header.from=${dmarc.props["header.from"]}` : ""}）`,
  };
}

interface DkimRow {
  signingDomain?: string;
  status?: { result?: string; underSized?: number; comment?: string };
  signingHeaders?: { keys?: string };
  canonBodyLengthLimited?: boolean;
}

/**
 * The verdict on a reply that claims to come from `approverEmail`. `block` is the strict reading
 * the identity check already accepted; mailauth reads the same bytes, and its From must agree.
 */
export async function verifyApproverMail(raw: Buffer, block: HeaderBlock, approverEmail: string, policy: AuthPolicy, resolver?: DnsResolver): Promise<AuthVerdict> {
  const approverDomain = approverEmail.split("@")[1]!.toLowerCase();
  let arNote = "";
  if (policy.trustedAuthservId) {
    const v = trustedResults(block, policy.trustedAuthservId, approverDomain);
    if (v?.via === "authentication-results") return v;
    // Not believable (or absent): verified here instead, and the reason kept for the record.
    if (v) arNote = `${v.reason}；`;
  }
  const res = await authenticate(raw, { resolver: resolver as never, disableArc: true, disableBimi: true, disableDmarc: true, trustReceived: false });
  const headerFrom = ((res.dkim as { headerFrom?: string[] }).headerFrom ?? []).map((a) => a.toLowerCase());
  if (headerFrom.length !== 1 || headerFrom[0] !== approverEmail.toLowerCase())
    return { ok: false, via: "dkim", reason: `${arNote}DKIM 校验程序读到的发件人（${headerFrom.join("、") || "无"}）与审批人登记的邮箱不一致` };
  const hasContentType = fieldValues(block, "content-type").length > 0;
  const rows = (res.dkim?.results ?? []) as DkimRow[];
  const failures: string[] = [];
  for (const r of rows) {
    const d = (r.signingDomain ?? "").toLowerCase();
    if (r.status?.result !== "pass") {
      failures.push(d ? `${d}：${r.status?.result ?? "无结果"}${r.status?.comment ? `（${r.status.comment}）` : ""}` : "没有 DKIM 签名");
      continue;
    }
    if (!alignedToApprover(d, approverDomain)) {
      failures.push(`${d}：签名有效，但不是审批人所在域 ${approverDomain} 的签名`);
      continue;
    }
    const signed = new Set((r.signingHeaders?.keys ?? "").toLowerCase().split(":").map((k) => k.trim()));
    const missing = ["from", "subject", ...(hasContentType ? ["content-type"] : [])].filter((k) => !signed.has(k));
    if (missing.length) {
      failures.push(`${d}：签名未覆盖 ${missing.join("、")} 字段`);
      continue;
    }
    if (r.canonBodyLengthLimited && r.status.underSized) {
      failures.push(`${d}：签名只覆盖正文的一部分（l= 标签），其后有 ${r.status.underSized} 字节未签名`);
      continue;
    }
    return { ok: true, via: "dkim", reason: `${arNote}DKIM 签名通过（${d}，覆盖发件人、主题与全部正文）` };
  }
  return { ok: false, via: "dkim", reason: `${arNote}没有审批人所在域 ${approverDomain} 的有效 DKIM 签名（${failures.join("；") || "没有 DKIM 签名"}）` };
}

/** The single From of the strict reading equals `email`. */
export function fromIs(block: HeaderBlock, email: string): boolean {
  const f = fieldValues(block, "from");
  return f.length === 1 && mailboxes(f[0]!).join(",") === email.toLowerCase();
}
