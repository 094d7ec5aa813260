//! The outbox's records, handed to and from the store (re-exported from `records`).

use super::RenderedEmail;
use portico_domain::ids::{EmailId, UserId};
use portico_domain::{EmailStatus, Timestamp};
use serde::Serialize;

/// A message to store in the outbox. Built by [`crate::Services::outbox_message`], which
/// decides whether it is `queued` (an SMTP server is configured) or `held`.
#[derive(Debug, Clone)]
pub struct OutboxInsert {
    pub id: EmailId,
    pub to_address: String,
    pub to_user_id: Option<UserId>,
    pub rendered: RenderedEmail,
    pub status: EmailStatus,
    pub created_at: Timestamp,
}

/// A message as stored.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: EmailId,
    pub to_address: String,
    pub to_user_id: Option<UserId>,
    pub template: String,
    pub language: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub status: EmailStatus,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub lease_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}
