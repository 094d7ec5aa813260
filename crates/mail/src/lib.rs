//! SMTP delivery for the outbox: [`SmtpMailer`] implements `portico_services::email::Mailer`
//! with lettre (tokio, rustls). The services own the trait and the retry policy; this crate
//! only turns a stored message into MIME and talks to the server. The binary wires it in.
//!
//! The server is one URL, lettre's syntax: `smtps://user:password@host:465` (TLS from the
//! first byte), `smtp://user:password@host:587?tls=required` (STARTTLS, refused without it),
//! `smtp://host:25` (no TLS, for a relay on the same host or a test server).
//!
//! Every message carries `Message-ID: <eml_…@domain-of-From>`, derived from its outbox id,
//! so a message sent again after a crash (the server accepted it but the process died before
//! recording that) is recognisable as the same message.

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portico_services::email::{Mailer, SendError};
use portico_services::records::OutboxMessage;
use std::time::Duration;

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    id_domain: String,
}

/// The `Message-ID` of an outbox message: `<eml_…@domain>`.
pub fn message_id(msg: &OutboxMessage, domain: &str) -> String {
    format!("<{}@{domain}>", msg.id)
}

impl SmtpMailer {
    /// `url` as described in the crate documentation; `from` is `Name <address>` or an
    /// address. The error never contains the URL (it may hold a password).
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("the From address {from:?} is not valid: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
            .timeout(Some(timeout))
            .build();
        let id_domain = from.email.domain().to_string();
        Ok(Self {
            transport,
            from,
            id_domain,
        })
    }

    fn mime(&self, msg: &OutboxMessage) -> Result<Message, SendError> {
        let to: Mailbox = msg.to_address.parse().map_err(|e| {
            SendError::Permanent(format!("the recipient address is not valid: {e}"))
        })?;
        Message::builder()
            .message_id(Some(message_id(msg, &self.id_domain)))
            .from(self.from.clone())
            .to(to)
            .subject(msg.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                msg.text_body.clone(),
                msg.html_body.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, msg: &OutboxMessage) -> Result<(), SendError> {
        let mime = self.mime(msg)?;
        match self.transport.send(mime).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}
