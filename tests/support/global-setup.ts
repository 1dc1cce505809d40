// One temporary directory per test run, removed when the run ends: the data directories,
// Maildirs and Dovecot instances of the tests live under it (GW_TEST_TMP), not loose in /tmp.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-tests-"));
  // Dovecot's login and mail processes run as other users and must be able to walk in.
  fs.chmodSync(dir, 0o755);
  process.env.GW_TEST_TMP = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

/** Where a test or the Dovecot harness makes its temporary directories. */
export function testTmp(): string {
  return process.env.GW_TEST_TMP ?? os.tmpdir();
}
