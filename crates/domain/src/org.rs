use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// A URL-safe unique handle: 2–63 of `a-z`, `0-9`, `-`, not starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::parse_field("slug", raw)
    }

    fn parse_field(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let n = s.len();
        if !(2..=63).contains(&n) {
            return Err(ValidationError::new(field, "2 to 63 characters"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ValidationError::new(
                field,
                "lower-case letters, digits and '-' only",
            ));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(ValidationError::new(field, "cannot start or end with '-'"));
        }
        Ok(Self(s.to_string()))
    }

    /// A slug made from a display name ("Città di Roma" → "citta-di-roma").
    pub fn from_name(name: &str) -> Option<Self> {
        let mut out = String::new();
        // Letters that Unicode does not decompose into a base letter and a mark.
        let expanded: String = name
            .chars()
            .map(|c| match c {
                'æ' | 'Æ' => "ae".to_string(),
                'ø' | 'Ø' => "o".to_string(),
                'œ' | 'Œ' => "oe".to_string(),
                'ß' => "ss".to_string(),
                'ł' | 'Ł' => "l".to_string(),
                'đ' | 'Đ' => "d".to_string(),
                'þ' | 'Þ' => "th".to_string(),
                c => c.to_string(),
            })
            .collect();
        for c in expanded.nfkd() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if (c.is_whitespace() || c == '-' || c == '_' || c == '.')
                && !out.ends_with('-')
                && !out.is_empty()
            {
                out.push('-');
            }
        }
        let out = out.trim_end_matches('-');
        let out: String = out.chars().take(63).collect();
        Self::parse(out.trim_end_matches('-')).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization's display name: 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = crate::text::nfc(raw.trim());
        if s.is_empty() {
            return Err(ValidationError::new("name", "enter a name"));
        }
        if s.chars().count() > 200 {
            return Err(ValidationError::new("name", "at most 200 characters"));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(ValidationError::new(
                "name",
                "cannot contain control characters",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgStatus {
    Active,
    Suspended,
}

impl OrgStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            _ => None,
        }
    }
}

/// A tag on an organization (used by data filters): a slug-like word.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() || s.len() > 40 {
            return Err(ValidationError::new("tags", "a tag has 1 to 40 characters"));
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ValidationError::new(
                "tags",
                "a tag may contain letters, digits, '-' and '_' only",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tags, deduplicated and sorted; at most 32.
pub fn parse_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Tag>, ValidationError> {
    let mut tags: Vec<Tag> = raw
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .map(Tag::parse)
        .collect::<Result<_, _>>()?;
    tags.sort();
    tags.dedup();
    if tags.len() > 32 {
        return Err(ValidationError::new("tags", "at most 32 tags"));
    }
    Ok(tags)
}

/// Key–value attributes (O1), e.g. `country = IT`. Keys are identifiers, values short text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Attributes(BTreeMap<String, String>);

impl Attributes {
    pub fn parse(map: BTreeMap<String, String>) -> Result<Self, ValidationError> {
        if map.len() > 64 {
            return Err(ValidationError::new("attributes", "at most 64 attributes"));
        }
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let k = k.trim().to_string();
            if k.is_empty()
                || k.len() > 40
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(ValidationError::new(
                    "attributes",
                    format!("attribute name {k:?} must be 1-40 of letters, digits, '_' or '-'"),
                ));
            }
            let v = v.trim().to_string();
            if v.chars().count() > 200 {
                return Err(ValidationError::new(
                    "attributes",
                    format!("attribute {k:?}: value has at most 200 characters"),
                ));
            }
            out.insert(k, v);
        }
        Ok(Self(out))
    }
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
    /// Parses `key=value` lines (the console's textarea).
    pub fn parse_lines(text: &str) -> Result<Self, ValidationError> {
        let mut map = BTreeMap::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (k, v) = line.split_once('=').ok_or_else(|| {
                ValidationError::new("attributes", format!("{line:?}: write key=value"))
            })?;
            map.insert(k.trim().to_string(), v.trim().to_string());
        }
        Self::parse(map)
    }
}

/// O1: a cycle is refused. `ancestors_of_new_parent` lists the new parent and its ancestors
/// (nearest first); moving `org` under it is a cycle when `org` is among them.
pub fn check_no_cycle<T: PartialEq>(
    org: &T,
    ancestors_of_new_parent: &[T],
) -> Result<(), ValidationError> {
    if ancestors_of_new_parent.iter().any(|a| a == org) {
        return Err(ValidationError::new(
            "parent",
            "an organization cannot be placed under itself or one of its sub-organizations",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::parse("acme-eu").is_ok());
        for bad in ["a", "-a", "a-", "Acme", "a_b", "a b"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Slug::from_name("Città di Roma!").unwrap().as_str(),
            "citta-di-roma"
        );
        assert_eq!(
            Slug::from_name("Nordlys Læring").unwrap().as_str(),
            "nordlys-laering"
        );
        assert_eq!(
            Slug::from_name("Łódź Straße").unwrap().as_str(),
            "lodz-strasse"
        );
        assert!(Slug::from_name("東京").is_none());
    }

    #[test]
    fn cycles() {
        assert!(check_no_cycle(&1, &[2, 3]).is_ok());
        assert!(check_no_cycle(&1, &[1]).is_err());
        assert!(check_no_cycle(&1, &[4, 1, 7]).is_err());
    }

    #[test]
    fn attributes() {
        let a = Attributes::parse_lines("country = IT\n\nregion=north").unwrap();
        assert_eq!(a.as_map()["country"], "IT");
        assert!(Attributes::parse_lines("nokey").is_err());
        assert!(Attributes::parse_lines("bad key=1").is_err());
    }
}
