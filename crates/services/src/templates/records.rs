//! The records templates are stored as, handed to and from the store.

use portico_domain::Timestamp;
use portico_domain::ids::EmailTemplateId;
use portico_domain::template::VariableDecl;
use serde::Serialize;

/// A catalog email template (C2) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEmailTemplate {
    pub id: EmailTemplateId,
    pub key: String,
    pub language: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub variables: Vec<VariableDecl>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// What is written when a catalog email template is created or changed (already checked).
#[derive(Debug, Clone)]
pub struct CatalogEmailWrite {
    pub key: String,
    pub language: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub variables: Vec<VariableDecl>,
}

/// How a template list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateSort {
    /// By language, then key (the default).
    #[default]
    Language,
    /// By language descending, then key.
    LanguageDesc,
    /// By key, then language.
    Key,
}

impl TemplateSort {
    /// `language`, `-language`, `key`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "language" => Some(Self::Language),
            "-language" => Some(Self::LanguageDesc),
            "key" => Some(Self::Key),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Language => "language",
            Self::LanguageDesc => "-language",
            Self::Key => "key",
        }
    }
}

/// Which templates a list shows.
#[derive(Debug, Clone, Default)]
pub struct TemplateFilter {
    pub language: Option<String>,
    pub sort: TemplateSort,
}

/// A catalog email template as one organization sees it (C4).
#[derive(Debug, Clone, Serialize)]
pub struct OrgEmailTemplate {
    pub template: CatalogEmailTemplate,
    pub enabled: bool,
}

/// The support text (S3), as its Markdown source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportTextRecord {
    pub markdown: String,
    pub updated_at: Timestamp,
}
