// A structural pre-scan of a raw message, before mailparser sees it: counts MIME parts and
// nesting depth by following boundaries, so a hostile message (thousands of parts, deep
// nesting) is refused with a clear error instead of exhausting memory in the parser.
export interface Structure {
  parts: number;
  depth: number;
  unclosed: boolean;
}

export function scanStructure(raw: Buffer): Structure {
  // latin1 keeps every byte as one char: boundaries are ASCII, the rest is irrelevant here.
  const text = raw.toString("latin1");
  const lines = text.split(/\r?\n/);
  const stack: string[] = [];
  let inHeader = true;
  let header = "";
  let parts = 1;
  let depth = 0;
  const onHeaderEnd = () => {
    const ct = /content-type:\s*multipart\/[^;]*;[\s\S]*?boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(header);
    if (ct) {
      stack.push((ct[1] ?? ct[2])!);
      depth = Math.max(depth, stack.length);
    }
    header = "";
  };
  for (const line of lines) {
    if (inHeader) {
      if (line === "") {
        inHeader = false;
        onHeaderEnd();
      } else header += line + "\n";
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
