use crate::ValidationError;
use std::fmt;

/// An email address as the person typed it (trimmed, NFC), with its comparison key
/// (NFKC, lower-cased). Two emails are the same person when their keys are equal (U1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    display: String,
    key: String,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |m: &str| ValidationError::new("email", m);
        let display = crate::text::nfc(raw.trim());
        if display.is_empty() {
            return Err(err("enter an email address"));
        }
        if display.chars().count() > 254 {
            return Err(err("an email address has at most 254 characters"));
        }
        if display.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("an email address cannot contain spaces"));
        }
        let Some((local, domain)) = display.rsplit_once('@') else {
            return Err(err("an email address needs an @"));
        };
        if local.is_empty() || local.contains('@') || local.chars().count() > 64 {
            return Err(err("the part before the @ is not valid"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
            || domain
                .chars()
                .any(|c| !(c.is_alphanumeric() || c == '-' || c == '.'))
        {
            return Err(err("the domain after the @ is not valid"));
        }
        let key = crate::text::nfkc_lowercase(&display);
        Ok(Self { display, key })
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The comparison key: unique across the installation.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key for a raw string, for lookups (`None` if it is not an email).
    pub fn key_of(raw: &str) -> Option<String> {
        Self::parse(raw).ok().map(|e| e.key)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_for_comparison() {
        let a = Email::parse("  Anna.Rossi@Example.COM ").unwrap();
        let b = Email::parse("anna.rossi@example.com").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.as_str(), "Anna.Rossi@Example.COM");
        // A decomposed "é" and a composed one are the same address.
        let c = Email::parse("jose\u{0301}@example.com").unwrap();
        let d = Email::parse("jos\u{e9}@example.com").unwrap();
        assert_eq!(c.key(), d.key());
        // Full-width letters fold under NFKC.
        let e = Email::parse("ＡＢＣ@example.com").unwrap();
        assert_eq!(e.key(), "abc@example.com");
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in [
            "", "a", "a@", "@b.c", "a@b", "a b@c.d", "a@b..c", "a@-b.c", "a@b.c d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
