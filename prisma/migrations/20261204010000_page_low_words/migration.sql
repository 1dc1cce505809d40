-- Issue #17: the words OCR read with low confidence, highlighted on the draft page.
ALTER TABLE "DocumentPage" ADD COLUMN "lowWords" TEXT;
