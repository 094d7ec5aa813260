//! Shapes of the access-control API (P1–P10, U7, U9).

use portico_services::access::explain::{ExplainReason, Explanation};
use portico_services::access::grants::AssignmentView;
use portico_services::access::roles::RoleView;
use portico_services::records::{OverrideRecord, RelationshipRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PermissionEntry {
    /// `users.block`
    pub key: String,
    pub description: String,
    pub section: String,
    /// Where it applies: `platform`, `organization`, `project`.
    pub levels: Vec<String>,
    /// The application that registered it (A5); absent for Portico's own.
    pub application: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleDto {
    pub id: String,
    pub key: String,
    pub name: String,
    /// `platform`, `organization` or `project`.
    pub level: String,
    pub description: String,
    pub permissions: Vec<String>,
    /// `scope`, or `manager`/`parent`/`mentor` for relationship roles (P8).
    pub reach: String,
    /// Presets are read-only; copy them to change them.
    pub preset: bool,
    /// People the caller may see who hold the role now (expired assignments and assignments
    /// in organizations out of the caller's reach do not count).
    pub holders: usize,
    pub version: i64,
}

impl From<RoleView> for RoleDto {
    fn from(v: RoleView) -> Self {
        let r = v.role;
        Self {
            id: r.id.to_string(),
            key: r.key,
            name: r.name,
            level: r.level.as_str().to_string(),
            description: r.description,
            permissions: r.permissions,
            reach: r.reach,
            preset: r.preset,
            holders: v.holders,
            version: r.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    pub name: String,
    /// Required unless copying.
    pub level: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Absent when copying: the source's permissions.
    pub permissions: Option<Vec<String>>,
    /// Copy this role (any role, presets included).
    pub copy_from: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRole {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportPreset {
    /// `basic`, `lms` or `crm`.
    pub preset: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportedRoles {
    pub added: usize,
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentDto {
    pub id: String,
    pub role_id: String,
    pub role_name: String,
    pub role_level: String,
    /// `platform`, an organization id or a project id.
    pub scope: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub created_at: String,
    pub created_by: Option<String>,
}

impl From<AssignmentView> for AssignmentDto {
    fn from(v: AssignmentView) -> Self {
        let a = v.assignment;
        Self {
            id: a.id.to_string(),
            role_id: a.role_id.to_string(),
            role_name: v.role_name,
            role_level: v.role_level.as_str().to_string(),
            scope: a.scope.key(),
            expires_at: a.expires_at.map(|t| t.to_rfc3339()),
            expired: v.expired,
            created_at: a.created_at.to_rfc3339(),
            created_by: a.created_by.map(|u| u.to_string()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssignment {
    pub role_id: String,
    /// `platform` (default), an organization id (`org_…`) or a project id (`prj_…`).
    pub scope: Option<String>,
    /// RFC 3339; absent = no expiry.
    pub expires_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OverrideDto {
    pub id: String,
    /// `grant` or `deny`.
    pub effect: String,
    pub permission: String,
    pub scope: String,
    pub created_at: String,
}

impl From<OverrideRecord> for OverrideDto {
    fn from(o: OverrideRecord) -> Self {
        Self {
            id: o.id.to_string(),
            effect: o.effect.as_str().to_string(),
            permission: o.permission,
            scope: o.scope.key(),
            created_at: o.created_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOverride {
    /// `grant` or `deny`.
    pub effect: String,
    pub permission: String,
    /// `platform` (default), an organization id (`org_…`) or a project id (`prj_…`).
    pub scope: Option<String>,
}

/// A data filter (P5): `{"kind":"tag","tags":[…]}`, `{"kind":"attribute","name":"country",
/// "values":["IT","DK"]}` or `{"kind":"organizations","organizations":["org_…"]}`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct DataFilters {
    #[schema(value_type = Vec<Object>)]
    pub filters: Vec<portico_domain::access::DataFilter>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetIpAllowlist {
    /// Comma-separated IPs and CIDR ranges; `*` = no restriction; null clears (refused for a
    /// back-office user).
    pub ip_allowlist: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyUser {
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// U7: copy the source's data filters too.
    #[serde(default)]
    pub copy_filters: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartImpersonation {
    /// Why (kept in the audit log).
    pub reason: String,
    /// 1 to the configured maximum (30 by default).
    pub minutes: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ImpersonationDto {
    pub user: super::dto::User,
    pub expires_at: String,
    /// The impersonation session's CSRF token (send as `X-CSRF-Token` while it lasts).
    pub csrf_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferSuperAdmin {
    pub user_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExplainReasonDto {
    /// `role`, `grant`, `denial`, `expired-role`, `filter` or `super-admin`.
    pub kind: String,
    pub detail: String,
    pub scope: Option<String>,
    pub role_id: Option<String>,
    pub assignment_id: Option<String>,
    pub override_id: Option<String>,
}

impl From<ExplainReason> for ExplainReasonDto {
    fn from(r: ExplainReason) -> Self {
        Self {
            kind: r.kind.to_string(),
            detail: r.detail,
            scope: r.scope.map(|s| s.key()),
            role_id: r.role_id,
            assignment_id: r.assignment_id,
            override_id: r.override_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExplainDto {
    pub user_id: String,
    pub permission: String,
    pub scope: String,
    pub allowed: bool,
    /// `allowed`, `denied` or `not-granted`.
    pub decision: String,
    pub reasons: Vec<ExplainReasonDto>,
}

impl From<Explanation> for ExplainDto {
    fn from(e: Explanation) -> Self {
        Self {
            user_id: e.user.to_string(),
            permission: e.permission,
            scope: e.scope.key(),
            allowed: e.allowed,
            decision: e.decision.to_string(),
            reasons: e.reasons.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RelationshipDto {
    pub organization_id: String,
    /// `manager`, `parent` or `mentor`: `from_user_id` is that of `to_user_id`.
    pub relation: String,
    pub from_user_id: String,
    pub to_user_id: String,
    pub created_at: String,
}

impl From<RelationshipRecord> for RelationshipDto {
    fn from(r: RelationshipRecord) -> Self {
        Self {
            organization_id: r.org_id.to_string(),
            relation: r.relation,
            from_user_id: r.from_user_id.to_string(),
            to_user_id: r.to_user_id.to_string(),
            created_at: r.created_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationshipBody {
    pub relation: String,
    pub from_user_id: String,
    pub to_user_id: String,
}
