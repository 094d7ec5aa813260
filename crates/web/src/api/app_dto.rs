//! JSON shapes for applications (A1–A5) and licenses (L1–L3).

use portico_services::applications::UserWithApps;
use portico_services::records::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    /// `active` (integrated) or `inactive`.
    pub status: String,
    /// Reaches every organization and its members, existing and future (A2).
    pub auto_assigned: bool,
    /// Assigned to every new organization (A1); at most one application is the default.
    pub is_default: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<AppRecord> for Application {
    fn from(a: AppRecord) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name,
            slug: a.slug,
            description: a.description,
            status: a.status.as_str().into(),
            auto_assigned: a.auto_assigned,
            is_default: a.is_default,
            created_at: a.created_at.to_rfc3339(),
            updated_at: a.updated_at.to_rfc3339(),
            version: a.version,
        }
    }
}

/// What auto-assignment did (A2): organizations it reached, memberships given access, and
/// memberships left out because their organization's application seats ran out.
#[derive(Serialize, ToSchema)]
pub struct AutoAssignment {
    pub organizations: i64,
    pub members_given: i64,
    pub members_not_given: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationSaved {
    #[serde(flatten)]
    pub application: Application,
    /// Present when the application became auto-assigned with this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_assignment: Option<AutoAssignment>,
}

impl From<AppSaved> for ApplicationSaved {
    fn from(s: AppSaved) -> Self {
        Self {
            application: s.app.into(),
            auto_assignment: s.auto_assignment.map(|r| AutoAssignment {
                organizations: r.organizations,
                members_given: r.members_given,
                members_not_given: r.members_not_given,
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationDeleted {
    pub application: Application,
    pub organizations: i64,
    pub members: i64,
    pub permissions: i64,
}

impl From<AppDeleted> for ApplicationDeleted {
    fn from(d: AppDeleted) -> Self {
        Self {
            application: d.app.into(),
            organizations: d.organizations,
            members: d.members,
            permissions: d.permissions,
        }
    }
}

/// An application next to a person (A4).
#[derive(Serialize, ToSchema)]
pub struct AppRef {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub status: String,
}

impl From<AppBrief> for AppRef {
    fn from(a: AppBrief) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name,
            slug: a.slug,
            status: a.status.as_str().into(),
        }
    }
}

/// An application assigned to an organization (A2).
#[derive(Serialize, ToSchema)]
pub struct OrgApplication {
    pub application: Application,
    pub assigned_at: String,
    /// Members of the organization with access to it.
    pub members: i64,
}

impl From<OrgAppRow> for OrgApplication {
    fn from(r: OrgAppRow) -> Self {
        Self {
            application: r.app.into(),
            assigned_at: r.assigned_at.to_rfc3339(),
            members: r.members,
        }
    }
}

/// A3: what unassigning takes away.
#[derive(Serialize, ToSchema)]
pub struct UnassignPreviewDto {
    pub application: Application,
    pub members_losing_access: i64,
}

impl From<UnassignPreview> for UnassignPreviewDto {
    fn from(p: UnassignPreview) -> Self {
        Self {
            application: p.app.into(),
            members_losing_access: p.members_losing_access,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AppPermission {
    pub key: String,
    pub description: String,
    pub levels: Vec<String>,
    pub application: AppRefShort,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppRefShort {
    pub id: String,
    pub slug: String,
    pub name: String,
}

impl From<AppPermissionRecord> for AppPermission {
    fn from(p: AppPermissionRecord) -> Self {
        Self {
            key: p.key,
            description: p.description,
            levels: p.levels.iter().map(|l| l.as_str().to_string()).collect(),
            application: AppRefShort {
                id: p.app_id.to_string(),
                slug: p.app_slug,
                name: p.app_name,
            },
            created_at: p.created_at.to_rfc3339(),
        }
    }
}

/// A user of the global list with their applications (A4).
#[derive(Serialize, ToSchema)]
pub struct UserListItem {
    #[serde(flatten)]
    pub user: super::dto::User,
    /// Applications of the memberships the viewer sees.
    pub applications: Vec<AppRef>,
}

impl From<UserWithApps> for UserListItem {
    fn from(u: UserWithApps) -> Self {
        Self {
            user: u.user.into(),
            applications: u.applications.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Seats {
    pub used: i64,
    /// `null` = unlimited.
    pub limit: Option<i64>,
}

/// L1: an organization's seats.
#[derive(Serialize, ToSchema)]
pub struct Licenses {
    pub application: Seats,
    pub back_office: Seats,
}

impl From<LicenseUsage> for Licenses {
    fn from(l: LicenseUsage) -> Self {
        Self {
            application: Seats {
                used: l.application.used,
                limit: l.application.limit,
            },
            back_office: Seats {
                used: l.back_office.used,
                limit: l.back_office.limit,
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    pub name: String,
    /// Made from the name when absent.
    pub slug: Option<String>,
    #[serde(default)]
    pub description: String,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
    #[serde(default)]
    pub auto_assigned: bool,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApplication {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub auto_assigned: Option<bool>,
    pub is_default: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignApplication {
    pub application_id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMemberApplications {
    /// Application ids; each must be assigned to the organization.
    pub applications: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPermission {
    /// `<prefix>.<action>`, the prefix being the application's slug with `-` as `_`.
    pub key: String,
    pub description: String,
    /// `platform`, `organization`, `project`; all three when absent.
    #[serde(default)]
    pub levels: Vec<String>,
}

/// New limits: a number, `null` for unlimited; an absent field stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLicenses {
    #[serde(default, deserialize_with = "super::dto::double_option")]
    #[schema(value_type = Option<i64>)]
    pub application: Option<Option<i64>>,
    #[serde(default, deserialize_with = "super::dto::double_option")]
    #[schema(value_type = Option<i64>)]
    pub back_office: Option<Option<i64>>,
}
