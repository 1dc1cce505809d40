-- Security review: an approval token can be voided (seen in an auto-reply or a bounce, or its
-- approver's address changed) — with why; an approver's new address waits for confirmation from it.
ALTER TABLE "ApprovalToken" ADD COLUMN "voidedAt" DATETIME;
ALTER TABLE "ApprovalToken" ADD COLUMN "voidReason" TEXT;
ALTER TABLE "Person" ADD COLUMN "pendingEmail" TEXT;
ALTER TABLE "Person" ADD COLUMN "pendingEmailCodeHash" TEXT;
ALTER TABLE "Person" ADD COLUMN "pendingEmailExpiresAt" DATETIME;
ALTER TABLE "Person" ADD COLUMN "pendingEmailBy" TEXT;
