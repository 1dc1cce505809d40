-- AlterTable: extractions of a message that crashed or timed out (issue #15's poison rule).
ALTER TABLE "IntakeMessage" ADD COLUMN "interruptions" INTEGER NOT NULL DEFAULT 0;
