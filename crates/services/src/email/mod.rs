//! Email (SPEC §1 "Email", C5): the platform's templates, rendered with minijinja, and the
//! outbox every message goes through. A message is stored in the transaction of the change
//! that causes it (see `portico-store`'s `outbox::insert_in`) and sent from there by the
//! delivery worker; without an SMTP server it is kept (`held`) and shown in the console.
//!
//! Templates are embedded in the binary, one file per template, language and part
//! (`email_templates/welcome.de.subject`, `.txt`, `.html`; the HTML parts extend
//! `layout.html`). The environment is sandboxed: no loader, so a template can reach nothing
//! but the other embedded templates; HTML parts are auto-escaped; an undefined variable is an
//! error, so a missing value cannot silently produce "Hello ," or a link to nowhere.

pub mod outbox;
pub mod records;
pub mod worker;

pub use worker::{DeliveryOptions, Mailer, SendError};

use crate::error::ServiceError;
use crate::records::{AuditCtx, OutboxInsert};
use crate::{ServiceConfig, Services};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use portico_domain::ids::{EmailId, UserId};
use portico_domain::{Email, EmailStatus, EmailTemplateKey};
use std::sync::LazyLock;

/// Languages every built-in template is shipped in.
pub const TEMPLATE_LANGUAGES: &[&str] = &["en", "de"];

/// The language used when neither the requested nor the configured default has a template.
const LAST_RESORT_LANGUAGE: &str = "en";

macro_rules! builtin {
    ($($key:literal),* $(,)?) => {
        &[$(
            (concat!($key, ".subject"), include_str!(concat!("../../email_templates/", $key, ".subject"))),
            (concat!($key, ".txt"), include_str!(concat!("../../email_templates/", $key, ".txt"))),
            (concat!($key, ".html"), include_str!(concat!("../../email_templates/", $key, ".html"))),
        )*]
    };
}

const BUILTIN: &[(&str, &str)] = builtin!(
    "welcome.en",
    "welcome.de",
    "password_reset.en",
    "password_reset.de",
    "mfa_enabled.en",
    "mfa_enabled.de",
    "mfa_disabled.en",
    "mfa_disabled.de",
);

const LAYOUT: &str = include_str!("../../email_templates/layout.html");

/// The compiled built-in templates. Immutable after the first use.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_template("layout.html", LAYOUT)
        .expect("the built-in email layout compiles");
    for (name, source) in BUILTIN {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("built-in email template {name} does not compile: {e}"));
    }
    env
});

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

fn has_template(key: EmailTemplateKey, lang: &str) -> bool {
    TEMPLATES
        .get_template(&format!("{}.{lang}.subject", key.as_str()))
        .is_ok()
}

/// Renders a built-in template in `language`, else in the configured default language, else
/// in English. `vars` is an object; `platform` defaults to the configured platform name and
/// `public_url` to the console's address. A variable the template uses and `vars` lacks is an
/// error (`Internal`: the caller's bug, not the user's).
pub fn render(
    config: &ServiceConfig,
    key: EmailTemplateKey,
    language: Option<&str>,
    vars: &serde_json::Value,
) -> Result<RenderedEmail, ServiceError> {
    let language = [
        language.map(primary_subtag),
        Some(primary_subtag(&config.default_language)),
    ]
    .into_iter()
    .flatten()
    .find(|l| has_template(key, l))
    .unwrap_or_else(|| LAST_RESORT_LANGUAGE.to_string());
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
    ctx.insert("language".into(), language.clone().into());
    let render = |part: &str, ctx: &serde_json::Map<String, serde_json::Value>| {
        let name = format!("{}.{language}.{part}", key.as_str());
        TEMPLATES
            .get_template(&name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| ServiceError::Internal(format!("email template {name}: {e:#}")))
    };
    let subject = render("subject", &ctx)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = render("txt", &ctx)?;
    ctx.insert("subject".into(), subject.clone().into());
    let html = render("html", &ctx)?;
    Ok(RenderedEmail {
        template: key,
        language,
        subject,
        text,
        html,
    })
}

impl Services {
    /// [`render`] with this installation's configuration.
    pub fn render_email(
        &self,
        key: EmailTemplateKey,
        language: Option<&str>,
        vars: &serde_json::Value,
    ) -> Result<RenderedEmail, ServiceError> {
        render(&self.config, key, language, vars)
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
        OutboxInsert {
            id: EmailId::generate(),
            to_address: to.as_str().to_string(),
            to_user_id: user,
            rendered,
            status: if self.config.email_delivery {
                EmailStatus::Queued
            } else {
                EmailStatus::Held
            },
            created_at: self.now(),
        }
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
