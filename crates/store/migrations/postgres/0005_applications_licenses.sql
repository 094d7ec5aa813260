-- Applications (A1–A5) and licenses (L1–L3).
-- An application is defined on the platform; at most one is the default (assigned to every
-- new organization).
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    auto_assigned BOOLEAN NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX applications_slug_key ON applications(slug);
CREATE UNIQUE INDEX applications_one_default ON applications(is_default) WHERE is_default;
CREATE INDEX applications_name_idx ON applications(name_key, id);

-- A2: which organizations an application is assigned to. Goes with the organization and
-- with the application.
CREATE TABLE organization_applications (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    assigned_at BIGINT NOT NULL,
    CONSTRAINT organization_applications_pkey PRIMARY KEY (org_id, app_id)
);
CREATE INDEX organization_applications_app_idx ON organization_applications(app_id);

-- A3: a member's access, per membership, only to applications assigned to that organization
-- (both enforced by foreign keys: unassigning or leaving removes the access).
CREATE TABLE membership_applications (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    CONSTRAINT membership_applications_pkey PRIMARY KEY (org_id, user_id, app_id),
    CONSTRAINT membership_applications_membership_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES memberships(org_id, user_id) ON DELETE CASCADE,
    CONSTRAINT membership_applications_assignment_fkey FOREIGN KEY (org_id, app_id)
        REFERENCES organization_applications(org_id, app_id) ON DELETE CASCADE
);
CREATE INDEX membership_applications_user_idx ON membership_applications(user_id);
CREATE INDEX membership_applications_app_idx ON membership_applications(org_id, app_id);

-- L1: seat limits (NULL = unlimited).
ALTER TABLE organizations ADD COLUMN app_seat_limit BIGINT NULL;
ALTER TABLE organizations ADD COLUMN office_seat_limit BIGINT NULL;

-- A5: permissions an application registers; they join the permission catalogue.
CREATE TABLE application_permissions (
    key TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    levels TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX application_permissions_app_idx ON application_permissions(app_id, seq);
