// `gateway` command line. Each command is a thin shell over the services.
import fs from "node:fs";
import { Command } from "commander";
import { createApp } from "./app.js";
import { verifyAudit } from "./audit/audit.js";
import { importUnits } from "./seed/reference.js";

const program = new Command();
program.name("gateway").description("河北省编办 e-mail and fax intake gateway");

program
  .command("ingest")
  .description("ingest what is in the mailbox and exit (one JSON object per message with --json)")
  .option("--maildir <path>", "Maildir to read (default: $MAILDIR or DATA_DIR/maildir)")
  .option("--once", "one pass, then exit", true)
  .option("--json", "print one JSON line per message")
  .action(async (opts: { maildir?: string; json?: boolean }) => {
    const app = await createApp();
    try {
      const intake = app.maildirIntake(opts.maildir ?? app.config.maildir);
      const results = await intake.runOnce((r) => {
        if (opts.json) {
          const { messageId, file, outcome, unit, column, division, draftId, title, reason } = r;
          process.stdout.write(JSON.stringify({ messageId, file, outcome, unit, column, division, draftId, title, reason }) + "\n");
        }
      });
      if (!opts.json) {
        const counts = new Map<string, number>();
        for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
        console.log(`ingested ${results.length}: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ") || "nothing new"}`);
      }
    } finally {
      await app.close();
    }
  });

program
  .command("drafts")
  .description("list drafts")
  .option("--json", "JSON array")
  .action(async (opts: { json?: boolean }) => {
    const app = await createApp();
    try {
      const drafts = await app.db.draft.findMany({ orderBy: { id: "asc" }, include: { unit: true, column: true, division: true } });
      const rows = drafts.map((d) => ({ id: d.id, status: d.status, unit: d.unit?.name ?? null, column: d.column?.name ?? null, division: d.division?.name ?? null, title: d.title }));
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`#${r.id}\t${r.status}\t${r.unit ?? "（未确认）"}\t${r.column ?? "-"}\t${r.division ?? "-"}\t${r.title}`);
    } finally {
      await app.close();
    }
  });

const units = program.command("units").description("sending-unit registry");
units
  .command("import <file>")
  .description("import units from CSV: name,region_code,parent,emails,fax_numbers (idempotent: same name = update)")
  .action(async (file: string) => {
    const app = await createApp();
    try {
      const report = await importUnits(app.db, fs.readFileSync(file, "utf8"), "cli:units-import");
      if (report.problems.length) {
        console.error(`nothing imported; ${report.problems.length} problem(s):\n  ${report.problems.join("\n  ")}`);
        process.exitCode = 1;
      } else console.log(`imported: ${report.created.length} created, ${report.updated.length} updated`);
    } finally {
      await app.close();
    }
  });

const auditCmd = program.command("audit").description("audit trail");
auditCmd
  .command("verify")
  .description("recompute the hash chain; exit 1 if any row was changed or removed")
  .action(async () => {
    const app = await createApp();
    try {
      const r = await verifyAudit(app.db);
      if (r.ok) console.log(`audit trail intact: ${r.count} events`);
      else {
        console.error(`audit trail BROKEN at event #${r.firstBadId}: ${r.problem} (${r.count} events verified before it)`);
        process.exitCode = 1;
      }
    } finally {
      await app.close();
    }
  });

await program.parseAsync(process.argv);
