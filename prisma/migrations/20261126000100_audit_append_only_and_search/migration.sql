-- The audit trail is append-only (Art. 7, 9): the database itself refuses to change or delete
-- a row. Someone who drops these triggers behind the application's back is still caught by the
-- hash chain (`gateway audit verify`).
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;

-- Full-text search over drafts that works on Chinese: the trigram tokenizer indexes every
-- three-character window, so any query of three or more characters matches anywhere in a
-- word-less CJK text (shorter queries use LIKE in the application). Contentless, with deletes
-- by rowid: the text lives once, in Draft.
--
-- New drafts are indexed in bulk at the end of each ingest transaction (one INSERT … SELECT for
-- the batch: half the cost of a per-row insert trigger, measured). The watermark says which
-- drafts are indexed, so any other path that creates drafts is caught up before a search.
-- Edits to indexed drafts re-index through the trigger below.
CREATE VIRTUAL TABLE "DraftSearch" USING fts5(title, body, content='', contentless_delete=1, tokenize='trigram');
CREATE TABLE "DraftSearchWatermark" ("id" INTEGER PRIMARY KEY CHECK ("id" = 1), "lastDraftId" INTEGER NOT NULL);
INSERT INTO "DraftSearchWatermark" ("id", "lastDraftId") VALUES (1, 0);
CREATE TRIGGER "Draft_search_au" AFTER UPDATE OF title, body ON "Draft"
WHEN new.id <= (SELECT "lastDraftId" FROM "DraftSearchWatermark" WHERE "id" = 1)
BEGIN
  DELETE FROM "DraftSearch" WHERE rowid = old.id;
  INSERT INTO "DraftSearch"(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER "Draft_search_ad" AFTER DELETE ON "Draft" BEGIN
  DELETE FROM "DraftSearch" WHERE rowid = old.id;
END;
