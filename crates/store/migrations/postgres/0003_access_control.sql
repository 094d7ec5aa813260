-- Access control (P1–P10): roles, their assignments, per-user grants and denials, data
-- filters, relationships, and the counter that tells server processes to rebuild the engine.
CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    level TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    reach TEXT NOT NULL,
    preset BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_key_key ON roles(key);
CREATE UNIQUE INDEX roles_name_key ON roles(level, name_key);

CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id),
    scope TEXT NOT NULL,
    org_id TEXT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    expires_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NULL
);
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments(user_id, role_id, scope);
CREATE INDEX role_assignments_role_idx ON role_assignments(role_id);
CREATE INDEX role_assignments_org_idx ON role_assignments(org_id);

CREATE TABLE permission_overrides (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    effect TEXT NOT NULL,
    permission TEXT NOT NULL,
    scope TEXT NOT NULL,
    org_id TEXT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX permission_overrides_unique
    ON permission_overrides(user_id, permission, scope, effect);
CREATE INDEX permission_overrides_org_idx ON permission_overrides(org_id);

CREATE TABLE data_filters (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    filter TEXT NOT NULL,
    PRIMARY KEY (user_id, position)
);

CREATE TABLE relationships (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    from_user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    to_user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    CONSTRAINT relationships_pkey PRIMARY KEY (org_id, relation, from_user_id, to_user_id)
);
CREATE INDEX relationships_users_idx ON relationships(from_user_id, to_user_id);
CREATE INDEX relationships_to_idx ON relationships(to_user_id);

CREATE TABLE access_state (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO access_state (id, version) VALUES (1, 0);

-- P9: an impersonation session names the administrator acting and why.
ALTER TABLE sessions ADD COLUMN impersonator_id TEXT NULL;
ALTER TABLE sessions ADD COLUMN impersonation_reason TEXT NULL;
CREATE INDEX sessions_impersonator_idx ON sessions(impersonator_id);

-- S5, U9: an API key's own permissions (space-separated; NULL = all of its owner's), the
-- organization it is limited to, and its address allowlist.
ALTER TABLE api_keys ADD COLUMN permissions TEXT NULL;
ALTER TABLE api_keys ADD COLUMN org_id TEXT NULL;
ALTER TABLE api_keys ADD COLUMN ip_allowlist TEXT NULL;
CREATE INDEX api_keys_org_idx ON api_keys(org_id);
