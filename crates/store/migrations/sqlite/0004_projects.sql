-- Projects (PR1): a project belongs to an organization and goes with it. Role assignments
-- and overrides at a project's scope carry the project's organization in `org_id`, so they
-- also go with the organization; deleting the project itself deletes them explicitly.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
-- The organization's list, by name (keyset on name_key, id).
CREATE INDEX projects_org_name_idx ON projects(organization_id, name_key, id);
CREATE INDEX role_assignments_scope_idx ON role_assignments(scope);
CREATE INDEX permission_overrides_scope_idx ON permission_overrides(scope);
