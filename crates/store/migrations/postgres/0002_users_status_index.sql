-- Home's "blocked users" count and status filters read this index instead of every user row.
CREATE INDEX users_status_idx ON users(status);
