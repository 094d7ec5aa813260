-- U8: single-use tokens behind welcome and reset links (and a login's second-factor
-- challenge), and the optional TOTP second factor. Only a token's SHA-256 is stored.
CREATE TABLE credential_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL
);
CREATE INDEX credential_tokens_user_idx ON credential_tokens(user_id, purpose);
CREATE INDEX credential_tokens_expires_idx ON credential_tokens(expires_at);

-- One TOTP secret per user: pending until a first code confirms it; `last_step` is the time
-- step of the last accepted code, so a code is accepted once.
CREATE TABLE user_mfa (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT NULL,
    last_step BIGINT NULL
);
