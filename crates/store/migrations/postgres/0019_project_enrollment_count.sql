-- R4/PR1: each project keeps its number of enrollments, so the system-activity report reads
-- one column instead of counting every enrollment (10M at SPEC §4's size). Statement-level
-- triggers keep it true for every way enrollments come or go (cascades included), one
-- UPDATE per project a statement changes, so bulk loads stay fast. Enrollments are locked
-- while the counts are filled in, so none can come or go unseen before the triggers exist.
LOCK TABLE enrollments IN SHARE MODE;
ALTER TABLE projects ADD COLUMN enrollment_count BIGINT NOT NULL DEFAULT 0;
UPDATE projects p SET enrollment_count = c.n
FROM (SELECT project_id, COUNT(*) AS n FROM enrollments GROUP BY project_id) c
WHERE c.project_id = p.id;

-- The change per project (`added` minus `removed`, as the statement's event provides them);
-- the projects are locked in id order first, so two statements touching the same projects
-- cannot deadlock, and a project whose count does not change (a role changed) is not written.
CREATE FUNCTION enrollments_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_object_agg(project_id, n) INTO delta
        FROM (SELECT project_id, COUNT(*) AS n FROM added GROUP BY project_id) c;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT jsonb_object_agg(project_id, -n) INTO delta
        FROM (SELECT project_id, COUNT(*) AS n FROM removed GROUP BY project_id) c;
    ELSE
        SELECT jsonb_object_agg(project_id, n) INTO delta
        FROM (SELECT project_id, SUM(n) AS n FROM (
                  SELECT project_id, COUNT(*) AS n FROM added GROUP BY project_id
                  UNION ALL
                  SELECT project_id, -COUNT(*) AS n FROM removed GROUP BY project_id) x
              GROUP BY project_id) c;
    END IF;
    PERFORM 1 FROM projects
        WHERE id IN (SELECT d.key FROM jsonb_each_text(COALESCE(delta, '{}')) d)
        ORDER BY id FOR NO KEY UPDATE;
    UPDATE projects p SET enrollment_count = p.enrollment_count + d.value::bigint
        FROM jsonb_each_text(COALESCE(delta, '{}')) d
        WHERE p.id = d.key AND d.value::bigint <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER enrollments_count_insert AFTER INSERT ON enrollments
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION enrollments_count();
CREATE TRIGGER enrollments_count_delete AFTER DELETE ON enrollments
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION enrollments_count();
CREATE TRIGGER enrollments_count_move AFTER UPDATE ON enrollments
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION enrollments_count();
