// One strict reading of a message's header block (RFC 5322 §2.2, §3.6), shared by everything
// that decides on who sent a message: the approver check and the DKIM check of approval replies,
// and the unit of a submission. Parsers disagree on malformed headers — mailparser took a line
// starting with a vertical tab as a new `From:`, mailauth's DKIM verifier folded the same line
// into the header above and verified the attacker's own From — so a header block that two
// readers could read differently is refused here, with the reason, instead of being read at all.
import addressparser from "nodemailer/lib/addressparser";

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded value, decoded as latin1 bytes (callers decode encoded words themselves). */
  value: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Why the block cannot be read with certainty (Chinese, for the approver and the audit). Empty when strict. */
  problems: string[];
  /** The raw text of each malformed line, in the order of `problems` entries about lines. */
  malformed: Array<{ problem: string; line: string }>;
}

/** Longest header block read (a real one is a few KB; Received chains rarely pass 20 KB). */
const MAX_HEADER_BYTES = 256 * 1024;

/** RFC 5322 field-name: printable US-ASCII except ":" — then the colon, with nothing between. */
const FIELD = /^([\x21-\x39\x3b-\x7e]+):/;

const describeByte = (b: number): string =>
  b === 0x0b ? "垂直制表符（0x0B）" : b === 0x0c ? "换页符（0x0C）" : b === 0xa0 ? "不换行空格字节（0xA0）" : b < 0x20 || b === 0x7f ? `控制字符（0x${b.toString(16).padStart(2, "0").toUpperCase()}）` : b > 0x7f ? `非 ASCII 字节（0x${b.toString(16).toUpperCase()}）` : `“${String.fromCharCode(b)}”`;

export function readHeaderBlock(raw: Buffer): HeaderBlock {
  const problems: string[] = [];
  const malformed: Array<{ problem: string; line: string }> = [];
  // The block ends at the first empty line (CRLF CRLF, or LF LF in Maildir files with LF ends).
  let end = -1;
  for (let i = 0; i < Math.min(raw.length, MAX_HEADER_BYTES); i++) {
    if (raw[i] === 0x0a && (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a))) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) {
    if (raw.length > MAX_HEADER_BYTES) problems.push(`邮件头超过 ${MAX_HEADER_BYTES / 1024} KB 仍未结束`);
    end = Math.min(raw.length, MAX_HEADER_BYTES);
  }
  const head = raw.subarray(0, end);
  if (head.includes(0)) problems.push("邮件头中含有 NUL 字节");
  for (let i = 0; i < head.length; i++) {
    if (head[i] === 0x0d && head[i + 1] !== 0x0a) {
      problems.push("邮件头中含有单独的回车符（CR），各程序对它的断行理解不同");
      break;
    }
  }

  const fields: HeaderField[] = [];
  const lines = head.toString("latin1").split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  for (const [n, line] of lines.entries()) {
    if (line === "") continue;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Continuation (folding whitespace): only SP and HTAB count as such.
      const last = fields.at(-1);
      if (!last) problems.push("邮件头第一行是续行");
      else last.value += line;
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) {
      const c = /^[\x21-\x39\x3b-\x7e]+[ \t]+:/.test(line)
        ? "字段名与冒号之间有空格"
        : FIELD.test(line.replace(/^[^\x21-\x39\x3b-\x7e]+/, ""))
          ? `以${describeByte(first)}开头`
          : "不是“字段名: 值”的形式";
      const problem = `邮件头第 ${n + 1} 行${c}（${JSON.stringify(line.slice(0, 40))}）`;
      problems.push(problem);
      malformed.push({ problem, line });
      continue;
    }
    fields.push({ name: m[1]!.toLowerCase(), value: line.slice(m[0].length) });
  }
  for (const f of fields) f.value = f.value.replace(/\r?\n(?=[ \t])/g, "").trim();
  return { fields, problems, malformed };
}

export const fieldValues = (b: HeaderBlock, name: string): string[] => b.fields.filter((f) => f.name === name).map((f) => f.value);

/** Fields whose doubling makes the sender, the subject (the token) or the thread ambiguous. */
const SINGLE = ["from", "sender", "subject", "message-id", "in-reply-to", "references", "content-type", "content-transfer-encoding", "mime-version"];

export interface Identity {
  /** The one mailbox of the one From field, lower-case; null when there is none or it is ambiguous. */
  from: string | null;
  /** Why the sender cannot be known with certainty (empty when it can). */
  problems: string[];
}

/** Addresses of a From/Sender value, groups flattened; encoded words are irrelevant to addresses. */
export function mailboxes(value: string): string[] {
  const out: string[] = [];
  const walk = (list: ReturnType<typeof addressparser>) => {
    for (const a of list) {
      if ("group" in a && a.group) {
        out.push("(group)");
        walk(a.group);
      } else if ("address" in a) out.push((a.address ?? "").trim().toLowerCase());
    }
  };
  walk(addressparser(value));
  return out;
}

/**
 * Who sent this message, read strictly: one From field with one mailbox, a Sender (if any) that
 * is the same mailbox, no identity field twice, and a header block without lines other readers
 * would split differently.
 */
export function identityOf(block: HeaderBlock, opts: { onlyIdentityLines?: boolean } = {}): Identity {
  // onlyIdentityLines (submissions): a broken line matters only if some reader could take it for
  // a From or Sender ("X-Priority 3" from an old mailer does not); an approval takes none.
  const harmless = new Set(opts.onlyIdentityLines ? block.malformed.filter((m) => !/^[^a-z]*(from|sender)\s*:/i.test(m.line)).map((m) => m.problem) : []);
  const problems = block.problems.filter((p) => !harmless.has(p));
  for (const name of SINGLE) {
    const n = fieldValues(block, name).length;
    if (n > 1) problems.push(`邮件头中有 ${n} 个 ${headerLabel(name)} 字段`);
  }
  const froms = fieldValues(block, "from");
  let from: string | null = null;
  if (froms.length === 0) problems.push("邮件没有 From 字段");
  else {
    const boxes = mailboxes(froms[0]!);
    if (boxes.length !== 1 || boxes[0] === "(group)" || !boxes[0]!.includes("@")) problems.push(`From 字段含 ${boxes.filter((b) => b !== "(group)").length} 个地址，应当只有一个`);
    else from = boxes[0]!;
  }
  const senders = fieldValues(block, "sender");
  if (senders.length && from) {
    const s = mailboxes(senders[0]!);
    if (s.length !== 1 || s[0] !== from) problems.push(`Sender 字段（${s.join("、") || "空"}）与 From 字段（${from}）不是同一个地址`);
  }
  return { from: problems.length ? null : from, problems };
}

function headerLabel(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()).replace("Message-Id", "Message-ID").replace("Mime-", "MIME-");
}
