-- AlterTable
ALTER TABLE "User" ADD COLUMN "totpEnabledAt" DATETIME;
ALTER TABLE "User" ADD COLUMN "totpLastStep" INTEGER;
ALTER TABLE "User" ADD COLUMN "totpSecret" TEXT;

-- AlterTable
ALTER TABLE "Session" ADD COLUMN "userId" INTEGER;

-- AlterTable
ALTER TABLE "ReviewStep" ADD COLUMN "requestedByUserId" INTEGER;

-- CreateTable
CREATE TABLE "RecoveryCode" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "codeHash" TEXT NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RecoveryCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SignInThrottle" (
    "key" TEXT NOT NULL,
    "window" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("key", "window")
);

-- CreateIndex
CREATE INDEX "RecoveryCode_userId_idx" ON "RecoveryCode"("userId");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");


-- Sessions from before this migration have no userId and could not be ended by it (a password
-- change, a reset, a disabled account): everyone signs in once more after the upgrade.
DELETE FROM "Session";
