//! Editable templates (C2, C5, S4): their language, their key and the variables a template
//! may use. A template only sees the variables its key declares; each declaration carries a
//! description for the editor and a sample value for the preview.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// A template language: an ISO 639 code, two or three lowercase letters (`en`, `de`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    /// `EN`, ` de ` → `en`, `de`. Region subtags are refused: templates are per language.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim().to_ascii_lowercase();
        if (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(
                "language",
                "a language code of two or three letters, e.g. en or de",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A person's language as entered: blank is none (the platform's default); a region is
    /// dropped (`de-CH`, `pt_BR` → `de`, `pt`), since templates are per language.
    pub fn optional(raw: Option<&str>) -> Result<Option<Self>, ValidationError> {
        raw.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Self::primary)
            .transpose()
    }

    /// A tag's primary language (`de-CH`, `pt_BR` → `de`, `pt`).
    pub fn primary(tag: &str) -> Result<Self, ValidationError> {
        let tag = tag.trim();
        Self::parse(tag.split(['-', '_']).next().unwrap_or(tag))
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A catalog email template's key (C2): lowercase letters, digits, `.`, `_` and `-`, starting
/// with a letter, up to 64 characters (`course.reminder`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateKey(String);

impl TemplateKey {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok = (1..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(ValidationError::new(
                "key",
                "lowercase letters, digits, dots, dashes and underscores, starting with a letter (up to 64)",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One variable a template may use: its name (an identifier), what it is, and a sample value
/// used by the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableDecl {
    pub name: String,
    pub description: String,
    pub sample: String,
}

/// Names the template machinery itself provides or reserves; a declaration may not take them.
pub const RESERVED_NAMES: &[&str] = &["loop", "self", "super", "caller", "varargs", "kwargs"];

impl VariableDecl {
    pub fn parse(name: &str, description: &str, sample: &str) -> Result<Self, ValidationError> {
        let name = name.trim();
        let ident = (1..=40).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ident || RESERVED_NAMES.contains(&name) {
            return Err(ValidationError::new(
                "variables",
                format!(
                    "“{name}” is not a variable name: lowercase letters, digits and underscores, not a reserved word"
                ),
            ));
        }
        if description.chars().count() > 200 || sample.chars().count() > 2000 {
            return Err(ValidationError::new(
                "variables",
                format!("the description or sample of “{name}” is too long"),
            ));
        }
        Ok(Self {
            name: name.to_string(),
            description: description.trim().to_string(),
            sample: sample.to_string(),
        })
    }
}

/// A declared list: names unique, at most 50.
pub fn parse_declarations(
    raw: &[(String, String, String)],
) -> Result<Vec<VariableDecl>, ValidationError> {
    if raw.len() > 50 {
        return Err(ValidationError::new("variables", "at most 50 variables"));
    }
    let mut out: Vec<VariableDecl> = Vec::with_capacity(raw.len());
    for (n, d, s) in raw {
        let v = VariableDecl::parse(n, d, s)?;
        if out.iter().any(|o| o.name == v.name) {
            return Err(ValidationError::new(
                "variables",
                format!("“{}” is declared twice", v.name),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_keys() {
        assert_eq!(Language::parse(" DE ").unwrap().as_str(), "de");
        assert!(Language::parse("de-CH").is_err());
        assert!(Language::parse("e").is_err());
        assert_eq!(Language::optional(None).unwrap(), None);
        assert_eq!(Language::optional(Some("  ")).unwrap(), None);
        assert_eq!(
            Language::optional(Some("FR"))
                .unwrap()
                .map(|l| l.to_string()),
            Some("fr".to_string())
        );
        assert_eq!(
            Language::optional(Some("fr!")).unwrap_err().field,
            "language"
        );
        assert_eq!(
            Language::optional(Some("de-CH")).unwrap().unwrap().as_str(),
            "de"
        );
        assert_eq!(
            Language::optional(Some("pt_BR")).unwrap().unwrap().as_str(),
            "pt"
        );
        assert!(Language::optional(Some("-CH")).is_err());
        assert!(TemplateKey::parse("course.reminder_1").is_ok());
        assert!(TemplateKey::parse("1x").is_err());
        assert!(TemplateKey::parse("A").is_err());
    }

    #[test]
    fn declarations() {
        assert!(VariableDecl::parse("first_name", "", "Anna").is_ok());
        assert!(VariableDecl::parse("self", "", "").is_err());
        assert!(VariableDecl::parse("a-b", "", "").is_err());
        let twice = vec![
            ("a".to_string(), String::new(), String::new()),
            ("a".to_string(), String::new(), String::new()),
        ];
        assert!(parse_declarations(&twice).is_err());
    }
}
