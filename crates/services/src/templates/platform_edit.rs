//! S4 / C5: operators list, edit, preview and reset the platform's email and notification
//! templates per language (`settings.view` / `settings.manage` on the platform).

use super::platform::*;
use super::sandbox::{self, Rendered, Sources};
use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::ScopeRef;
use portico_domain::template::{Language, VariableDecl};
use portico_domain::{EmailTemplateKey, Timestamp, ValidationError};
use serde::Serialize;

/// A platform template key of either family, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformKey {
    Email(EmailTemplateKey),
    Notification(NotificationKey),
}

impl PlatformKey {
    pub fn parse(kind: PlatformKind, raw: &str) -> Result<Self, ServiceError> {
        let raw = raw.trim();
        match kind {
            PlatformKind::Email => EmailTemplateKey::parse(raw).map(Self::Email),
            PlatformKind::Notification => NotificationKey::parse(raw).map(Self::Notification),
        }
        .ok_or(ServiceError::NotFound("template"))
    }
    pub fn kind(self) -> PlatformKind {
        match self {
            Self::Email(_) => PlatformKind::Email,
            Self::Notification(_) => PlatformKind::Notification,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email(k) => k.as_str(),
            Self::Notification(k) => k.as_str(),
        }
    }
    pub fn variables(self) -> Vec<VariableDecl> {
        match self {
            Self::Email(k) => email_variables(k),
            Self::Notification(k) => k.variables(),
        }
    }
    pub fn builtin(self, language: &str) -> Option<Sources> {
        match self {
            Self::Email(k) => builtin_email(k, language),
            Self::Notification(k) => k.builtin_sources(language),
        }
    }
    pub fn all(kind: PlatformKind) -> Vec<Self> {
        match kind {
            PlatformKind::Email => EmailTemplateKey::ALL.into_iter().map(Self::Email).collect(),
            PlatformKind::Notification => NotificationKey::ALL
                .into_iter()
                .map(Self::Notification)
                .collect(),
        }
    }
}

/// One platform template in one language, as the editor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformTemplate {
    pub kind: PlatformKind,
    pub key: String,
    pub language: String,
    /// What is used now: the override when there is one, else the built-in (empty parts when
    /// neither exists in this language).
    pub subject: String,
    pub html: String,
    pub text: String,
    /// An operator's version is stored (reset to default removes it).
    pub overridden: bool,
    /// A built-in version ships in this language.
    pub has_builtin: bool,
    pub updated_at: Option<Timestamp>,
    pub variables: Vec<VariableDecl>,
    /// The edit counter (0: never edited): the `ETag`, and what `expected_version` of a
    /// save or reset must be.
    pub version: i64,
}

/// A list of platform templates: one row per key and language.
#[derive(Debug, Clone, Default)]
pub struct PlatformListFilter {
    pub language: Option<String>,
    pub sort: super::records::TemplateSort,
}

fn parse_language(raw: &str) -> Result<Language, ServiceError> {
    Ok(Language::parse(raw)?)
}

fn version_of(versions: &[PlatformTemplateVersion], key: PlatformKey, language: &str) -> i64 {
    versions
        .iter()
        .find(|v| v.key == key.as_str() && v.language == language)
        .map_or(0, |v| v.version)
}

fn row(
    key: PlatformKey,
    language: &str,
    o: Option<&PlatformOverride>,
    version: i64,
) -> PlatformTemplate {
    let builtin = key.builtin(language);
    let current = o
        .map(PlatformOverride::sources)
        .or(builtin.clone())
        .unwrap_or(Sources {
            subject: String::new(),
            html: String::new(),
            text: String::new(),
        });
    PlatformTemplate {
        kind: key.kind(),
        key: key.as_str().to_string(),
        language: language.to_string(),
        subject: current.subject,
        html: current.html,
        text: current.text,
        overridden: o.is_some(),
        has_builtin: builtin.is_some(),
        updated_at: o.map(|o| o.updated_at),
        variables: key.variables(),
        version,
    }
}

impl Services {
    fn settings(&self, actor: &BackOffice, perm: &str) -> Result<(), ServiceError> {
        actor.require(perm, ScopeRef::Platform)
    }

