-- S6: the security policy. One row for the platform (`org_id` NULL, `id` = 'platform') and
-- one per organization that overrides it; `policy` is the JSON of the rules set (the
-- platform's row sets all of them, an organization's only those it changes). Changing a
-- row bumps the access version, so every `portico serve` applies it on its next request.
CREATE TABLE security_policies (
    id TEXT PRIMARY KEY,
    org_id TEXT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX security_policies_org_idx ON security_policies(org_id);
-- The idle timeout of the policy the session was opened under (NULL: the configured one).
ALTER TABLE sessions ADD COLUMN idle_secs BIGINT NULL;
