//! What the store hands back and takes in. Plain data; the store trusts these because they
//! are built from parsed domain values.

use portico_domain::ids::{ApiKeyId, OrgId, ProjectId, SessionId, UserId};
use portico_domain::user::{MembershipKind, UserStatus};
use portico_domain::{OrgStatus, ProjectStatus, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

pub use crate::access::records::*;
pub use crate::app_records::*;
pub use crate::email::records::*;

#[derive(Debug, Clone, Serialize)]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<OrgId>,
    pub status: OrgStatus,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<OrgId>,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, String>,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrgPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    /// `Some(None)` moves the organization to the top level.
    pub parent_id: Option<Option<OrgId>>,
    pub status: Option<OrgStatus>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Prefix match on name or slug.
    pub q: Option<String>,
    /// `Some(None)`: top-level only; `Some(Some(id))`: children of `id`.
    pub parent: Option<Option<OrgId>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgOverview {
    pub members: i64,
    pub internal_members: i64,
    pub sub_organizations: i64,
}

/// O3: what deleting an organization removes.
#[derive(Debug, Clone, Serialize)]
pub struct OrgDeletePreview {
    pub organization: OrgRecord,
    pub sub_organizations: Vec<OrgBrief>,
    pub memberships: i64,
    /// Projects of the deleted organizations (PR1), deleted with them.
    pub projects: i64,
    /// Users whose home is among the deleted organizations: deleted from the system (U4).
    pub internal_users_deleted: i64,
}

/// A project (PR1): it belongs to one organization.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRecord {
    pub id: ProjectId,
    pub org_id: OrgId,
    pub name: String,
    pub status: ProjectStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// PR1: the course template the project follows, one activated for its organization.
    pub course_template_id: Option<portico_domain::ids::CourseId>,
    /// When it starts (C5's calendar invitation), if scheduled.
    pub starts_at: Option<Timestamp>,
    /// Where it takes place; empty when not said.
    pub location: String,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub id: ProjectId,
    pub org_id: OrgId,
    pub name: String,
    pub status: ProjectStatus,
    pub course_template_id: Option<portico_domain::ids::CourseId>,
    pub starts_at: Option<Timestamp>,
    pub location: String,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub status: Option<ProjectStatus>,
    /// `Some(None)` removes the course template.
    pub course_template_id: Option<Option<portico_domain::ids::CourseId>>,
    /// `Some(None)` unschedules the project.
    pub starts_at: Option<Option<Timestamp>>,
    pub location: Option<String>,
}

/// What deleting a project removed with it: the role assignments and personal overrides at
/// its scope.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectDeleted {
    pub project: ProjectRecord,
    pub assignments: i64,
    pub overrides: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgBrief {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub description: String,
    pub status: UserStatus,
    pub is_super_admin: bool,
    pub is_platform_admin: bool,
    pub home_org_id: Option<OrgId>,
    pub ip_allowlist: Option<String>,
    /// C2/C5: the language of the emails to them (`None`: the platform's default).
    pub language: Option<String>,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    pub version: i64,
}

