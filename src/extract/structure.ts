// A structural pre-scan of a raw message, before mailparser sees it: counts MIME parts and
// nesting depth by following boundaries, so a hostile message (thousands of parts, deep
// nesting) is refused with a clear error instead of exhausting memory in the parser.
//
// The scan must find every boundary the parser will split by, or the limits are bypassed: a
// boundary given in RFC 2231 form (`boundary*=us-ascii''b1`, or continued as `boundary*0=…;
// boundary*1=…`) was invisible to a regular expression for `boundary=`, while mailparser split
// by it, and 300 attachments passed a limit of 100. So the Content-Type is read with libmime's
// parseHeaderValue, the very reader mailparser's splitter (mailsplit) uses, with its comment
// stripping, the first Content-Type of a header block and its rule for what a boundary is
// (ASCII, trailing white space dropped). The body of a message/rfc822 part is a message with
// headers of its own, and its parts count too.
import libmime from "libmime";

export interface Structure {
  parts: number;
  depth: number;
  unclosed: boolean;
}

/** The first Content-Type of a header block (folded lines joined), or null. */
function contentTypeOf(headerLines: string[]): string | null {
  for (let i = 0; i < headerLines.length; i++) {
    const m = /^content-type[ \t]*:(.*)$/i.exec(headerLines[i]!);
    if (!m) continue;
    let value = m[1]!;
    while (i + 1 < headerLines.length && /^[ \t]/.test(headerLines[i + 1]!)) value += ` ${headerLines[++i]!.trim()}`;
    return value;
  }
  return null;
}

/** What a header block opens: a multipart with its boundary, a message/rfc822 body, or a leaf. */
export function readContentType(value: string | null): { kind: "multipart"; boundary: string } | { kind: "message" } | { kind: "leaf" } {
  if (value == null) return { kind: "leaf" };
  let parsed: { value: string; params: Record<string, string> };
  try {
    parsed = libmime.parseHeaderValue(value, { stripComments: true } as never) as { value: string; params: Record<string, string> };
  } catch {
    return { kind: "leaf" }; // an unreadable Content-Type is a leaf for the pre-scan; mailparser's reading decides the rest
  }
  const type = parsed.value.toLowerCase().trim();
  if (type === "message/rfc822") return { kind: "message" };
  if (!type.startsWith("multipart/")) return { kind: "leaf" };
  const boundary = (parsed.params.boundary ?? "").trimEnd();
  // mailsplit ignores a boundary with a non-ASCII character (as Python does): so does the count.
  if (!boundary || Buffer.byteLength(boundary) !== boundary.length) return { kind: "leaf" };
  return { kind: "multipart", boundary };
}

export function scanStructure(raw: Buffer): Structure {
  // latin1 keeps every byte as one char: boundaries are ASCII, the rest is irrelevant here.
  const text = raw.toString("latin1");
  const lines = text.split(/\r?\n/);
  const stack: string[] = [];
  let inHeader = true;
  let header: string[] = [];
  let parts = 1;
  let depth = 0;
  const onHeaderEnd = () => {
    const ct = readContentType(contentTypeOf(header));
    header = [];
    if (ct.kind === "multipart") {
      stack.push(ct.boundary);
      depth = Math.max(depth, stack.length);
      return false;
    }
    // A forwarded message attached whole: its own header block follows at once.
    if (ct.kind === "message") {
      parts++;
      depth = Math.max(depth, stack.length + 1);
      return true;
    }
    return false;
  };
  for (const line of lines) {
    if (inHeader) {
      if (line === "") inHeader = onHeaderEnd();
      else header.push(line);
      continue;
    }
    if (!line.startsWith("--") || stack.length === 0) continue;
    const trimmed = line.trimEnd();
    for (let i = stack.length - 1; i >= 0; i--) {
      const b = stack[i]!;
      if (trimmed === `--${b}--`) {
        stack.length = i; // closes this level and anything left open inside it
        break;
      }
      if (trimmed === `--${b}`) {
        stack.length = i + 1;
        parts++;
        inHeader = true;
        break;
      }
    }
  }
  return { parts, depth, unclosed: stack.length > 0 };
}
