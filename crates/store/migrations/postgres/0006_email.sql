-- The email outbox (SPEC §1 Email): every message is stored here first, in the transaction of
-- the change that causes it, and the delivery worker sends it from here. Without an SMTP
-- server a message stays `held`, so a trial install loses nothing. `seq` orders the list.
-- `to_user_id` has no foreign key: deleting a user (U5) deletes their messages explicitly.
-- A worker claims a message by setting `status = 'sending'` and `lease_until` inside a write
-- transaction; a lease that runs out (the process died) makes the message due again.
CREATE TABLE email_outbox (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    to_address TEXT NOT NULL,
    to_user_id TEXT NULL,
    template TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NULL,
    last_error TEXT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT NULL
);
-- The worker's scan: due messages by status and time.
CREATE INDEX email_outbox_due_idx ON email_outbox(status, next_attempt_at);
CREATE INDEX email_outbox_user_idx ON email_outbox(to_user_id);
