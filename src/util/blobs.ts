// Content-addressed files under DATA_DIR/blobs/ab/cdef…: written once (temp file + rename, so a
// crash never leaves a half file under a real name), deduplicated by sha256, never in the DB.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export class BlobStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2));
  }

  put(content: Buffer, sha256 = createHash("sha256").update(content).digest("hex")): string {
    const target = this.pathOf(sha256);
    if (fs.existsSync(target)) return sha256;
    fs.mkdirSync(path.dirname(target), { recursive: true });
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
