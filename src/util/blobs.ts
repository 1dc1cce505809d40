// Content-addressed files under DATA_DIR/blobs/ab/cdef…: written once (temp file, fsync, rename:
// neither a crash nor a power cut leaves a half or empty file under a real name, and the commit
// that refers to a blob comes after it), deduplicated by sha256, never in the DB.
// Raw messages that arrive as bytes (IMAP) are written a batch at a time into one pack file,
// DATA_DIR/blobs/packs/<name>, and found through the BlobPack table: creating a file per message
// cost more than anything else of IMAP intake on ext4 (the inode allocator, measured with perf).
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Writes and fsyncs a new file. Its rename into place is metadata, made durable by the journal
 * commit that the database's fsync forces (ext4, XFS) before anything is acknowledged.
 */
function writeDurably(file: string, content: Buffer): void {
  const fd = fs.openSync(file, "wx", 0o600); // the gateway's alone (util/file-modes.ts)
  try {
    for (let done = 0; done < content.length; ) done += fs.writeSync(fd, content, done, content.length - done);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Where a packed blob lies. */
export interface PackEntry {
  sha256: string;
  pack: string;
  offset: number;
  length: number;
}

export class BlobStore {
  private readonly madeDirs = new Set<string>();
  /** `lookup`: the BlobPack row of a sha256, if any. */
  constructor(
    readonly dir: string,
    private readonly lookup: (sha256: string) => PackEntry | null = () => null,
  ) {}

  private ensureDir(target: string): void {
    const d = path.dirname(target);
    if (this.madeDirs.has(d)) return;
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    this.madeDirs.add(d);
  }

  /**
   * Stores a file that already exists on disk, such as a Maildir message: a hard link where
   * possible (Maildir files are never changed in place, only renamed, so the link is a stable
   * copy, and creating a file costs 40 times a link on this kind of ext4), else a copy.
   */
  putFile(file: string, sha256: string): string {
    const target = this.pathOf(sha256);
    if (fs.existsSync(target)) return sha256;
    this.ensureDir(target);
    try {
      fs.linkSync(file, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return sha256;
      if (code !== "EXDEV" && code !== "EPERM" && code !== "ENOTSUP") throw err;
      return this.put(fs.readFileSync(file), sha256);
    }
    // A link shares the delivered file's mode, which the MTA chose: the copy must be private.
    // Where the gateway cannot tighten it (the file is the MTA's), it keeps a private copy instead.
    if ((fs.statSync(target).mode & 0o077) !== 0) {
      try {
        fs.chmodSync(target, 0o600);
      } catch {
        fs.unlinkSync(target);
        return this.put(fs.readFileSync(file), sha256);
      }
    }
    return sha256;
  }

  pathOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2));
  }

  put(content: Buffer, sha256 = createHash("sha256").update(content).digest("hex")): string {
    const target = this.pathOf(sha256);
    if (fs.existsSync(target)) return sha256;
    this.ensureDir(target);
    const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    writeDurably(tmp, content);
    fs.renameSync(tmp, target);
    return sha256;
  }

  /**
   * Writes the blobs not stored yet into one new pack file and returns where each lies; the
   * caller records the entries (BlobPack) before anything refers to them. A pack whose entries
   * never got recorded (a crash in between) is only unused bytes.
   */
  putPack(blobs: Array<{ sha256: string; content: Buffer }>): PackEntry[] {
    const seen = new Set<string>();
    const todo = blobs.filter((b) => !seen.has(b.sha256) && (seen.add(b.sha256), !this.has(b.sha256)));
    if (!todo.length) return [];
    const pack = `${new Date().toISOString().slice(0, 10)}/${Date.now().toString(36)}-${randomBytes(6).toString("hex")}.pack`;
    const target = path.join(this.dir, "packs", pack);
    this.ensureDir(target);
    const entries: PackEntry[] = [];
    let offset = 0;
    for (const b of todo) {
      entries.push({ sha256: b.sha256, pack, offset, length: b.content.length });
      offset += b.content.length;
    }
    const tmp = `${target}.tmp`;
    writeDurably(tmp, Buffer.concat(todo.map((b) => b.content), offset));
    fs.renameSync(tmp, target);
    return entries;
  }

  has(sha256: string): boolean {
    return fs.existsSync(this.pathOf(sha256)) || this.lookup(sha256) != null;
  }

  get(sha256: string): Buffer {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("bad blob id");
    const packed = fs.existsSync(this.pathOf(sha256)) ? null : this.lookup(sha256);
    if (!packed) return fs.readFileSync(this.pathOf(sha256));
    const fd = fs.openSync(path.join(this.dir, "packs", packed.pack), "r");
    try {
      const out = Buffer.alloc(packed.length);
      let read = 0;
      while (read < packed.length) {
        const n = fs.readSync(fd, out, read, packed.length - read, packed.offset + read);
        if (n === 0) throw new Error(`pack ${packed.pack} is shorter than its index says`);
        read += n;
      }
      return out;
    } finally {
      fs.closeSync(fd);
    }
  }
}
