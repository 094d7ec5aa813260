//! Email (SPEC §1 "Email", C5): the platform's templates, rendered with minijinja, and the
//! outbox every message goes through. A message is stored in the transaction of the change
//! that causes it (see `portico-store`'s `outbox::insert_in`) and sent from there by the
//! delivery worker; without an SMTP server it is kept (`held`) and shown in the console.
//!
//! The built-in templates are embedded in the binary, one file per template, language and
//! part (`email_templates/welcome.de.subject`, `.txt`, `.html`; the rendered HTML body is put
//! in `layout.html`). An operator's per-language override (C5, stored in the database) goes
//! in front of the built-in. Every template is rendered in the sandbox of
//! [`crate::templates::sandbox`]: no loader, HTML parts auto-escaped, an undefined variable
//! an error (so a missing value cannot silently produce "Hello ," or a link to nowhere), a
//! fuel and output limit.

pub mod outbox;
pub mod records;
pub mod worker;

pub use worker::{DeliveryOptions, Mailer, SendError};

use crate::error::ServiceError;
use crate::records::{AuditCtx, DeferredEmail, OutboxBody, OutboxInsert, OutboxMessage};
use crate::templates::platform::{EMAIL_LAYOUT, PlatformKind, PlatformOverride, builtin_email};
use crate::templates::sandbox;
use crate::{ServiceConfig, Services};
use portico_domain::ids::{EmailId, UserId};
use portico_domain::{Email, EmailStatus, EmailTemplateKey};

/// Languages every built-in template is shipped in.
pub const TEMPLATE_LANGUAGES: &[&str] = crate::templates::platform::BUILTIN_LANGUAGES;

/// The language used when neither the requested nor the configured default has a template.
const LAST_RESORT_LANGUAGE: &str = "en";

/// A rendered message: what goes into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub template: EmailTemplateKey,
    /// The language actually used (after falling back).
    pub language: String,
    /// One line: line breaks are folded into spaces.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `de-CH`, `de_CH`, `DE` → `de`.
