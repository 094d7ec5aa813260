//! Reading the outbox and sending a message again (Settings → Sent emails, `/api/v1/outbox`).
//! The outbox is platform-wide: reading needs `settings.view` and resending `settings.manage`,
//! both on the platform.
//!
//! A welcome or password-reset message carries a single-use credential link, so reading its
//! bodies is as good as resetting the recipient's credentials: they are shown only to the
//! recipient and to whoever may reset the recipient's credentials (P6, P7 through
//! `check_act_on`), and each such reading is audited (`email.view`). Others see the envelope
//! and the status, with the bodies withheld. Lists never carry bodies.

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{AuditDraft, OutboxFilter, OutboxMessage, ScopeRef};
use portico_domain::access::UserAction;
use portico_domain::ids::EmailId;
use portico_domain::page::{Page, PageRequest};
use portico_domain::{EmailStatus, EmailTemplateKey};
use serde_json::json;

/// One message as a viewer may see it.
#[derive(Debug, Clone)]
pub struct OutboxView {
    pub message: OutboxMessage,
    /// The bodies were blanked: the message carries a credential link for someone the
    /// viewer may not reset.
    pub bodies_withheld: bool,
}

fn without_bodies(mut m: OutboxMessage) -> OutboxMessage {
    m.text_body.clear();
    m.html_body.clear();
    m
}

/// The message carries a link that acts as a credential.
pub fn carries_credential(template: &str) -> bool {
    matches!(
        EmailTemplateKey::parse(template),
        Some(EmailTemplateKey::Welcome | EmailTemplateKey::PasswordReset)
    )
}

impl Services {
    /// The outbox, newest first, without bodies.
    pub async fn list_outbox(
        &self,
        actor: &BackOffice,
        status: Option<EmailStatus>,
        page: PageRequest,
    ) -> Result<Page<OutboxMessage>, ServiceError> {
        actor.require("settings.view", ScopeRef::Platform)?;
        let mut page = self
            .store
            .list_emails(&OutboxFilter { status }, &page)
            .await?;
        // Messages not sent yet that were queued as a template show their subject as it
        // would be rendered now (the templates' overrides read once per template).
        let mut overrides = std::collections::HashMap::new();
        for m in &mut page.items {
            let Some(key) = m.deferred.as_ref().map(|d| d.template) else {
                continue;
            };
            let o = match overrides.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(self.email_overrides(key).await?)
                }
            };
            if let Err(e) = self.render_deferred_with(o, m) {
                tracing::warn!(email = %m.id, error = %e, "a queued email could not be rendered");
            }
        }
        Ok(page.map(without_bodies))
    }

    /// One message with its bodies, unless they are withheld from this viewer.
    pub async fn get_outbox_message(
        &self,
        actor: &BackOffice,
        id: EmailId,
    ) -> Result<OutboxView, ServiceError> {
        actor.require("settings.view", ScopeRef::Platform)?;
        let mut m = self
            .store
            .get_email(id)
            .await?
            .ok_or(ServiceError::NotFound("email"))?;
        // Not sent yet and queued as a template: shown as it would be rendered now.
        self.render_deferred(&mut m).await?;
        if !carries_credential(&m.template) {
            return Ok(OutboxView {
                message: m,
                bodies_withheld: false,
            });
        }
        let allowed = match m.to_user_id {
            None => true,
            Some(u) if u == actor.user().id => true,
            Some(u) => match self.store.get_user(u).await? {
                // Deleting a user deletes their messages; a message without its user names
                // nobody left to protect.
                None => true,
                Some(target) => self
                    .check_act_on(actor, &target, UserAction::ResetCredentials)
                    .await
                    .is_ok(),
            },
        };
        if !allowed {
            return Ok(OutboxView {
                message: without_bodies(m),
                bodies_withheld: true,
            });
        }
        let mut draft = AuditDraft::new("email.view")
            .target("email", m.id)
            .changes(json!({ "template": m.template }));
        if let Some(u) = m.to_user_id {
            draft = draft.subject(u);
        }
        self.store
            .append_audit(&actor.principal().audit_ctx(self), draft)
            .await?;
        Ok(OutboxView {
            message: m,
            bodies_withheld: false,
        })
    }

    /// Queues a held, failed or sent message again. Refused while no SMTP server is
    /// configured (it would only be held again).
    pub async fn resend_email(
        &self,
        actor: &BackOffice,
        id: EmailId,
    ) -> Result<OutboxMessage, ServiceError> {
        actor.require("settings.manage", ScopeRef::Platform)?;
        if !self.config.email_delivery {
            return Err(ServiceError::conflict(
                "no-smtp",
                "no SMTP server is configured: set PORTICO_SMTP_URL to send email",
            ));
        }
        let m = self
            .store
            .resend_email(&actor.principal().audit_ctx(self), id)
            .await?;
        self.email_queued();
        Ok(without_bodies(m))
    }
}
