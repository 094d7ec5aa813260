-- R4/PR1: each project keeps its number of enrollments, so the system-activity report reads
-- one column instead of counting every enrollment (10M at SPEC §4's size). Triggers keep it
-- true for every way an enrollment comes or goes, cascades from a removed membership or user
-- included.
ALTER TABLE projects ADD COLUMN enrollment_count BIGINT NOT NULL DEFAULT 0;
UPDATE projects SET enrollment_count =
    (SELECT COUNT(*) FROM enrollments e WHERE e.project_id = projects.id);
CREATE TRIGGER enrollments_count_insert AFTER INSERT ON enrollments BEGIN
    UPDATE projects SET enrollment_count = enrollment_count + 1 WHERE id = new.project_id;
END;
CREATE TRIGGER enrollments_count_delete AFTER DELETE ON enrollments BEGIN
    UPDATE projects SET enrollment_count = enrollment_count - 1 WHERE id = old.project_id;
END;
CREATE TRIGGER enrollments_count_move AFTER UPDATE OF project_id ON enrollments
WHEN new.project_id <> old.project_id BEGIN
    UPDATE projects SET enrollment_count = enrollment_count - 1 WHERE id = old.project_id;
    UPDATE projects SET enrollment_count = enrollment_count + 1 WHERE id = new.project_id;
END;
