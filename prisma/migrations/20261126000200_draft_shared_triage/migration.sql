-- "In the shared triage queue" as an indexed virtual column. SQLite computes it on every write
-- (Prisma's too; Prisma's schema does not know the column and never writes it), and the read
-- model (src/review/queries.ts) filters on it through the index instead of reading each wide
-- triage row for unitConfirmed and columnId (bench:web: the info administrator's queue page).
ALTER TABLE "Draft" ADD COLUMN "sharedTriage" INTEGER GENERATED ALWAYS AS ("status" = 'triage' AND ("divisionId" IS NULL OR "unitConfirmed" = 0 OR "columnId" IS NULL)) VIRTUAL;
CREATE INDEX "Draft_sharedTriage_receivedAt_idx" ON "Draft"("sharedTriage", "receivedAt");
