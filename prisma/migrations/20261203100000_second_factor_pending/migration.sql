-- A TOTP secret being set up stays apart from the one in force until a first code confirms it.
ALTER TABLE "User" ADD COLUMN "totpPending" TEXT;
