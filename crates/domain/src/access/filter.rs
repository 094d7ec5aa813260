//! Data filters (P5): what narrows a user's permissions to some organizations.
//!
//! A user's filters are a conjunction: an organization is in reach when it passes every
//! filter. A filter passes for an organization when the organization itself *or one of its
//! ancestors* matches it, so a filter on a parent reaches its sub-organizations (the same way
//! a role assigned at an organization reaches its sub-organizations, P3). A user without
//! filters is not narrowed. The super admin is never narrowed.
//!
//! Filter kinds:
//! - `tag`: the organization carries any of the listed tags;
//! - `attribute`: the organization's attribute `name` has one of the listed values
//!   (`country in (IT, DK)`);
//! - `organizations`: the organization is one of the listed ones.

use crate::ValidationError;
use crate::ids::OrgId;
use crate::org::Tag;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataFilter {
    Tag { tags: Vec<String> },
    Attribute { name: String, values: Vec<String> },
    Organizations { organizations: Vec<OrgId> },
}

/// At most this many values in one filter and filters per user.
pub const MAX_VALUES: usize = 200;
pub const MAX_FILTERS: usize = 16;

impl DataFilter {
    /// Normalises and checks a filter: tags parse as tags, attribute names as identifiers, no
    /// empty value list.
    pub fn parse(self) -> Result<Self, ValidationError> {
        let err = |m: &str| ValidationError::new("filters", m.to_string());
        let out = match self {
            DataFilter::Tag { tags } => {
                let mut t: Vec<String> = tags
                    .iter()
                    .map(|t| Tag::parse(t).map(|t| t.as_str().to_string()))
                    .collect::<Result<_, _>>()?;
                t.sort();
                t.dedup();
                DataFilter::Tag { tags: t }
            }
            DataFilter::Attribute { name, values } => {
                let name = name.trim().to_string();
                if name.is_empty()
                    || name.len() > 40
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    return Err(err(
                        "an attribute filter names an attribute: 1-40 of letters, digits, '_' or '-'",
                    ));
                }
                let mut v: Vec<String> = values
                    .iter()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                v.sort();
                v.dedup();
                DataFilter::Attribute { name, values: v }
            }
            DataFilter::Organizations { mut organizations } => {
                organizations.sort();
                organizations.dedup();
                DataFilter::Organizations { organizations }
            }
        };
        let n = match &out {
            DataFilter::Tag { tags } => tags.len(),
            DataFilter::Attribute { values, .. } => values.len(),
            DataFilter::Organizations { organizations } => organizations.len(),
        };
        if n == 0 {
            return Err(err("a filter needs at least one value"));
        }
        if n > MAX_VALUES {
            return Err(err("a filter has at most 200 values"));
        }
        Ok(out)
    }

    /// Does the organization itself match (ancestors are the caller's business)?
    pub fn matches_org(
        &self,
        id: OrgId,
        tags: &[String],
        attributes: &BTreeMap<String, String>,
    ) -> bool {
        match self {
            DataFilter::Tag { tags: want } => tags.iter().any(|t| want.contains(t)),
            DataFilter::Attribute { name, values } => {
                attributes.get(name).is_some_and(|v| values.contains(v))
            }
            DataFilter::Organizations { organizations } => organizations.contains(&id),
        }
    }

    /// A short human description (explain, the console).
    pub fn describe(&self) -> String {
        match self {
            DataFilter::Tag { tags } => format!("tag in ({})", tags.join(", ")),
            DataFilter::Attribute { name, values } => {
                format!("{name} in ({})", values.join(", "))
            }
            DataFilter::Organizations { organizations } => format!(
                "organization in ({})",
                organizations
                    .iter()
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Parses a user's whole filter list.
pub fn parse_filters(filters: Vec<DataFilter>) -> Result<Vec<DataFilter>, ValidationError> {
    if filters.len() > MAX_FILTERS {
        return Err(ValidationError::new("filters", "at most 16 filters"));
    }
    filters.into_iter().map(DataFilter::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let f = DataFilter::Attribute {
            name: " country ".into(),
            values: vec!["IT".into(), "DK".into(), "IT".into(), " ".into()],
        }
        .parse()
        .unwrap();
        assert_eq!(
            f,
            DataFilter::Attribute {
                name: "country".into(),
                values: vec!["DK".into(), "IT".into()]
            }
        );
        let mut attrs = BTreeMap::new();
        let o = OrgId::generate();
        assert!(!f.matches_org(o, &[], &attrs));
        attrs.insert("country".to_string(), "IT".to_string());
        assert!(f.matches_org(o, &[], &attrs));
        assert_eq!(f.describe(), "country in (DK, IT)");

        assert!(
            DataFilter::Tag {
                tags: vec!["no spaces".into()],
            }
            .parse()
            .is_err()
        );
        let t = DataFilter::Tag {
            tags: vec!["Gold".into()],
        }
        .parse()
        .unwrap();
        assert!(t.matches_org(o, &["gold".into()], &attrs));
        assert!(!t.matches_org(o, &["silver".into()], &attrs));

        assert!(
            DataFilter::Organizations {
                organizations: vec![]
            }
            .parse()
            .is_err()
        );
        let l = DataFilter::Organizations {
            organizations: vec![o],
        };
        assert!(l.matches_org(o, &[], &attrs));
        assert!(!l.matches_org(OrgId::generate(), &[], &attrs));
        let json: DataFilter = serde_json::from_str(r#"{"kind":"tag","tags":["gold"]}"#).unwrap();
        assert_eq!(json, t);
    }
}
