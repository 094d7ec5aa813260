-- C5/PR1: a project may be scheduled, when it starts (UTC, milliseconds) and where; members
-- enrolled in a scheduled project that has not started get the calendar invitation.
ALTER TABLE projects ADD COLUMN starts_at BIGINT NULL;
ALTER TABLE projects ADD COLUMN location TEXT NOT NULL DEFAULT '';