impl UserRecord {
    pub fn display_name(&self) -> String {
        let n = format!("{} {}", self.first_name, self.last_name);
        let n = n.trim();
        if n.is_empty() {
            self.username.clone()
        } else {
            n.to_string()
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub username: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub first_name: String,
    pub last_name: String,
    pub description: String,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub is_super_admin: bool,
    pub is_platform_admin: bool,
    /// U9: set for back-office users (`*` = no restriction).
    pub ip_allowlist: Option<String>,
    pub search_document: String,
    /// C2/C5: the language of the emails to them (`None`: the platform's default).
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MembershipRecord {
    pub org: OrgBrief,
    pub kind: MembershipKind,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub user: UserRecord,
    pub kind: MembershipKind,
    pub joined_at: Timestamp,
    /// A4: the applications this membership gives access to.
    pub applications: Vec<AppBrief>,
}

/// U3: who is being added, when the email is unknown.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub user: NewUser,
    /// Usernames to try, in order, if the suggested one is taken.
    pub username_fallbacks: Vec<(String, String)>,
    /// U8: a welcome link and its email, stored only when a new user is created.
    pub welcome: Option<WelcomeRows>,
    /// A3: the applications the membership is given; `None` = the organization's
    /// auto-assigned ones. Each takes the membership's application seat (L1).
    pub applications: Option<Vec<portico_domain::ids::AppId>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddOutcome {
    /// An unknown email: a new user, internal to this organization.
    Created,
    /// A known email: an external membership for the existing user.
    AddedExternal,
}

/// U4: what removing a member does.
#[derive(Debug, Clone, Serialize)]
pub struct RemovalPreview {
    pub user: UserRecord,
    pub kind: MembershipKind,
    /// For an internal member: the other organizations that lose the person too.
    pub other_organizations: Vec<OrgBrief>,
    pub deletes_user: bool,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: SessionId,
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// P9: set on an impersonation session: the administrator acting as `user_id`.
    pub impersonator_id: Option<UserId>,
    pub impersonation_reason: Option<String>,
    /// S6: the idle timeout of the policy the session was opened under (`None`: the
    /// configured one).
    pub idle_secs: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// S5: the key's permissions (a subset of its owner's); `None` = all of the owner's.
    pub permissions: Option<Vec<String>>,
    /// S5: the organization (and its sub-organizations) the key is limited to.
    pub org_id: Option<OrgId>,
    /// U9: addresses the key may be used from (`None` = the owner's allowlist only).
    pub ip_allowlist: Option<String>,
}

/// Who did it, from where: carried into every audit entry (AU1).
#[derive(Debug, Clone)]
pub struct AuditCtx {
    pub at: Timestamp,
    pub actor: Option<UserId>,
    pub impersonator: Option<UserId>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// One audit entry to append; the store adds sequence, id and hashes.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub action: &'static str,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<String>,
    pub org_id: Option<OrgId>,
    pub subject_user: Option<UserId>,
    /// Non-personal before/after values.
    pub changes: serde_json::Value,
    /// Personal data about `subject_user` (erasable, U5).
    pub pii: Option<serde_json::Value>,
}

impl AuditDraft {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            target_kind: None,
            target_id: None,
            org_id: None,
            subject_user: None,
            changes: serde_json::Value::Object(Default::default()),
            pii: None,
        }
    }
    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target_kind = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }
    pub fn org(mut self, org: OrgId) -> Self {
        self.org_id = Some(org);
        self
    }
    pub fn subject(mut self, user: UserId) -> Self {
        self.subject_user = Some(user);
        self
    }
    pub fn changes(mut self, v: serde_json::Value) -> Self {
        self.changes = v;
        self
    }
    pub fn pii(mut self, v: serde_json::Value) -> Self {
        self.pii = Some(v);
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: Timestamp,
    pub actor_user_id: Option<String>,
    pub impersonator_user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub org_id: Option<String>,
    pub subject_user_id: Option<String>,
    pub changes: serde_json::Value,
    /// `None` once erased.
    pub personal: Option<serde_json::Value>,
    /// The entry had personal data and it was erased (U5); `false` when it never had any.
    pub personal_erased: bool,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action_prefix: Option<String>,
    pub org: Option<OrgId>,
    pub user: Option<UserId>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Counts {
    pub organizations: i64,
    pub users: i64,
    pub blocked_users: i64,
    pub active_sessions: i64,
    pub audit_events: i64,
}

/// Rows for a bulk load (`portico demo`, benchmarks), written without audit entries per row.
#[derive(Debug, Clone, Default)]
pub struct BulkBatch {
    pub orgs: Vec<NewOrg>,
    pub users: Vec<(NewUser, Option<OrgId>)>,
    pub memberships: Vec<(OrgId, UserId, MembershipKind)>,
}

/// The throttle counters a successful login settles.
#[derive(Debug, Clone)]
pub struct LoginThrottleKeys {
    /// Reset to zero.
    pub account: String,
    /// Decremented by one.
    pub address: Option<String>,
    /// The account's second-step counter: reset to zero, since a session opens only after the
    /// second factor (when there is one) passed. Otherwise every right code would count
    /// against the next logins in the window.
    pub second_factor: String,
}

// --- credentials (U8) -------------------------------------------------------------------

/// A single-use token to store: only the SHA-256 of the secret leaves the service.
#[derive(Debug, Clone)]
pub struct TokenInsert {
    pub token_hash: String,
    pub user_id: UserId,
    pub purpose: portico_domain::credential::TokenPurpose,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub user: UserRecord,
    pub purpose: portico_domain::credential::TokenPurpose,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// A user's TOTP second factor; `confirmed_at` is empty while enrolment waits for a code.
#[derive(Debug, Clone)]
pub struct MfaRecord {
    pub secret: String,
    pub created_at: Timestamp,
    pub confirmed_at: Option<Timestamp>,
    pub last_step: Option<i64>,
}

/// A welcome link for a member created by `add_member`: the token and the email carrying it
/// commit with the new user, or not at all. Unused when the email belongs to a known user.
#[derive(Debug, Clone)]
pub struct WelcomeRows {
    pub token: TokenInsert,
    pub email: OutboxInsert,
    /// The same email naming each fallback username, for when the suggested one is taken
    /// (the store knows which one the user got only inside its transaction).
    pub email_for_fallback: Vec<(String, OutboxInsert)>,
}
