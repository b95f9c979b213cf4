-- Keeps a papers_index table current with its content table, the way FTS5's
-- external-content tables are kept current. For a content table
--   papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT)
-- and an index
--   CREATE VIRTUAL TABLE topics USING papers_index(content='papers',
--     content_rowid='id', columns='title, abstract');
-- Adapt the names to your tables; then run INSERT INTO topics(topics)
-- VALUES('rebuild') once to index the rows already there.

CREATE TRIGGER papers_topics_insert AFTER INSERT ON papers BEGIN
  INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END;

CREATE TRIGGER papers_topics_delete AFTER DELETE ON papers BEGIN
  INSERT INTO topics(topics, rowid, title, abstract)
  VALUES ('delete', old.id, old.title, old.abstract);
END;

CREATE TRIGGER papers_topics_update AFTER UPDATE ON papers BEGIN
  INSERT INTO topics(topics, rowid, title, abstract)
  VALUES ('delete', old.id, old.title, old.abstract);
  INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END;
