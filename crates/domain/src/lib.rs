//! Portico's domain: the types and rules of the product, with no IO.
//!
//! Architecture invariant: nothing here touches the network, the disk, the clock or a
//! database. Values are parsed once at the edge ("parse, don't validate") and trusted after.

pub mod access;
pub mod application;
pub mod audit;
pub mod catalog;
pub mod credential;
pub mod day;
pub mod email;
pub mod error;
pub mod ids;
pub mod ip;
pub mod org;
pub mod outbox;
pub mod page;
pub mod password;
pub mod project;
pub mod search;
pub mod security;
pub mod spreadsheet;
pub mod template;
pub mod text;
pub mod time;
pub mod totp;
pub mod user;

pub use application::{AppName, AppStatus, SeatLimit};
pub use email::Email;
pub use error::ValidationError;
pub use ids::{
    ApiKeyId, AppId, AssignmentId, OrgId, OverrideId, ProjectId, RoleId, SessionId, UserId,
};
pub use ip::IpAllowlist;
pub use org::{OrgName, OrgStatus, Slug, Tag};
pub use outbox::{EmailStatus, EmailTemplateKey};
pub use project::{ProjectName, ProjectStatus};
pub use time::Timestamp;
pub use user::{MembershipKind, PersonName, UserStatus, Username};