    /// Every key in every language it exists in (built-in or overridden), filtered by
    /// language and sorted (`settings.view` on the platform).
    pub async fn list_platform_templates(
        &self,
        actor: &BackOffice,
        kind: PlatformKind,
        filter: &PlatformListFilter,
    ) -> Result<Vec<PlatformTemplate>, ServiceError> {
        self.settings(actor, "settings.view")?;
        let language = filter.language.as_deref().map(parse_language).transpose()?;
        let overrides = self.store.platform_overrides(kind, None).await?;
        let versions = self.store.platform_template_versions(kind, None).await?;
        let mut rows = Vec::new();
        for key in PlatformKey::all(kind) {
            let mut langs: Vec<String> = BUILTIN_LANGUAGES.iter().map(|l| l.to_string()).collect();
            for o in overrides.iter().filter(|o| o.key == key.as_str()) {
                if !langs.contains(&o.language) {
                    langs.push(o.language.clone());
                }
            }
            for l in langs {
                if language.as_ref().is_some_and(|f| f.as_str() != l) {
                    continue;
                }
                let o = overrides
                    .iter()
                    .find(|o| o.key == key.as_str() && o.language == l);
                rows.push(row(key, &l, o, version_of(&versions, key, &l)));
            }
        }
        use super::records::TemplateSort as S;
        match filter.sort {
            S::Language => rows.sort_by(|a, b| (&a.language, &a.key).cmp(&(&b.language, &b.key))),
            S::LanguageDesc => {
                rows.sort_by(|a, b| b.language.cmp(&a.language).then_with(|| a.key.cmp(&b.key)))
            }
            S::Key => rows.sort_by(|a, b| (&a.key, &a.language).cmp(&(&b.key, &b.language))),
        }
        Ok(rows)
    }

    /// One key in one language (`settings.view`). A language with neither a built-in nor an
    /// override is shown empty, ready to be written.
    pub async fn get_platform_template(
        &self,
        actor: &BackOffice,
        kind: PlatformKind,
        key: &str,
        language: &str,
    ) -> Result<PlatformTemplate, ServiceError> {
        self.settings(actor, "settings.view")?;
        let key = PlatformKey::parse(kind, key)?;
        let language = parse_language(language)?;
        let overrides = self
            .store
            .platform_overrides(kind, Some(key.as_str()))
            .await?;
        let o = overrides.iter().find(|o| o.language == language.as_str());
        let versions = self
            .store
            .platform_template_versions(kind, Some(key.as_str()))
            .await?;
        Ok(row(
            key,
            language.as_str(),
            o,
            version_of(&versions, key, language.as_str()),
        ))
    }

    /// Stores the operator's version (`settings.manage`), after the sandbox's checks:
    /// compiling, declared variables only, allowed tags only, a render with the samples.
    /// A stale `expected_version` (someone saved or reset it meanwhile) is refused
    /// (`PreconditionFailed`) and changes nothing.
    pub async fn put_platform_template(
        &self,
        actor: &BackOffice,
        kind: PlatformKind,
        key: &str,
        language: &str,
        sources: Sources,
        expected_version: Option<i64>,
    ) -> Result<PlatformTemplate, ServiceError> {
        self.settings(actor, "settings.manage")?;
        let key = PlatformKey::parse(kind, key)?;
        let language = parse_language(language)?;
        let sources = normalise(kind, sources)?;
        sandbox::validate(&sources, &key.variables()).map_err(ServiceError::Template)?;
        let o = PlatformOverride {
            kind,
            key: key.as_str().to_string(),
            language: language.as_str().to_string(),
            subject: sources.subject,
            html: sources.html,
            text: sources.text,
            updated_at: self.now(),
        };
        self.store
            .put_platform_override(&actor.principal().audit_ctx(self), o, expected_version)
            .await?;
        self.get_platform_template(actor, kind, key.as_str(), language.as_str())
            .await
    }

    /// Reset to default: removes the override (`settings.manage`). NotFound when there is
    /// none; a stale `expected_version` is refused (`PreconditionFailed`), nothing changed.
    pub async fn reset_platform_template(
        &self,
        actor: &BackOffice,
        kind: PlatformKind,
        key: &str,
        language: &str,
        expected_version: Option<i64>,
    ) -> Result<PlatformTemplate, ServiceError> {
        self.settings(actor, "settings.manage")?;
        let key = PlatformKey::parse(kind, key)?;
        let language = parse_language(language)?;
        let removed = self
            .store
            .delete_platform_override(
                &actor.principal().audit_ctx(self),
                kind,
                key.as_str(),
                language.as_str(),
                expected_version,
            )
            .await?;
        if removed.is_none() {
            return Err(ServiceError::NotFound("template override"));
        }
        self.get_platform_template(actor, kind, key.as_str(), language.as_str())
            .await
    }

