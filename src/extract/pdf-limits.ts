// Limits of a PDF before pdf.js reads it. pdf.js bounds the images it decodes (maxImageSize)
// but nothing else: a 9.3 KB mail carried a PDF whose content stream was Flate-compressed twice
// ([/FlateDecode /FlateDecode], about a million to one), and pdf.js inflated and parsed it for
// 114 s in 6.2 GB before giving up with an empty text. So every stream that is not an image —
// content streams, object streams, fonts, XMP — is decoded here first, through the filters
// that can expand (Flate, ASCIIHex, ASCII85, RunLength), each with a cap on its output, and the
// decoded bytes of all of them together are held to LIMIT_PDF_DECODED_BYTES. Image streams are
// left to pdf.js's own pixel limit. Pure: bytes and limits in, a refusal (Chinese) or null out.
import zlib from "node:zlib";

export class PdfRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PdfRefused";
  }
}

export interface PdfScan {
  streams: number;
  decodedBytes: number;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${Math.round((n / MB) * 10) / 10} MB`;

/** The names in a /Filter entry, in order (a name or an array of names). */
function filters(dict: string): string[] {
  const m = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dict);
  if (!m) return [];
  return [...m[1]!.matchAll(/\/([A-Za-z0-9]+)/g)].map((x) => x[1]!);
}

function asciiHex(data: Buffer): Buffer {
  const hex = data.toString("latin1").replace(/[^0-9a-fA-F]/g, "");
  return Buffer.from(hex.length % 2 ? `${hex}0` : hex, "hex");
}

function ascii85(data: Buffer, cap: number): Buffer {
  const s = data.toString("latin1").replace(/\s+/g, "").replace(/^<~/, "").replace(/~>.*$/, "");
  const out: number[] = [];
  let group: number[] = [];
  const flush = (n: number) => {
    let v = 0;
    for (let i = 0; i < 5; i++) v = v * 85 + (group[i] ?? 84);
    for (let i = 0; i < n; i++) out.push((v >>> (24 - 8 * i)) & 0xff);
    group = [];
  };
  for (const ch of s) {
    if (ch === "z" && group.length === 0) {
      out.push(0, 0, 0, 0);
    } else {
      const c = ch.charCodeAt(0) - 33;
      if (c < 0 || c > 84) continue;
      group.push(c);
      if (group.length === 5) flush(4);
    }
    if (out.length > cap) throw new RangeError("cap");
  }
  if (group.length) flush(group.length - 1);
  return Buffer.from(out);
}

/** RunLength output length without producing it (a 2-byte run can claim 128 bytes). */
function runLengthSize(data: Buffer): number {
  let n = 0;
  for (let i = 0; i < data.length; ) {
    const len = data[i]!;
    if (len === 128) break;
    if (len < 128) {
      n += len + 1;
      i += len + 2;
    } else {
      n += 257 - len;
      i += 2;
    }
  }
  return n;
}

/**
 * Decodes each non-image stream of the file through its expanding filters; throws PdfRefused
 * when a stream or all of them together decode to more than `maxDecodedBytes`.
 */
export function checkPdfStreams(pdf: Buffer, maxDecodedBytes: number): PdfScan {
  const text = pdf.toString("latin1");
  const re = /\bstream(?:\r\n|\n|\r)/g;
  let decoded = 0;
  let streams = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    // The stream's dictionary: back to the "obj" that opens it (within a few KB).
    const back = text.lastIndexOf("obj", m.index);
    const dict = back >= 0 && m.index - back < 16_384 ? text.slice(back, m.index) : "";
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    re.lastIndex = end + 9;
    streams++;
    if (/\/Subtype\s*\/Image\b/.test(dict)) continue; // pdf.js bounds images by their pixels
    const chain = filters(dict);
    let data: Buffer = pdf.subarray(start, end);
    const left = () => maxDecodedBytes - decoded;
    try {
      for (const f of chain) {
        if (f === "FlateDecode" || f === "Fl") data = zlib.inflateSync(data, { maxOutputLength: Math.max(1, left()), finishFlush: zlib.constants.Z_SYNC_FLUSH });
        else if (f === "ASCIIHexDecode" || f === "AHx") data = asciiHex(data);
        else if (f === "ASCII85Decode" || f === "A85") data = ascii85(data, left());
        else if (f === "RunLengthDecode" || f === "RL") {
          const size = runLengthSize(data);
          if (size > left()) throw new RangeError("cap");
          decoded += size - data.length;
          break;
        } else break; // LZW, image and crypt filters: pdf.js decodes those, bounded by the memory cap
      }
    } catch (err) {
      if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
        throw new PdfRefused(`PDF 第 ${streams} 个数据流解压后超过 ${mb(maxDecodedBytes)}（已解压 ${mb(decoded)}），疑似压缩炸弹，未读取`);
      // Damaged or encrypted data: pdf.js decides what it makes of it; counted as it stands.
    }
    decoded += data.length;
    if (decoded > maxDecodedBytes) throw new PdfRefused(`PDF 各数据流解压后共超过 ${mb(maxDecodedBytes)}，疑似压缩炸弹，未读取`);
  }
  return { streams, decodedBytes: decoded };
}
