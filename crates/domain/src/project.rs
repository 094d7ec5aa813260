//! Projects (PR1): a project belongs to an organization and has a name and a status.

use serde::{Deserialize, Serialize};

/// A project's display name: the same rule as an organization's (1–200 characters, trimmed,
/// NFC, no control characters).
pub type ProjectName = crate::org::OrgName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    Active,
    Archived,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ProjectId;

    #[test]
    fn status_round_trips_and_ids_have_their_prefix() {
        for s in [ProjectStatus::Active, ProjectStatus::Archived] {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ProjectStatus::parse("suspended"), None);
        let id = ProjectId::generate();
        assert!(id.to_string().starts_with("prj_"));
        assert_eq!(ProjectId::parse(&id.to_string()).unwrap(), id);
        assert!(crate::OrgId::parse(&id.to_string()).is_err());
    }
}
