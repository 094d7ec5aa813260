-- PR1: an enrollment is a member of the project's organization in the project with a
-- project-level role. It is a participation record, not a grant: the access engine does not
-- load it. Leaving the organization (the membership goes) and deleting the project remove
-- the enrollment (foreign keys). `role_id` has no foreign key so a role can be deleted without
-- touching ten million rows; a report shows such an enrollment's role as unknown.
CREATE TABLE enrollments (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT enrollments_pkey PRIMARY KEY (project_id, user_id),
    CONSTRAINT enrollments_membership_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES memberships(org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX enrollments_membership_idx ON enrollments(org_id, user_id);
CREATE INDEX enrollments_user_idx ON enrollments(user_id);
-- R1 spreads each person's logins over their organizations: user → organizations, covering.
CREATE INDEX memberships_user_org_idx ON memberships(user_id, org_id);

-- R1: one row per successful login, written in the login's own transaction. `day` is the
-- UTC day (days since 1970-01-01) so period reports group on an indexed integer.
CREATE TABLE login_events (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    day BIGINT NOT NULL
);
CREATE INDEX login_events_day_idx ON login_events(day, user_id, at);
CREATE INDEX login_events_user_idx ON login_events(user_id, day);
