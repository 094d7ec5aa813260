//! Plain data for applications (A1–A5) and licenses (L1–L3), passed to and from the store.

use portico_domain::access::Level;
use portico_domain::ids::{AppId, OrgId, UserId};
use portico_domain::{AppStatus, SeatLimit, Timestamp};
use serde::Serialize;

/// An application defined on the platform (A1).
#[derive(Debug, Clone, Serialize)]
pub struct AppRecord {
    pub id: AppId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: AppStatus,
    /// A2: reaches every organization and its members, existing and future.
    pub auto_assigned: bool,
    /// A1: assigned to every new organization; at most one application is the default.
    pub is_default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl AppRecord {
    pub fn brief(&self) -> AppBrief {
        AppBrief {
            id: self.id,
            name: self.name.clone(),
            slug: self.slug.clone(),
            status: self.status,
        }
    }
}

/// What lists show of an application next to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppBrief {
    pub id: AppId,
    pub name: String,
    pub slug: String,
    pub status: AppStatus,
}

#[derive(Debug, Clone)]
pub struct NewApp {
    pub id: AppId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: AppStatus,
    pub auto_assigned: bool,
    pub is_default: bool,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AppPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub status: Option<AppStatus>,
    pub auto_assigned: Option<bool>,
    pub is_default: Option<bool>,
}

/// A2 when an application becomes auto-assigned: it is assigned to every organization, and
/// given to their members within the application seat limits. A member who already holds an
/// application seat in an organization gets it there (no new seat is taken); anyone else gets
/// it only while seats remain, in the order they joined; the rest are counted here.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AutoAssignReport {
    /// Organizations it was newly assigned to.
    pub organizations: i64,
    /// Memberships that were given access.
    pub members_given: i64,
    /// Memberships left without it because their organization's application seats ran out.
    pub members_not_given: i64,
}

/// A created or changed application, with what auto-assignment did (when it ran).
#[derive(Debug, Clone, Serialize)]
pub struct AppSaved {
    pub app: AppRecord,
    pub auto_assignment: Option<AutoAssignReport>,
}

/// What deleting an application removed with it.
#[derive(Debug, Clone, Serialize)]
pub struct AppDeleted {
    pub app: AppRecord,
    pub organizations: i64,
    pub members: i64,
    pub permissions: i64,
}

/// An application assigned to an organization (A2), with how many of its members hold it.
#[derive(Debug, Clone, Serialize)]
pub struct OrgAppRow {
    pub app: AppRecord,
    pub assigned_at: Timestamp,
    pub members: i64,
}

/// A3: what unassigning an application from an organization takes away.
#[derive(Debug, Clone, Serialize)]
pub struct UnassignPreview {
    pub app: AppRecord,
    pub members_losing_access: i64,
}

/// One membership's access to one application (A4 lists).
#[derive(Debug, Clone, Serialize)]
pub struct MemberAppRow {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub app: AppBrief,
}

/// A5: a permission an application registered.
#[derive(Debug, Clone, Serialize)]
pub struct AppPermissionRecord {
    pub key: String,
    pub app_id: AppId,
    pub app_slug: String,
    pub app_name: String,
    pub description: String,
    pub levels: Vec<Level>,
    pub created_at: Timestamp,
}

/// The two kinds of seats (L1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatKind {
    Application,
    BackOffice,
}

impl SeatKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::BackOffice => "back-office",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct SeatUsage {
    pub used: i64,
    /// `None` = unlimited.
    pub limit: Option<i64>,
}

impl SeatUsage {
    /// No seat left (a limit that is reached).
    pub fn exhausted(&self) -> bool {
        self.limit.is_some_and(|l| self.used >= l)
    }
}

/// L1: an organization's seats.
#[derive(Debug, Clone, Serialize)]
pub struct LicenseUsage {
    pub org_id: OrgId,
    pub application: SeatUsage,
    pub back_office: SeatUsage,
}

/// New limits; `None` leaves one as it is, `Some(None)` makes it unlimited.
#[derive(Debug, Clone, Default)]
pub struct LicensePatch {
    pub application: Option<Option<SeatLimit>>,
    pub back_office: Option<Option<SeatLimit>>,
}
