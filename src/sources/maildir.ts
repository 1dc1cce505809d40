// Maildir source (the embedded default, and what a local MTA or fax server delivers to).
// A message is acknowledged the Maildir way — moved to cur/ with the S (seen) flag — only after
// its ledger row and draft are committed. The ledger, not the flag, is the truth: at start-up
// every flagged file is checked against it, so a commit lost to a power cut is redone.
import fs from "node:fs";
import path from "node:path";

export interface MaildirItem {
  sourceKey: string; // the unique part of the name, before ":"
  file: string; // current file name
  dir: "new" | "cur";
  seen: boolean;
}

export function maildirKey(name: string): string {
  const i = name.indexOf(":");
  return i < 0 ? name : name.slice(0, i);
}

function flagsOf(name: string): string {
  const i = name.indexOf(":2,");
  return i < 0 ? "" : name.slice(i + 3);
}

let deliverySeq = 0;

export class Maildir {
  constructor(readonly root: string) {}

  ensure(): void {
    // The mailbox is the gateway's: 0700 (the MTA delivers as the gateway's user).
    for (const d of ["new", "cur", "tmp"]) fs.mkdirSync(path.join(this.root, d), { recursive: true, mode: 0o700 });
  }

  /** Every message file, oldest first by name (Maildir names start with a timestamp). */
  list(): MaildirItem[] {
    const items: MaildirItem[] = [];
    for (const dir of ["new", "cur"] as const) {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(this.root, dir));
      } catch (err) {
        // Not made yet: nothing delivered. Anything else (EACCES) fails the pass with its reason, never an empty Maildir.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      for (const file of names) {
        if (file.startsWith(".")) continue;
        items.push({ sourceKey: maildirKey(file), file, dir, seen: dir === "cur" && flagsOf(file).includes("S") });
      }
    }
    return items.sort((a, b) => (a.sourceKey < b.sourceKey ? -1 : a.sourceKey > b.sourceKey ? 1 : 0));
  }

  pathOf(item: Pick<MaildirItem, "dir" | "file">): string {
    return path.join(this.root, item.dir, item.file);
  }

  read(item: MaildirItem): Buffer {
    return fs.readFileSync(this.pathOf(item));
  }

  size(item: MaildirItem): number {
    return fs.statSync(this.pathOf(item)).size;
  }

  /** Marks processed: cur/<key>:2,<flags+S>. Missing file = already moved by an earlier run. */
  markSeen(item: MaildirItem): void {
    this.rename(item, "S");
  }

  /** Failed: moved out of new/ (no longer "new mail") but not seen, so it stays visible to people. */
  markFailed(item: MaildirItem): void {
    this.rename(item, "");
  }

  /** Art. 10: a classified message leaves no copy on this disk. */
  remove(item: MaildirItem): void {
    try {
      fs.unlinkSync(this.pathOf(item));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  private rename(item: MaildirItem, addFlag: string): void {
    const flags = [...new Set((flagsOf(item.file) + addFlag).split(""))].sort().join("");
    const target = `${item.sourceKey}:2,${flags}`;
    if (item.dir === "cur" && item.file === target) return;
    try {
      fs.renameSync(this.pathOf(item), path.join(this.root, "cur", target));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  /** Delivers a message the way an MTA does: write to tmp/, then rename into new/. */
  deliver(content: Buffer, uniqueHint = ""): string {
    this.ensure();
    // time.M<sequence>P<pid>: unique and, within one process, in delivery order.
    const unique = `${Date.now()}.M${String(deliverySeq++).padStart(6, "0")}P${process.pid}${uniqueHint}.gateway`;
    const tmp = path.join(this.root, "tmp", unique);
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, path.join(this.root, "new", unique));
    return unique;
  }
}
