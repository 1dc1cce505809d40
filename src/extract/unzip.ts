// The one bounded unzip of the gateway: DOCX, XLSX, OFD and ZIP attachments are all ZIP files,
// and every one of them is opened here, never by a library that inflates a whole archive into
// memory first (mammoth and exceljs use JSZip, which does). A refusal is an ArchiveRefused with a
// Chinese message and a code; the caller records it on the part ("未能检查") and moves on.
//
// Checked, in this order, before or while inflating:
//   - the entry count of the central directory (before reading any entry);
//   - each entry's declared size, the sum of the declared sizes, and the declared ratio;
//   - while streaming: the bytes actually inflated, per entry and in total, and the actual
//     ratio — a ZIP may lie in its headers (a "zip bomb" declares 1 KB and inflates to 4 GB),
//     so the declared figures are a first filter and the counted ones decide;
//   - encrypted entries and unsupported compression methods (refused: nothing can be screened).
// Pure: bytes and limits in, entries out; no DB, no files (issue #15 runs it in a worker process).
import type { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { decodeFileName } from "./text.js";

export interface ArchiveLimits {
  /** Entries in one archive (directories included, as the central directory counts them). */
  entries: number;
  /** Inflated bytes of one entry. */
  entryBytes: number;
  /** Inflated bytes of the whole archive (of the entries read). */
  totalBytes: number;
  /** Inflated size ÷ compressed size of an entry above RATIO_FLOOR bytes. */
  ratio: number;
}

/** Small entries may compress very well (an XML of repeated tags); the ratio is a bomb's mark only in bulk. */
export const RATIO_FLOOR = 1024 * 1024;

export type ArchiveRefusal = "ZIP_INVALID" | "ZIP_SIZE_MISMATCH" | "ZIP_TOO_MANY_ENTRIES" | "ZIP_ENTRY_TOO_LARGE" | "ZIP_TOO_LARGE" | "ZIP_RATIO" | "ZIP_ENCRYPTED" | "ZIP_UNSUPPORTED";

export class ArchiveRefused extends Error {
  constructor(
    readonly code: ArchiveRefusal,
    message: string,
  ) {
    super(message);
    this.name = "ArchiveRefused";
  }
}

export interface ArchiveEntry {
  /** The entry's path inside the archive, decoded (UTF-8 flag, Info-ZIP Unicode path, else UTF-8 or GB18030). */
  name: string;
  content: Buffer;
  compressedSize: number;
}

export interface UnzipOptions {
  /** Which entries to inflate (the others are listed by name only); default: all files. */
  want?: (name: string) => boolean;
}

export interface Unzipped {
  entries: ArchiveEntry[];
  /** Names of the file entries that were not inflated (filtered out by `want`). */
  skipped: string[];
}

const open = (buf: Buffer): Promise<ZipFile> =>
  new Promise((resolve, reject) =>
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (err, zf) => (err || !zf ? reject(err ?? new Error("no zip")) : resolve(zf))),
  );

