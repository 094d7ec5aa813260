use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A username: 3–64 characters of letters, digits, `.`, `_`, `-`; unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = crate::text::nfc(raw.trim());
        let n = s.chars().count();
        if !(3..=64).contains(&n) {
            return Err(ValidationError::new(
                "username",
                "a username has 3 to 64 characters",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ValidationError::new(
                "username",
                "a username may contain letters, digits, '.', '_' and '-' only",
            ));
        }
        if s.contains('@') {
            return Err(ValidationError::new(
                "username",
                "a username cannot contain @",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Comparison key (NFKC, lower-cased).
    pub fn key(&self) -> String {
        crate::text::nfkc_lowercase(&self.0)
    }

    /// A username derived from an email's local part, for people added by email only.
    pub fn suggest_from_email(email: &crate::Email) -> Self {
        let local = email.as_str().split('@').next().unwrap_or("user");
        let mut s: String = local
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(48)
            .collect();
        while s.chars().count() < 3 {
            s.push('_');
        }
        Self(s)
    }

    /// `base` with a numeric suffix, for resolving a taken suggestion.
    pub fn with_suffix(&self, n: u32) -> Self {
        let base: String = self.0.chars().take(54).collect();
        Self(format!("{base}{n}"))
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A first or last name: trimmed, at most 100 characters, may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let s = crate::text::nfc(raw.trim());
        if s.chars().count() > 100 {
            return Err(ValidationError::new(field, "at most 100 characters"));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(ValidationError::new(
                field,
                "cannot contain control characters",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Invited,
    Active,
    Blocked,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Blocked => "blocked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited" => Some(Self::Invited),
            "active" => Some(Self::Active),
            "blocked" => Some(Self::Blocked),
            _ => None,
        }
    }
}

/// U2: `internal` is the organization that created the user (its home); `external` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MembershipKind {
    Internal,
    External,
}

impl MembershipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::External => "external",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "internal" => Some(Self::Internal),
            "external" => Some(Self::External),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Anna.R ").unwrap().key(), "anna.r");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("anna@x").is_err());
        assert!(Username::parse("Łukasz_Ż").is_ok());
        let e = crate::Email::parse("a@example.com").unwrap();
        assert_eq!(Username::suggest_from_email(&e).as_str(), "a__");
    }
}