    /// Renders `sources` (or, when `None`, what is used now) with the declared sample values,
    /// checking them as saving would (`settings.view`). Emails come in their HTML layout.
    pub async fn preview_platform_template(
        &self,
        actor: &BackOffice,
        kind: PlatformKind,
        key: &str,
        language: &str,
        sources: Option<Sources>,
    ) -> Result<Rendered, ServiceError> {
        let current = self
            .get_platform_template(actor, kind, key, language)
            .await?;
        let key = PlatformKey::parse(kind, key)?;
        let sources = match sources {
            Some(s) => normalise(kind, s)?,
            None => Sources {
                subject: current.subject,
                html: current.html,
                text: current.text,
            },
        };
        let decls = key.variables();
        let mut r = sandbox::validate(&sources, &decls).map_err(ServiceError::Template)?;
        if kind == PlatformKind::Email {
            let mut frame = sandbox::sample_context(&decls);
            frame["subject"] = r.subject.clone().into();
            frame["language"] = current.language.clone().into();
            r.html = sandbox::render_frame(EMAIL_LAYOUT, &frame, &r.html)
                .map_err(ServiceError::Template)?;
        }
        Ok(r)
    }

    /// Renders a notification text for the viewer's language (requested, default, English;
    /// override before built-in in each), with `vars`. Falls back to the built-in when an
    /// override fails.
    pub async fn render_notification(
        &self,
        key: NotificationKey,
        language: Option<&str>,
        vars: &serde_json::Value,
    ) -> Result<String, ServiceError> {
        let overrides = self
            .store
            .platform_overrides(PlatformKind::Notification, Some(key.as_str()))
            .await?;
        let mut ctx = serde_json::json!({
            "platform": self.config.platform_name,
            "public_url": self.config.public_url,
        });
        if let (Some(m), serde_json::Value::Object(v)) = (ctx.as_object_mut(), vars) {
            m.extend(v.clone());
        }
        let mut langs: Vec<String> = Vec::new();
        for l in [
            language,
            Some(self.config.default_language.as_str()),
            Some("en"),
        ]
        .into_iter()
        .flatten()
        .filter_map(|l| Language::primary(l).ok())
        {
            if !langs.iter().any(|x| x == l.as_str()) {
                langs.push(l.as_str().to_string());
            }
        }
        for l in &langs {
            ctx["language"] = l.clone().into();
            if let Some(o) = overrides.iter().find(|o| &o.language == l) {
                match sandbox::render(&o.sources(), &ctx) {
                    Ok(r) => return Ok(r.text),
                    Err(e) => {
                        tracing::warn!(key = key.as_str(), error = %e, "notification override failed")
                    }
                }
            }
            if let Some(s) = key.builtin_sources(l) {
                return sandbox::render(&s, &ctx).map(|r| r.text).map_err(|e| {
                    ServiceError::Internal(format!("notification {}: {e}", key.as_str()))
                });
            }
        }
        Err(ServiceError::Internal(format!(
            "no text for notification {}",
            key.as_str()
        )))
    }
}

/// Notifications are one text: no subject, no HTML. Emails need a subject and both bodies.
fn normalise(kind: PlatformKind, s: Sources) -> Result<Sources, ServiceError> {
    match kind {
        PlatformKind::Notification => {
            if s.text.trim().is_empty() {
                return Err(ValidationError::new("text_body", "write the text").into());
            }
            Ok(Sources {
                subject: String::new(),
                html: String::new(),
                text: s.text,
            })
        }
        PlatformKind::Email => {
            for (field, v) in [
                ("subject", &s.subject),
                ("html_body", &s.html),
                ("text_body", &s.text),
            ] {
                if v.trim().is_empty() {
                    return Err(ValidationError::new(field, "this part may not be empty").into());
                }
            }
            Ok(s)
        }
    }
}
