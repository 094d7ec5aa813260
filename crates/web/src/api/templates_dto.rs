//! The JSON shapes of templates and texts (C2, C4, C5, S3, S4).

use portico_domain::template::VariableDecl;
use portico_services::templates::platform_edit::PlatformTemplate;
use portico_services::templates::records::{CatalogEmailTemplate, OrgEmailTemplate};
use portico_services::templates::sandbox::Rendered;
use portico_services::templates::support::SupportText;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A variable a template may use.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    #[schema(example = "first_name")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Used by the preview, and to check the template on save.
    #[serde(default)]
    pub sample: String,
}

impl From<VariableDecl> for Variable {
    fn from(v: VariableDecl) -> Self {
        Self {
            name: v.name,
            description: v.description,
            sample: v.sample,
        }
    }
}

/// `?language=&sort=` on template lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateListQuery {
    /// Only this language (`en`, `de`, …).
    pub language: Option<String>,
    /// `language` (default), `-language` or `key`.
    pub sort: Option<String>,
}

/// A platform email or notification template in one language.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformTemplateDto {
    /// `email` or `notification`.
    pub kind: String,
    #[schema(example = "welcome")]
    pub key: String,
    #[schema(example = "de")]
    pub language: String,
    /// Empty for notifications.
    pub subject: String,
    /// The HTML body (put in the platform's email layout when sent); empty for notifications.
    pub html_body: String,
    pub text_body: String,
    /// An operator's version is stored; DELETE resets to the built-in.
    pub overridden: bool,
    /// A built-in version ships in this language.
    pub has_builtin: bool,
    pub updated_at: Option<String>,
    pub variables: Vec<Variable>,
    /// The edit counter, also the `ETag` (`"v3"`) a save or reset can name in `If-Match`.
    pub version: i64,
}

impl From<PlatformTemplate> for PlatformTemplateDto {
    fn from(t: PlatformTemplate) -> Self {
        Self {
            kind: match t.kind {
                portico_services::templates::platform::PlatformKind::Email => "email".into(),
                portico_services::templates::platform::PlatformKind::Notification => {
                    "notification".into()
                }
            },
            key: t.key,
            language: t.language,
            subject: t.subject,
            html_body: t.html,
            text_body: t.text,
            overridden: t.overridden,
            has_builtin: t.has_builtin,
            updated_at: t.updated_at.map(|t| t.to_rfc3339()),
            variables: t.variables.into_iter().map(Variable::from).collect(),
            version: t.version,
        }
    }
}

/// The parts of a template. Notifications use `text_body` only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateParts {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub html_body: String,
    #[serde(default)]
    pub text_body: String,
}

impl From<TemplateParts> for portico_services::templates::sandbox::Sources {
    fn from(p: TemplateParts) -> Self {
        Self {
            subject: p.subject,
            html: p.html_body,
            text: p.text_body,
        }
    }
}

/// A template rendered with its declared sample values.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewDto {
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
}

impl From<Rendered> for PreviewDto {
    fn from(r: Rendered) -> Self {
        Self {
            subject: r.subject,
            html_body: r.html,
            text_body: r.text,
        }
    }
}

/// A catalog email template (C2).
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogEmailDto {
    #[schema(example = "etp_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    #[schema(example = "course.reminder")]
    pub key: String,
    pub language: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    pub variables: Vec<Variable>,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-concurrency version; also sent as the `ETag`.
    pub version: i64,
}

impl From<CatalogEmailTemplate> for CatalogEmailDto {
    fn from(t: CatalogEmailTemplate) -> Self {
        Self {
            id: t.id.to_string(),
            key: t.key,
            language: t.language,
            subject: t.subject,
            html_body: t.html,
            text_body: t.text,
            variables: t.variables.into_iter().map(Variable::from).collect(),
            created_at: t.created_at.to_rfc3339(),
            updated_at: t.updated_at.to_rfc3339(),
            version: t.version,
        }
    }
}

/// What creates or replaces a catalog email template.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogEmailInputDto {
    pub key: String,
    pub language: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    #[serde(default)]
    pub variables: Vec<Variable>,
}

impl From<CatalogEmailInputDto> for portico_services::templates::catalog::CatalogEmailInput {
    fn from(b: CatalogEmailInputDto) -> Self {
        Self {
            key: b.key,
            language: b.language,
            subject: b.subject,
            html: b.html_body,
            text: b.text_body,
            variables: b
                .variables
                .into_iter()
                .map(|v| (v.name, v.description, v.sample))
                .collect(),
        }
    }
}

/// A catalog email template as one organization has it (C4).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgEmailDto {
    pub id: String,
    pub key: String,
    pub language: String,
    pub subject: String,
    /// Switched on in this organization.
    pub enabled: bool,
}

impl From<OrgEmailTemplate> for OrgEmailDto {
    fn from(o: OrgEmailTemplate) -> Self {
        Self {
            id: o.template.id.to_string(),
            key: o.template.key,
            language: o.template.language,
            subject: o.template.subject,
            enabled: o.enabled,
        }
    }
}

/// S3: the support text.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportTextDto {
    /// The Markdown source.
    pub markdown: String,
    /// Rendered and sanitised: what Home shows.
    pub html: String,
    pub updated_at: Option<String>,
}

impl From<SupportText> for SupportTextDto {
    fn from(t: SupportText) -> Self {
        Self {
            markdown: t.markdown,
            html: t.html,
            updated_at: t.updated_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportTextInput {
    pub markdown: String,
}
