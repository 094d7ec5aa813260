-- SQLite only (its FTS5 index is filled by a trigger that a bulk import defers to one
-- statement). PostgreSQL's search index is a GIN index kept by PostgreSQL itself.
SELECT 1;
