-- U11's full-text index is filled row by row by users_fts_insert. A bulk import instead fills
-- it once, with one INSERT … SELECT over its new users, which is much cheaper than 1,000-row
-- statements each flushing FTS5's pending terms. Inside its write transaction the import
-- sets `deferred`, inserts its users, indexes them and clears the flag again before it
-- commits: no other connection ever sees the flag set, and a failed import rolls it back
-- with everything else.
CREATE TABLE search_index_deferral (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    deferred INTEGER NOT NULL CHECK (deferred IN (0, 1))
);
INSERT INTO search_index_deferral (id, deferred) VALUES (1, 0);

DROP TRIGGER users_fts_insert;
CREATE TRIGGER users_fts_insert AFTER INSERT ON users
WHEN NOT (SELECT deferred FROM search_index_deferral WHERE id = 1)
BEGIN
    INSERT INTO users_fts(rowid, search_document) VALUES (new.seq, new.search_document);
END;
