-- Pack files for raw messages that arrive as bytes (IMAP): one file per ingest batch instead of one
-- file per message (creating a file per message was the largest cost of IMAP intake, measured).
-- CreateTable
CREATE TABLE "BlobPack" (
    "sha256" TEXT NOT NULL PRIMARY KEY,
    "pack" TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    "length" INTEGER NOT NULL
);

