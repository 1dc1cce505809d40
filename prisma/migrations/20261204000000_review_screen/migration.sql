-- The review screen's waiting time: when the item entered its present status (set by the review
-- service at every transition; null until the first one, when the item has waited since it was
-- received). "Waiting since" is an indexed virtual column, as sharedTriage is, so the queue sorts
-- by the longest-waiting item without reading each wide row (Prisma knows statusSince only).
ALTER TABLE "Draft" ADD COLUMN "statusSince" DATETIME;
ALTER TABLE "Draft" ADD COLUMN "waitingSince" DATETIME GENERATED ALWAYS AS (coalesce("statusSince", "receivedAt")) VIRTUAL;
CREATE INDEX "Draft_status_waitingSince_idx" ON "Draft"("status", "waitingSince");
