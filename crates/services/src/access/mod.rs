//! Access control in the services: the engine cache, the capability checks and the use cases
//! of roles, assignments, overrides, filters, relationships, impersonation and explain.

pub mod cache;
pub mod filters;
pub mod records;
pub mod snapshot;

pub use cache::AccessCache;
pub use snapshot::AccessSnapshot;
pub mod admin;
pub mod explain;
pub mod grants;
pub mod guard;
pub mod impersonation;
pub mod roles;
