-- PostgreSQL only (0019's triggers there lock projects in id order). SQLite has one writer at
-- a time and row-level triggers: nothing to change.
SELECT 1;
