//! The API's JSON shapes (documented in the OpenAPI document), built from service records.

use portico_services::records::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Organization {
    #[schema(example = "org_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<String>,
    /// `active` or `suspended`.
    pub status: String,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-concurrency version; also sent as the `ETag`.
    pub version: i64,
}

impl From<OrgRecord> for Organization {
    fn from(o: OrgRecord) -> Self {
        Self {
            id: o.id.to_string(),
            name: o.name,
            slug: o.slug,
            parent_id: o.parent_id.map(|p| p.to_string()),
            status: o.status.as_str().into(),
            tags: o.tags,
            attributes: o.attributes,
            created_at: o.created_at.to_rfc3339(),
            updated_at: o.updated_at.to_rfc3339(),
            version: o.version,
        }
    }
}

/// A project (PR1): it belongs to one organization.
#[derive(Serialize, ToSchema)]
pub struct Project {
    #[schema(example = "prj_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// `active` or `archived`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-concurrency version; also sent as the `ETag`.
    pub version: i64,
    /// PR1: the course template the project follows (a course activated for its
    /// organization), or null.
    pub course_template_id: Option<String>,
    /// When it starts (RFC 3339, UTC), or null when not scheduled.
    #[schema(example = "2026-12-24T14:00:00Z")]
    pub starts_at: Option<String>,
    /// Where it takes place (a room, an address, a meeting link); empty when not said.
    pub location: String,
}

impl From<ProjectRecord> for Project {
    fn from(p: ProjectRecord) -> Self {
        Self {
            id: p.id.to_string(),
            organization_id: p.org_id.to_string(),
            name: p.name,
            status: p.status.as_str().into(),
            created_at: p.created_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
            version: p.version,
            course_template_id: p.course_template_id.map(|c| c.to_string()),
            starts_at: p.starts_at.map(|t| t.to_rfc3339()),
            location: p.location,
        }
    }
}

/// What deleting a project removed.
#[derive(Serialize, ToSchema)]
pub struct ProjectDeletedDto {
    pub project: Project,
    /// Role assignments at the project's scope, deleted with it.
    pub assignments: i64,
    /// Personal grants and denials at the project's scope, deleted with it.
    pub overrides: i64,
}

