-- SQLite has no boolean type: flags are INTEGER 0/1 (the store reads either form).
CREATE TABLE organizations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    slug TEXT NOT NULL,
    parent_id TEXT NULL REFERENCES organizations(id),
    status TEXT NOT NULL,
    tags TEXT NOT NULL,
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_slug_key ON organizations(slug);
CREATE INDEX organizations_name_idx ON organizations(name_key, id);
CREATE INDEX organizations_parent_idx ON organizations(parent_id, name_key, id);

CREATE TABLE users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    password_hash TEXT NULL,
    is_super_admin INTEGER NOT NULL,
    is_platform_admin INTEGER NOT NULL,
    home_org_id TEXT NULL REFERENCES organizations(id),
    ip_allowlist TEXT NULL,
    search_document TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users(username_key);
CREATE UNIQUE INDEX users_email_key ON users(email_key);
CREATE UNIQUE INDEX users_one_super_admin ON users(is_super_admin) WHERE is_super_admin;
CREATE INDEX users_home_org_idx ON users(home_org_id);
CREATE INDEX users_platform_admin_idx ON users(is_platform_admin) WHERE is_platform_admin;

-- U11: full-text index over the domain's search document (word prefixes).
CREATE VIRTUAL TABLE users_fts USING fts5(
    search_document, content='users', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
);
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts(rowid, search_document) VALUES (new.seq, new.search_document);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts(users_fts, rowid, search_document) VALUES ('delete', old.seq, old.search_document);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_document ON users BEGIN
    INSERT INTO users_fts(users_fts, rowid, search_document) VALUES ('delete', old.seq, old.search_document);
    INSERT INTO users_fts(rowid, search_document) VALUES (new.seq, new.search_document);
END;

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    user_seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_org_user_seq_idx ON memberships(org_id, user_seq);
CREATE INDEX memberships_user_idx ON memberships(user_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NULL,
    user_agent TEXT NULL
);
CREATE INDEX sessions_user_idx ON sessions(user_id);
CREATE INDEX sessions_expires_idx ON sessions(expires_at);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    last_used_at BIGINT NULL,
    revoked_at BIGINT NULL
);
CREATE INDEX api_keys_user_idx ON api_keys(user_id);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor_user_id TEXT NULL,
    impersonator_user_id TEXT NULL,
    ip TEXT NULL,
    user_agent TEXT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NULL,
    target_id TEXT NULL,
    org_id TEXT NULL,
    subject_user_id TEXT NULL,
    changes TEXT NOT NULL,
    pii TEXT NULL,
    pii_salt TEXT NULL,
    pii_digest TEXT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_org_idx ON audit_events(org_id, seq);
CREATE INDEX audit_events_subject_idx ON audit_events(subject_user_id, seq);
CREATE INDEX audit_events_actor_idx ON audit_events(actor_user_id, seq);
CREATE INDEX audit_events_action_idx ON audit_events(action, seq);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
