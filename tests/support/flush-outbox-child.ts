// A second gateway process for the outbox test: flushes the outbox of DATA_DIR until nothing is
// due, as `gateway serve` does every two seconds, and prints how many messages it sent.
import { loadConfig } from "../../src/config/index.js";
import { openDb } from "../../src/db/client.js";
import { flushOutbox } from "../../src/notify/outbox.js";

const config = loadConfig();
const db = await openDb(config.dbFile);
let sent = 0;
for (let idle = 0; idle < 3; ) {
  const r = await flushOutbox(db, config);
  sent += r.sent;
  idle = r.sent + r.failed === 0 ? idle + 1 : 0;
}
await db.$disconnect();
process.stdout.write(`${JSON.stringify({ sent })}\n`);