/** The entry's name from its raw bytes: yauzl would read a name without the UTF-8 flag as CP437, Chinese Windows tools write GBK. */
function entryName(e: Entry): string {
  const unicode = e.extraFields.find((f) => f.id === 0x7075 && f.data.length > 5 && f.data[0] === 1);
  if (unicode) return unicode.data.subarray(5).toString("utf8");
  return decodeFileName(e.fileNameRaw, (e.generalPurposeBitFlag & 0x800) !== 0);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Opens a ZIP within the limits and returns the inflated entries. Throws ArchiveRefused on any
 * limit, on encryption and on a damaged archive; nothing is returned half-read.
 */
export async function unzipBounded(buf: Buffer, limits: ArchiveLimits, opts: UnzipOptions = {}): Promise<Unzipped> {
  let zf: ZipFile;
  try {
    zf = await open(buf);
  } catch (err) {
    throw new ArchiveRefused("ZIP_INVALID", `压缩包无法打开：${(err as Error).message}`);
  }
  if (zf.entryCount > limits.entries) {
    zf.close();
    throw new ArchiveRefused("ZIP_TOO_MANY_ENTRIES", `压缩包含 ${zf.entryCount} 个条目，超过限制 ${limits.entries} 个`);
  }
  const entries: ArchiveEntry[] = [];
  const skipped: string[] = [];
  let declaredTotal = 0;
  let inflatedTotal = 0;
  try {
    for (;;) {
      const e = await nextEntry(zf);
      if (!e) break;
      if (e.fileName.endsWith("/")) continue; // a directory
      const name = entryName(e);
      if (opts.want && !opts.want(name)) {
        skipped.push(name);
        continue;
      }
      if (e.isEncrypted()) throw new ArchiveRefused("ZIP_ENCRYPTED", `压缩包条目「${name}」已加密，无法检查内容`);
      if (e.compressionMethod !== 0 && e.compressionMethod !== 8)
        throw new ArchiveRefused("ZIP_UNSUPPORTED", `压缩包条目「${name}」使用不支持的压缩方式（${e.compressionMethod}）`);
      if (e.uncompressedSize > limits.entryBytes)
        throw new ArchiveRefused("ZIP_ENTRY_TOO_LARGE", `压缩包条目「${name}」解压后 ${mb(e.uncompressedSize)}，超过单个条目限制 ${mb(limits.entryBytes)}`);
      declaredTotal += e.uncompressedSize;
      if (declaredTotal > limits.totalBytes)
        throw new ArchiveRefused("ZIP_TOO_LARGE", `压缩包解压后超过总量限制 ${mb(limits.totalBytes)}`);
      if (e.uncompressedSize > RATIO_FLOOR && e.uncompressedSize / Math.max(1, e.compressedSize) > limits.ratio)
        throw new ArchiveRefused("ZIP_RATIO", `压缩包条目「${name}」压缩比 ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1，超过限制 ${limits.ratio}:1（疑似压缩炸弹）`);
      const content = await inflate(zf, e, name, limits, () => inflatedTotal, (n) => (inflatedTotal += n));
      entries.push({ name, content, compressedSize: e.compressedSize });
    }
  } finally {
    zf.close();
  }
  return { entries, skipped };
}

function nextEntry(zf: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (err: Error) => (cleanup(), reject(err instanceof ArchiveRefused ? err : new ArchiveRefused("ZIP_INVALID", `压缩包已损坏：${err.message}`)));
    const cleanup = () => {
      zf.off("entry", onEntry);
      zf.off("end", onEnd);
      zf.off("error", onError);
    };
    zf.on("entry", onEntry);
    zf.on("end", onEnd);
    zf.on("error", onError);
    zf.readEntry();
  });
}

/** Streams one entry, counting what is actually inflated; stops at the first limit. */
function inflate(zf: ZipFile, e: Entry, name: string, limits: ArchiveLimits, total: () => number, add: (n: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zf.openReadStream(e, (err, stream) => {
      if (err || !stream) return reject(new ArchiveRefused("ZIP_INVALID", `压缩包条目「${name}」无法读取：${err?.message ?? ""}`));
      const chunks: Buffer[] = [];
      let size = 0;
      const stop = (refusal: ArchiveRefused) => {
        (stream as Readable).destroy();
        reject(refusal);
      };
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        add(chunk.length);
        if (size > limits.entryBytes) return stop(new ArchiveRefused("ZIP_ENTRY_TOO_LARGE", `压缩包条目「${name}」解压后超过单个条目限制 ${mb(limits.entryBytes)}（实际解压量超出声明）`));
        if (total() > limits.totalBytes) return stop(new ArchiveRefused("ZIP_TOO_LARGE", `压缩包解压后超过总量限制 ${mb(limits.totalBytes)}`));
        if (size > RATIO_FLOOR && size / Math.max(1, e.compressedSize) > limits.ratio)
          return stop(new ArchiveRefused("ZIP_RATIO", `压缩包条目「${name}」实际压缩比超过 ${limits.ratio}:1（疑似压缩炸弹）`));
        chunks.push(chunk);
      });
      stream.on("error", (e2: Error) => {
        if (e2 instanceof ArchiveRefused) return reject(e2);
        // yauzl's validateEntrySizes: the entry inflates to more (or less) than its header declares.
        if (/too (many|few) bytes/.test(e2.message))
          return reject(new ArchiveRefused("ZIP_SIZE_MISMATCH", `压缩包条目「${name}」实际解压量与声明的 ${e.uncompressedSize} 字节不符（疑似压缩炸弹）`));
        reject(new ArchiveRefused("ZIP_INVALID", `压缩包条目「${name}」已损坏：${e2.message}`));
      });
      stream.on("end", () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** True when the bytes start like a ZIP (local file header or an empty archive's end record). */
export function looksLikeZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6);
}
