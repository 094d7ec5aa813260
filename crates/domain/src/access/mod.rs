//! Access control (SPEC P1–P10): the permission catalogue, permission sets, roles and presets,
//! the effective-permission engine with explain, and the no-escalation rules.
//!
//! Everything here is pure: the engine is built from plain data (an organization tree, roles,
//! assignments, personal overrides) and answers questions; storage and services feed it.

pub mod catalog;
pub mod engine;
pub mod escalation;
pub mod filter;
pub mod presets;
pub mod role;
pub mod set;
pub mod tree;

pub use catalog::{Catalog, CatalogEntry, Level, LevelSet, PermIx, Permission};
pub use engine::{
    AccessEngine, Assignment, Decision, Effect, Explanation, OrgKey, OrgTree, Override, ProjectKey,
    Reason, RoleKey, Scope, UserKey,
};
pub use escalation::{Refusal, Subject, UserAction, check_user_action, may_act_on, may_grant};
pub use filter::DataFilter;
pub use role::{Reach, Relation, Role};
pub use set::PermissionSet;

/// Why an access-control value or model was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("invalid permission key {0:?}: lower-case dotted words such as users.block")]
    InvalidKey(String),
    #[error("unknown permission {0:?}")]
    UnknownPermission(String),
    #[error("permission {0:?} is already in the catalogue")]
    DuplicatePermission(String),
    #[error("the catalogue is full ({} permissions)", set::MAX_PERMISSIONS)]
    CatalogFull,
    #[error("permission {permission:?} does not apply at the {level} level (role {role:?})")]
    NotValidAtLevel {
        role: String,
        permission: String,
        level: Level,
    },
    #[error("organization {0} is its own ancestor")]
    Cycle(u32),
    #[error("organization {0} is not in the tree")]
    UnknownOrg(u32),
    #[error("role {0} is not defined")]
    UnknownRole(u32),
    #[error("a {role_level} role cannot be assigned at a {scope_level} scope")]
    LevelMismatch {
        role_level: Level,
        scope_level: Level,
    },
    #[error("unknown preset {0:?}: basic, lms or crm")]
    UnknownPreset(String),
}

#[cfg(test)]
mod proptests;