fn primary_subtag(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Renders a platform email in `language`, else in the configured default language, else in
/// English, with no overrides: the built-in templates only. See [`render_with`].
pub fn render(
    config: &ServiceConfig,
    key: EmailTemplateKey,
    language: Option<&str>,
    vars: &serde_json::Value,
) -> Result<RenderedEmail, ServiceError> {
    render_with(config, &[], key, language, vars)
}

/// Renders a platform email (C5). For each language in turn — the requested one, the
/// configured default, English — an operator's override (from `overrides`) is used when there
/// is one, else the built-in template when one is shipped. `vars` is an object; `platform`
/// defaults to the configured platform name and `public_url` to the console's address. A
/// variable the template uses and `vars` lacks is an error (`Internal`: the caller's bug, not
/// the user's). An override that fails with the real values (it was checked with samples) is
/// logged and skipped, so a message still goes out.
pub fn render_with(
    config: &ServiceConfig,
    overrides: &[PlatformOverride],
    key: EmailTemplateKey,
    language: Option<&str>,
    vars: &serde_json::Value,
) -> Result<RenderedEmail, ServiceError> {
    let mut ctx = serde_json::Map::new();
    ctx.insert("platform".into(), config.platform_name.clone().into());
    ctx.insert("public_url".into(), config.public_url.clone().into());
    match vars {
        serde_json::Value::Object(m) => ctx.extend(m.clone()),
        serde_json::Value::Null => {}
        _ => {
            return Err(ServiceError::Internal(
                "email template variables must be an object".into(),
            ));
        }
    }
    let mut candidates: Vec<String> = Vec::new();
    for l in [
        language.map(primary_subtag),
        Some(primary_subtag(&config.default_language)),
        Some(LAST_RESORT_LANGUAGE.to_string()),
    ]
    .into_iter()
    .flatten()
    {
        if !candidates.contains(&l) {
            candidates.push(l);
        }
    }
    for lang in &candidates {
        ctx.insert("language".into(), lang.clone().into());
        let ctx_value = serde_json::Value::Object(ctx.clone());
        if let Some(o) = overrides
            .iter()
            .find(|o| o.kind == PlatformKind::Email && o.key == key.as_str() && &o.language == lang)
        {
            match finish(key, lang, &o.sources(), &ctx_value) {
                Ok(r) => return Ok(r),
                Err(e) => tracing::warn!(
                    template = key.as_str(),
                    language = %lang,
                    error = %e,
                    "an email template override failed with real values; using the built-in"
                ),
            }
        }
        if let Some(s) = builtin_email(key, lang) {
            return finish(key, lang, &s, &ctx_value).map_err(|e| {
                ServiceError::Internal(format!("email template {}.{lang}: {e}", key.as_str()))
            });
        }
    }
    Err(ServiceError::Internal(format!(
        "no template for email {}",
        key.as_str()
    )))
}

/// Renders the parts and puts the HTML body in the layout.
fn finish(
    key: EmailTemplateKey,
    language: &str,
    sources: &sandbox::Sources,
    ctx: &serde_json::Value,
) -> Result<RenderedEmail, sandbox::TemplateError> {
    let r = sandbox::render(sources, ctx)?;
    let mut frame = ctx.clone();
    frame["subject"] = r.subject.clone().into();
    let html = sandbox::render_frame(EMAIL_LAYOUT, &frame, &r.html)?;
    Ok(RenderedEmail {
        template: key,
        language: language.to_string(),
        subject: r.subject,
        text: r.text,
        html,
    })
}

impl Services {
    /// [`render_with`] with this installation's configuration and the overrides stored now.
    pub async fn render_email(
        &self,
        key: EmailTemplateKey,
        language: Option<&str>,
        vars: &serde_json::Value,
    ) -> Result<RenderedEmail, ServiceError> {
        let overrides = self.email_overrides(key).await?;
        self.render_email_with(&overrides, key, language, vars)
    }

    /// The stored overrides of one email template, every language.
    pub async fn email_overrides(
        &self,
        key: EmailTemplateKey,
    ) -> Result<Vec<PlatformOverride>, ServiceError> {
        Ok(self
            .store
            .platform_overrides(PlatformKind::Email, Some(key.as_str()))
            .await?)
    }

    /// [`render_with`] with this installation's configuration (for use cases that render
    /// several messages from one read of the overrides).
    pub fn render_email_with(
        &self,
        overrides: &[PlatformOverride],
        key: EmailTemplateKey,
        language: Option<&str>,
        vars: &serde_json::Value,
    ) -> Result<RenderedEmail, ServiceError> {
        render_with(&self.config, overrides, key, language, vars)
    }

    /// The outbox row for a rendered message: `queued` when an SMTP server is configured,
    /// `held` otherwise. The caller stores it, in its own transaction or with
    /// [`Services::enqueue_email`], and then calls [`Services::email_queued`].
    pub fn outbox_message(
        &self,
        to: &Email,
        user: Option<UserId>,
        rendered: RenderedEmail,
    ) -> OutboxInsert {
        self.outbox_insert(to, user, OutboxBody::Rendered(rendered))
    }

    /// [`Services::outbox_message`] for a message rendered when it is first sent (or shown).
    pub fn outbox_deferred(
        &self,
        to: &Email,
        user: Option<UserId>,
        deferred: DeferredEmail,
    ) -> OutboxInsert {
        self.outbox_insert(to, user, OutboxBody::Deferred(deferred))
    }

    fn outbox_insert(&self, to: &Email, user: Option<UserId>, body: OutboxBody) -> OutboxInsert {
        OutboxInsert {
            id: EmailId::generate(),
            to_address: to.as_str().to_string(),
            to_user_id: user,
            body,
            status: if self.config.email_delivery {
                EmailStatus::Queued
            } else {
                EmailStatus::Held
            },
            created_at: self.now(),
        }
    }

    /// Fills in a deferred message's language, subject and bodies, rendered with the
    /// templates as they are now (`overrides`: the stored overrides of its template). A
    /// rendered message, or one that fails to render, is left as it is.
    pub fn render_deferred_with(
        &self,
        overrides: &[PlatformOverride],
        m: &mut OutboxMessage,
    ) -> Result<(), ServiceError> {
        let Some(d) = &m.deferred else {
            return Ok(());
        };
        let r = self.render_email_with(overrides, d.template, d.language.as_deref(), &d.vars)?;
        m.deferred = None;
        m.language = r.language;
        m.subject = r.subject;
        m.text_body = r.text;
        m.html_body = r.html;
        Ok(())
    }

    /// [`Services::render_deferred_with`] with the overrides stored now.
    pub async fn render_deferred(&self, m: &mut OutboxMessage) -> Result<(), ServiceError> {
        let Some(d) = &m.deferred else {
            return Ok(());
        };
        let overrides = self.email_overrides(d.template).await?;
        self.render_deferred_with(&overrides, m)
    }

    /// Wakes the delivery worker (of this process) after a message was committed.
    pub fn email_queued(&self) {
        self.mail_wake.notify_one();
    }

    /// Stores one message with its `email.queued` audit entry and wakes the worker. For
    /// messages that belong to no other change (the notice after a second factor changed);
    /// a message that must commit with a change is inserted in that change's transaction.
    pub async fn enqueue_email(
        &self,
        ctx: &AuditCtx,
        message: OutboxInsert,
    ) -> Result<EmailId, ServiceError> {
        let id = message.id;
        self.store.enqueue_email(ctx, message).await?;
        self.email_queued();
        Ok(id)
    }
}

#[cfg(test)]
mod tests;
