// The data directory is the gateway's alone (等保 2.0 剩余信息保护; the issue found everything in
// it world-readable): DATA_DIR and every directory under it 0700, every file the gateway writes
// 0600 (the audit key 0400). The process runs with umask 077 (cli.ts), so that whatever creates a
// file — SQLite's WAL and shared-memory files, the outbox, blobs, packs, keys — cannot make it
// readable by others; the writers also pass their modes explicitly, for code that runs with another
// umask (tests, embedding). The start-up check walks the directory and reports anything looser,
// without changing it: a mode someone set on purpose is the operator's to change.
import fs from "node:fs";
import path from "node:path";

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates DATA_DIR 0700 (a new one), and tightens the database files to 0600. */
export function secureDataDir(dataDir: string, dbFile: string): void {
  if (!fs.existsSync(dataDir)) fs.mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, PRIVATE_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

export interface LooseMode {
  path: string;
  mode: string; // "0644"
}

/**
 * Files and directories under `roots` that others may read, write or enter. Walks at most
 * `limit` entries (a large blob store takes a while: the caller runs this after start-up).
 */
export async function findLooseModes(roots: string[], limit = 500_000): Promise<{ loose: LooseMode[]; checked: number }> {
  const loose: LooseMode[] = [];
  let checked = 0;
  const seen = new Set<string>();
  const visit = async (p: string): Promise<void> => {
    if (checked >= limit || seen.has(p)) return;
    seen.add(p);
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(p);
    } catch {
      return; // gone since it was listed: nothing left to be loose
    }
    checked++;
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) loose.push({ path: p, mode: `0${(st.mode & 0o777).toString(8)}` });
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = await fs.promises.readdir(p);
      } catch {
        return; // gone meanwhile, or not ours to list: the check reports what it can see (a warning, never a gate)
      }
      for (const n of names) await visit(path.join(p, n));
    }
  };
  for (const r of roots) await visit(r);
  return { loose, checked };
}

/** The warning for the log and 运行状态, or null when everything is private. */
export function looseModesWarning(loose: LooseMode[]): string | null {
  if (!loose.length) return null;
  const shown = loose.slice(0, 5).map((l) => `${l.path} (${l.mode})`).join("、");
  return `数据目录中有 ${loose.length} 个文件或目录可被其他用户访问（应为目录 0700、文件 0600）：${shown}${loose.length > 5 ? " 等" : ""}。请执行 chmod -R go-rwx 数据目录`;
}
