-- R4/PR1: each project keeps its number of enrollments, so the system-activity report reads
-- one column instead of counting every enrollment (10M at SPEC §4's size). Statement-level
-- triggers keep it true for every way enrollments come or go (cascades included), one
-- UPDATE per project a statement touches, so bulk loads stay fast.
ALTER TABLE projects ADD COLUMN enrollment_count BIGINT NOT NULL DEFAULT 0;
UPDATE projects p SET enrollment_count = c.n
FROM (SELECT project_id, COUNT(*) AS n FROM enrollments GROUP BY project_id) c
WHERE c.project_id = p.id;

CREATE FUNCTION enrollments_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects p SET enrollment_count = p.enrollment_count + c.n
    FROM (SELECT project_id, COUNT(*) AS n FROM added GROUP BY project_id) c
    WHERE p.id = c.project_id;
    RETURN NULL;
END $$;
CREATE FUNCTION enrollments_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects p SET enrollment_count = p.enrollment_count - c.n
    FROM (SELECT project_id, COUNT(*) AS n FROM removed GROUP BY project_id) c
    WHERE p.id = c.project_id;
    RETURN NULL;
END $$;
CREATE FUNCTION enrollments_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects p SET enrollment_count = p.enrollment_count - c.n
    FROM (SELECT project_id, COUNT(*) AS n FROM removed GROUP BY project_id) c
    WHERE p.id = c.project_id;
    UPDATE projects p SET enrollment_count = p.enrollment_count + c.n
    FROM (SELECT project_id, COUNT(*) AS n FROM added GROUP BY project_id) c
    WHERE p.id = c.project_id;
    RETURN NULL;
END $$;
CREATE TRIGGER enrollments_count_insert AFTER INSERT ON enrollments
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION enrollments_count_insert();
CREATE TRIGGER enrollments_count_delete AFTER DELETE ON enrollments
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION enrollments_count_delete();
CREATE TRIGGER enrollments_count_move AFTER UPDATE ON enrollments
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION enrollments_count_move();
