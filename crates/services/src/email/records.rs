//! The outbox's records, handed to and from the store (re-exported from `records`).

use super::RenderedEmail;
use portico_domain::ids::{EmailId, UserId};
use portico_domain::{EmailStatus, EmailTemplateKey, Timestamp};
use serde::Serialize;

/// A message kept as its template and variables, rendered when it is first sent (and, for
/// reading, whenever it is shown before that). A bulk import queues its welcome emails this
/// way: rendering and storing tens of thousands of copies of the same text was most of the
/// import's time and of the database's growth.
#[derive(Debug, Clone, PartialEq)]
pub struct DeferredEmail {
    pub template: EmailTemplateKey,
    /// The language asked for (the fallback is chosen when rendering).
    pub language: Option<String>,
    /// The template's variables (an object).
    pub vars: serde_json::Value,
}

/// What an outbox row is made from.
#[derive(Debug, Clone)]
pub enum OutboxBody {
    Rendered(RenderedEmail),
    Deferred(DeferredEmail),
}

impl OutboxBody {
    pub fn template(&self) -> EmailTemplateKey {
        match self {
            Self::Rendered(r) => r.template,
            Self::Deferred(d) => d.template,
        }
    }

    /// The language used (rendered) or asked for (deferred; empty for "the default").
    pub fn language(&self) -> &str {
        match self {
            Self::Rendered(r) => &r.language,
            Self::Deferred(d) => d.language.as_deref().unwrap_or(""),
        }
    }
}

/// A message to store in the outbox. Built by [`crate::Services::outbox_message`], which
/// decides whether it is `queued` (an SMTP server is configured) or `held`.
#[derive(Debug, Clone)]
pub struct OutboxInsert {
    pub id: EmailId,
    pub to_address: String,
    pub to_user_id: Option<UserId>,
    pub body: OutboxBody,
    pub status: EmailStatus,
    pub created_at: Timestamp,
}

/// A message as stored.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    /// The outbox's order (newest first in lists).
    pub seq: i64,
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
    /// Not rendered yet: the subject and bodies above are empty until
    /// [`crate::Services`] renders them (never serialized: the variables hold the link).
    #[serde(skip)]
    pub deferred: Option<DeferredEmail>,
}

/// What one delivery attempt came to, recorded by the worker that holds the message's lease.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    /// The SMTP server accepted the message.
    Sent,
    /// A transient failure: try again at `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: Timestamp,
    },
    /// Refused for good, or out of attempts.
    Failed { error: String },
}

/// What the store needs to queue a message of its own inside a write (C5's license warning,
/// decided where seats are counted): the console's address for links, and whether messages
/// are queued for delivery (an SMTP server is configured) or held. Handed over once by
/// [`crate::Services::new`] ([`crate::Store::configure_outbox`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxSettings {
    pub public_url: String,
    pub delivery: bool,
}

impl OutboxSettings {
    /// `queued` when an SMTP server is configured, else `held` (as
    /// [`crate::Services::outbox_message`] decides).
    pub fn status(&self) -> EmailStatus {
        if self.delivery {
            EmailStatus::Queued
        } else {
            EmailStatus::Held
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<EmailStatus>,
}
