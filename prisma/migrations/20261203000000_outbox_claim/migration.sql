-- The outbox claims a row (status 'sending', claimedBy, claimedAt) by one conditional update before
-- sending it, so overlapping flushes and several gateway processes never send a message twice.
-- AlterTable
ALTER TABLE "OutboundMail" ADD COLUMN "claimedAt" DATETIME;
ALTER TABLE "OutboundMail" ADD COLUMN "claimedBy" TEXT;
