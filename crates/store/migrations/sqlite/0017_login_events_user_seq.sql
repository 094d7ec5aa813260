-- R1 spreads a period's logins over the people's memberships. Keyed by the user's integer
-- sequence number instead of the text id, the join probes memberships(user_seq, org_id) with
-- integers and the drill-down reads users by primary key. The table is rebuilt (SQLite cannot
-- change a foreign key in place); deleting a user still deletes their login events.
CREATE TABLE login_events_new (
    user_seq BIGINT NOT NULL REFERENCES users(seq) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    day BIGINT NOT NULL
);
INSERT INTO login_events_new (user_seq, at, day)
    SELECT u.seq, e.at, e.day FROM login_events e JOIN users u ON u.id = e.user_id;
DROP TABLE login_events;
ALTER TABLE login_events_new RENAME TO login_events;
CREATE INDEX login_events_day_idx ON login_events(day, user_seq, at);
CREATE INDEX login_events_user_idx ON login_events(user_seq, day);
CREATE INDEX memberships_user_seq_org_idx ON memberships(user_seq, org_id);
