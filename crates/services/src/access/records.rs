//! Access-control records the store reads and writes (roles, assignments, overrides, data
//! filters, relationships) and what it loads to build the engine.

use portico_domain::Timestamp;
use portico_domain::access::{DataFilter, Level, Relation};
use portico_domain::ids::{AssignmentId, OrgId, OverrideId, ProjectId, RoleId, UserId};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where an assignment or override applies (P3): the platform, an organization (and its
/// sub-organizations), or one project. A project's organization is not part of the value: ask
/// the access snapshot (`AccessSnapshot::scope_org`) or, in the store, the projects table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeRef {
    Platform,
    Org(OrgId),
    Project(ProjectId),
}

impl ScopeRef {
    /// `platform` or the organization's id: what the database stores and the API shows.
    pub fn key(&self) -> String {
        match self {
            ScopeRef::Platform => "platform".into(),
            ScopeRef::Org(o) => o.to_string(),
            ScopeRef::Project(p) => p.to_string(),
        }
    }
    pub fn parse(s: &str) -> Result<Self, portico_domain::ValidationError> {
        let s = s.trim();
        if s.is_empty() || s == "platform" {
            return Ok(ScopeRef::Platform);
        }
        if let Ok(p) = ProjectId::parse(s) {
            return Ok(ScopeRef::Project(p));
        }
        OrgId::parse(s).map(ScopeRef::Org).map_err(|_| {
            portico_domain::ValidationError::new(
                "scope",
                "a scope is `platform`, an organization id (org_…) or a project id (prj_…)",
            )
        })
    }
    pub fn level(&self) -> Level {
        match self {
            ScopeRef::Platform => Level::Platform,
            ScopeRef::Org(_) => Level::Organization,
            ScopeRef::Project(_) => Level::Project,
        }
    }
}

impl std::fmt::Display for ScopeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for ScopeRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a role's permissions reach (P8), as stored: `scope`, `manager`, `parent`, `mentor`.
pub fn reach_key(reach: portico_domain::access::Reach) -> &'static str {
    use portico_domain::access::Reach;
    match reach {
        Reach::Scope => "scope",
        Reach::Related(Relation::Manager) => "manager",
        Reach::Related(Relation::Parent) => "parent",
        Reach::Related(Relation::Mentor) => "mentor",
    }
}

pub fn parse_reach(s: &str) -> Option<portico_domain::access::Reach> {
    use portico_domain::access::Reach;
    Some(match s {
        "scope" => Reach::Scope,
        other => Reach::Related(parse_relation(other)?),
    })
}

pub fn relation_key(r: Relation) -> &'static str {
    match r {
        Relation::Manager => "manager",
        Relation::Parent => "parent",
        Relation::Mentor => "mentor",
    }
}

pub fn parse_relation(s: &str) -> Option<Relation> {
    Some(match s {
        "manager" => Relation::Manager,
        "parent" => Relation::Parent,
        "mentor" => Relation::Mentor,
        _ => return None,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleRecord {
    pub id: RoleId,
    /// Stable machine key (`lms.partial_administrator`, `custom.tutor`).
    pub key: String,
    pub name: String,
    pub level: Level,
    pub description: String,
    /// Permission keys, in catalogue order.
    pub permissions: Vec<String>,
    /// `scope`, `manager`, `parent` or `mentor` (P8).
    pub reach: String,
    /// Presets ship read-only.
    pub preset: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone, Default)]
pub struct RolePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssignmentRecord {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub scope: ScopeRef,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideEffect {
    Grant,
    Deny,
}

impl OverrideEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            OverrideEffect::Grant => "grant",
            OverrideEffect::Deny => "deny",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "grant" => Some(OverrideEffect::Grant),
            "deny" => Some(OverrideEffect::Deny),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OverrideRecord {
    pub id: OverrideId,
    pub user_id: UserId,
    pub effect: OverrideEffect,
    pub permission: String,
    pub scope: ScopeRef,
    pub created_at: Timestamp,
}

/// A relationship inside an organization (P8): `from` is the manager, parent or mentor of `to`.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipRecord {
    pub org_id: OrgId,
    pub relation: String,
    pub from_user_id: UserId,
    pub to_user_id: UserId,
    pub created_at: Timestamp,
}

/// An organization as the engine needs it: its place in the tree and what filters read.
#[derive(Debug, Clone)]
pub struct AccessOrg {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, String>,
}

/// A project as the engine needs it: which organization it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct AccessProject {
    pub id: ProjectId,
    pub org_id: OrgId,
}

/// Everything the access engine is built from, read in one transaction at `version`.
#[derive(Debug, Clone, Default)]
pub struct AccessData {
    pub version: i64,
    pub orgs: Vec<AccessOrg>,
    pub projects: Vec<AccessProject>,
    pub roles: Vec<RoleRecord>,
    pub assignments: Vec<AssignmentRecord>,
    pub overrides: Vec<OverrideRecord>,
    /// Each user's filters, in the order they were set.
    pub filters: Vec<(UserId, DataFilter)>,
    pub super_admin: Option<UserId>,
    /// A5: permissions registered by applications, in registration order; they join the
    /// catalogue after Portico's own.
    pub app_permissions: Vec<crate::app_records::AppPermissionRecord>,
    /// S6: the platform's security policy and the organizations' overrides.
    pub policies: Vec<crate::security::PolicyRecord>,
}

/// Which organizations a list may show (P5, "every list filters by what the viewer may see").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// No restriction.
    All,
    /// Only these organizations (possibly none).
    Orgs(Vec<OrgId>),
}

/// Which users a user list or search may show.
#[derive(Debug, Clone)]
pub struct UserReach {
    /// `All`: every user. `Orgs`: users with a membership in one of these.
    pub orgs: Reach,
    /// Leave out users who hold a platform role (a viewer without `administrators.view`).
    pub hide_administrators: bool,
}

impl UserReach {
    pub fn everyone() -> Self {
        Self {
            orgs: Reach::All,
            hide_administrators: false,
        }
    }
}
