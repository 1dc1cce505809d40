-- The audit trail is append-only (Art. 7, 9): the database itself refuses to change or delete
-- a row. Someone who drops these triggers behind the application's back is still caught by the
-- hash chain (`gateway audit verify`).
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;

-- Full-text search over drafts that works on Chinese: the trigram tokenizer indexes every
-- three-character window, so any query of three or more characters matches anywhere in a
-- word-less CJK text. Shorter queries fall back to LIKE in the application.
CREATE VIRTUAL TABLE "DraftSearch" USING fts5(title, body, content='Draft', content_rowid='id', tokenize='trigram');
CREATE TRIGGER "Draft_search_ai" AFTER INSERT ON "Draft" BEGIN
  INSERT INTO "DraftSearch"(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER "Draft_search_ad" AFTER DELETE ON "Draft" BEGIN
  INSERT INTO "DraftSearch"("DraftSearch", rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER "Draft_search_au" AFTER UPDATE OF title, body ON "Draft" BEGIN
  INSERT INTO "DraftSearch"("DraftSearch", rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
  INSERT INTO "DraftSearch"(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