impl From<ProjectDeleted> for ProjectDeletedDto {
    fn from(d: ProjectDeleted) -> Self {
        Self {
            project: d.project.into(),
            assignments: d.assignments,
            overrides: d.overrides,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub name: String,
    /// `active` (default) or `archived`.
    pub status: Option<String>,
    /// PR1: a course activated for the organization.
    pub course_template_id: Option<String>,
    /// When it starts, in UTC: `2026-12-24T14:00:00Z` (or without seconds or `Z`). Members
    /// enrolled before it starts get the calendar invitation email.
    pub starts_at: Option<String>,
    /// Where it takes place (at most 200 characters).
    pub location: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    pub name: Option<String>,
    /// `active` or `archived`.
    pub status: Option<String>,
    /// PR1: a course activated for the organization; `null` removes it, absent leaves it.
    #[serde(default, deserialize_with = "crate::api::catalog::double_option")]
    #[schema(value_type = Option<String>)]
    pub course_template_id: Option<Option<String>>,
    /// When it starts, in UTC; `null` unschedules it, absent leaves it. A new time or place
    /// sends the calendar invitation again to everyone enrolled.
    #[serde(default, deserialize_with = "crate::api::catalog::double_option")]
    #[schema(value_type = Option<String>)]
    pub starts_at: Option<Option<String>>,
    pub location: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: String,
    pub slug: String,
}

impl From<OrgBrief> for OrgRef {
    fn from(b: OrgBrief) -> Self {
        Self {
            id: b.id.to_string(),
            name: b.name,
            slug: b.slug,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationDetail {
    #[serde(flatten)]
    pub organization: Organization,
    /// Nearest first.
    pub ancestors: Vec<OrgRef>,
    pub members: i64,
    pub internal_members: i64,
    pub sub_organizations: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DeletePreview {
    pub organization: Organization,
    pub sub_organizations: Vec<OrgRef>,
    pub memberships: i64,
    /// Projects of the deleted organizations; deleted with them.
    pub projects: i64,
    /// Users whose home is among the deleted organizations; they are deleted (U4).
    pub internal_users_deleted: i64,
}

impl From<OrgDeletePreview> for DeletePreview {
    fn from(p: OrgDeletePreview) -> Self {
        Self {
            organization: p.organization.into(),
            sub_organizations: p.sub_organizations.into_iter().map(Into::into).collect(),
            memberships: p.memberships,
            projects: p.projects,
            internal_users_deleted: p.internal_users_deleted,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct User {
    #[schema(example = "usr_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub description: String,
    /// `invited`, `active` or `blocked`.
    pub status: String,
    pub is_super_admin: bool,
    pub is_platform_admin: bool,
    pub home_organization_id: Option<String>,
    /// U9: comma-separated addresses and CIDR ranges, `*` for no restriction.
    pub ip_allowlist: Option<String>,
    /// The language of every email to them (`de`); null = the platform's default.
    pub language: Option<String>,
    pub created_at: String,
    pub last_login_at: Option<String>,
    pub version: i64,
}

impl From<UserRecord> for User {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id.to_string(),
            username: u.username,
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            description: u.description,
            status: u.status.as_str().into(),
            is_super_admin: u.is_super_admin,
            is_platform_admin: u.is_platform_admin,
            home_organization_id: u.home_org_id.map(|o| o.to_string()),
            ip_allowlist: u.ip_allowlist,
            language: u.language,
            created_at: u.created_at.to_rfc3339(),
            last_login_at: u.last_login_at.map(|t| t.to_rfc3339()),
            version: u.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Membership {
    pub organization: OrgRef,
    /// `internal` (the user's home) or `external`.
    pub kind: String,
    pub created_at: String,
}

impl From<MembershipRecord> for Membership {
    fn from(m: MembershipRecord) -> Self {
        Self {
            organization: m.org.into(),
            kind: m.kind.as_str().into(),
            created_at: m.created_at.to_rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: User,
    pub memberships: Vec<Membership>,
}

#[derive(Serialize, ToSchema)]
pub struct Member {
    pub user: User,
    pub kind: String,
    pub joined_at: String,
    /// A4: the applications this membership gives access to.
    pub applications: Vec<super::app_dto::AppRef>,
}

impl From<MemberRow> for Member {
    fn from(m: MemberRow) -> Self {
        Self {
            user: m.user.into(),
            kind: m.kind.as_str().into(),
            joined_at: m.joined_at.to_rfc3339(),
            applications: m.applications.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberAdded {
    pub user: User,
    /// `created` (a new user, internal here) or `added_external` (an existing user).
    pub outcome: String,
    /// U8: the generated password, present once in this response and never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
    /// A welcome email with a set-password link was queued for the new user.
    pub welcome_email: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MemberRemoval {
    pub user: User,
    pub kind: String,
    /// For internal members: other organizations that lose the person too.
    pub other_organizations: Vec<OrgRef>,
    /// Removing this member deletes the user from the whole system (U4).
    pub deletes_user: bool,
}

impl From<RemovalPreview> for MemberRemoval {
    fn from(p: RemovalPreview) -> Self {
        Self {
            user: p.user.into(),
            kind: p.kind.as_str().into(),
            other_organizations: p.other_organizations.into_iter().map(Into::into).collect(),
            deletes_user: p.deletes_user,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub organization_id: Option<String>,
    pub ip_allowlist: Option<String>,
}

impl From<ApiKeyRecord> for ApiKey {
    fn from(k: ApiKeyRecord) -> Self {
        Self {
            id: k.id.to_string(),
            user_id: k.user_id.to_string(),
            name: k.name,
            created_at: k.created_at.to_rfc3339(),
            expires_at: k.expires_at.map(|t| t.to_rfc3339()),
            last_used_at: k.last_used_at.map(|t| t.to_rfc3339()),
            revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
            permissions: k.permissions,
            organization_id: k.org_id.map(|o| o.to_string()),
            ip_allowlist: k.ip_allowlist,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The whole key. Shown once: it cannot be retrieved again.
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor_user_id: Option<String>,
    pub impersonator_user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub organization_id: Option<String>,
    pub subject_user_id: Option<String>,
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// Personal data about the subject; `null` once the person was erased (U5).
    #[schema(value_type = Option<Object>)]
    pub personal: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditEvent {
    fn from(a: AuditRow) -> Self {
        Self {
            seq: a.seq,
            id: a.id,
            at: a.at.to_rfc3339(),
            actor_user_id: a.actor_user_id,
            impersonator_user_id: a.impersonator_user_id,
            ip: a.ip,
            user_agent: a.user_agent,
            action: a.action,
            target_kind: a.target_kind,
            target_id: a.target_id,
            organization_id: a.org_id,
            subject_user_id: a.subject_user_id,
            changes: a.changes,
            personal: a.personal,
        }
    }
}

/// A page of results. Pass `next_cursor` back as `cursor` for the next page.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn from_page<R>(p: portico_domain::page::Page<R>) -> Self
    where
        T: From<R>,
    {
        let next_cursor = p.next_cursor();
        Self {
            items: p.items.into_iter().map(T::from).collect(),
            next_cursor,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username or email.
    pub login: String,
    pub password: String,
    /// The current code of the account's second factor, for programs that know it has one.
    /// Without it such an account answers 401 `mfa-required` with a `challenge`.
    pub totp_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: User,
    /// Send as `X-CSRF-Token` on state-changing requests made with the session cookie.
    pub csrf_token: Option<String>,
    pub back_office: bool,
    /// P9: during an impersonation, the administrator acting as `user`.
    pub impersonator: Option<User>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    pub name: String,
    /// Made from the name when absent.
    pub slug: Option<String>,
    pub parent_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    pub slug: Option<String>,
    /// An organization id, or `null` to move to the top level. Absent: unchanged.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<BTreeMap<String, String>>,
}

pub(crate) fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    pub email: String,
    /// For a new user; suggested from the email when absent.
    pub username: Option<String>,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// U8, for a new user: `welcome_email` (default: a single-use set-password link by email),
    /// `generated_password` (shown once in the response) or `none`.
    pub credentials: Option<String>,
    /// A new person's language (`en`, `de`, …): their welcome email and every later one are
    /// in it (the platform's default when a template has no version in it). Ignored for
    /// someone who already exists.
    pub language: Option<String>,
    /// A3: application ids to give the membership; absent = the organization's
    /// auto-assigned ones. Each needs a free application seat (L1).
    pub applications: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub description: Option<String>,
    /// The language of the emails to them (`de`); empty = the platform's default.
    pub language: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
    /// Days until the key expires; absent = never.
    pub expires_in_days: Option<u32>,
    /// S5: the key's permissions, a subset of the caller's at the key's scope; absent = all
    /// of the caller's.
    pub permissions: Option<Vec<String>>,
    /// S5: limit the key to this organization and its sub-organizations.
    pub organization_id: Option<String>,
    /// U9: addresses the key may be used from (comma-separated IPs/CIDRs).
    pub ip_allowlist: Option<String>,
}
