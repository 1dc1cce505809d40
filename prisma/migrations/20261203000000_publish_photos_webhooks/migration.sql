-- Issue #17: what gets published. Columns are added (ALTER TABLE), not by redefining the tables
-- as \`prisma migrate diff\` would: Draft carries the generated sharedTriage column and the
-- search-index triggers of earlier migrations, which a redefinition would drop.
ALTER TABLE "Draft" ADD COLUMN "faxHeader" TEXT;
ALTER TABLE "Draft" ADD COLUMN "docNumber" TEXT;
ALTER TABLE "Draft" ADD COLUMN "suggestions" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "PublishedItem" ADD COLUMN "sourceName" TEXT;
ALTER TABLE "PublishedItem" ADD COLUMN "publisherName" TEXT;
ALTER TABLE "PublishedItem" ADD COLUMN "docNumber" TEXT;
ALTER TABLE "PublishedItem" ADD COLUMN "bodyHtml" TEXT;
ALTER TABLE "PublishedItem" ADD COLUMN "photos" TEXT NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "DraftPhoto" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "draftId" INTEGER NOT NULL,
    "attachmentId" INTEGER NOT NULL,
    "chosen" BOOLEAN NOT NULL DEFAULT false,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "caption" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "DraftPhoto_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "Draft" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "publishedItemId" INTEGER NOT NULL,
    "event" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "claimedUntil" DATETIME,
    "lastError" TEXT,
    "responseStatus" INTEGER,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookDelivery_publishedItemId_fkey" FOREIGN KEY ("publishedItemId") REFERENCES "PublishedItem" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE UNIQUE INDEX "DraftPhoto_draftId_attachmentId_key" ON "DraftPhoto"("draftId", "attachmentId");
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");
CREATE INDEX "WebhookDelivery_publishedItemId_idx" ON "WebhookDelivery"("publishedItemId");
