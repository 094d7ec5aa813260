-- 0019's counting triggers, made safe under concurrency: each statement locks the projects it
-- counts for in id order before updating them (two statements touching the same projects in
-- another order could otherwise deadlock), and an UPDATE of enrollments writes only the
-- projects whose count really changes (a role change rewrites nothing).
CREATE OR REPLACE FUNCTION enrollments_count_apply(delta_rows jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM projects
        WHERE id IN (SELECT d.key FROM jsonb_each_text(delta_rows) d)
        ORDER BY id FOR NO KEY UPDATE;
    UPDATE projects p SET enrollment_count = p.enrollment_count + d.value::bigint
        FROM jsonb_each_text(delta_rows) d
        WHERE p.id = d.key AND d.value::bigint <> 0;
END $$;

CREATE OR REPLACE FUNCTION enrollments_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM enrollments_count_apply(
        (SELECT COALESCE(jsonb_object_agg(project_id, n), '{}'::jsonb)
         FROM (SELECT project_id, COUNT(*) AS n FROM added GROUP BY project_id) c));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION enrollments_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM enrollments_count_apply(
        (SELECT COALESCE(jsonb_object_agg(project_id, -n), '{}'::jsonb)
         FROM (SELECT project_id, COUNT(*) AS n FROM removed GROUP BY project_id) c));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION enrollments_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM enrollments_count_apply(
        (SELECT COALESCE(jsonb_object_agg(project_id, n), '{}'::jsonb)
         FROM (SELECT project_id, SUM(n) AS n FROM (
                   SELECT project_id, COUNT(*) AS n FROM added GROUP BY project_id
                   UNION ALL
                   SELECT project_id, -COUNT(*) AS n FROM removed GROUP BY project_id) x
               GROUP BY project_id) c));
    RETURN NULL;
END $$;
