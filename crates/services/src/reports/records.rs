//! The plain data of reports (R1–R4) and of the demo's activity, and the store's side.

use crate::error::StoreError;
use crate::records::{AuditCtx, Reach};
use async_trait::async_trait;
use portico_domain::day::{Day, Period};
use portico_domain::ids::{OrgId, ProjectId, RoleId, UserId};
use portico_domain::page::{Page, PageRequest};
use portico_domain::{ProjectStatus, Timestamp};
use serde::Serialize;

/// Logins on one day: how many, by how many distinct people.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DayLogins {
    pub day: Day,
    pub logins: i64,
    pub users: i64,
}

/// Logins in one organization: a user counts in each organization they belong to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrgLogins {
    pub org_id: OrgId,
    pub org_name: String,
    pub users: i64,
    pub logins: i64,
}

/// R1's summary for a period.
#[derive(Debug, Clone, Serialize)]
pub struct LoginSummary {
    pub period: Period,
    pub distinct_users: i64,
    pub logins: i64,
    /// Every day of the period, in order (days without logins included).
    pub per_day: Vec<DayLogins>,
    /// Organizations with logins, most users first.
    pub per_org: Vec<OrgLogins>,
}

/// R1's drill-down: one person's logins in the period.
#[derive(Debug, Clone, Serialize)]
pub struct UserLogins {
    pub user_id: UserId,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub logins: i64,
    pub last_login_at: Timestamp,
}

/// R2: someone holding an organization-level role at an organization.
#[derive(Debug, Clone, Serialize)]
pub struct OrgAdminRow {
    pub org_id: OrgId,
    pub org_name: String,
    pub user_id: UserId,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role_id: RoleId,
    pub role_name: String,
    /// Blank for the super admin unless they look themselves (P7).
    pub last_login_at: Option<Timestamp>,
    #[serde(skip)]
    pub is_super_admin: bool,
}

/// R3: someone holding a role at a project's scope.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectAdminRow {
    pub project_id: ProjectId,
    pub project_name: String,
    #[serde(flatten)]
    pub admin: OrgAdminRow,
}

/// R4: one project and its enrollments.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectActivity {
    pub project_id: ProjectId,
    pub name: String,
    pub status: ProjectStatus,
    pub enrollments: i64,
}

/// R4: one organization, its projects and their enrollments.
#[derive(Debug, Clone, Serialize)]
pub struct OrgActivity {
    pub org_id: OrgId,
    pub org_name: String,
    pub members: i64,
    pub projects: Vec<ProjectActivity>,
    pub enrollments: i64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ActivityTotals {
    pub organizations: i64,
    pub members: i64,
    pub projects: i64,
    pub enrollments: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemActivity {
    /// Every organization within reach, or one page of them.
    pub organizations: Vec<OrgActivity>,
    /// Over the whole reach, whatever the page.
    pub totals: ActivityTotals,
    /// The store's key after this page's last organization, when more follow.
    #[serde(skip)]
    pub next: Option<String>,
}

impl SystemActivity {
    /// The opaque cursor of the next page.
    pub fn next_cursor(&self) -> Option<String> {
        self.next
            .as_deref()
            .map(portico_domain::page::encode_cursor)
    }
}

/// Seats used and limits of one organization (L1), for charts.
#[derive(Debug, Clone, Serialize)]
pub struct SeatRow {
    pub org_id: OrgId,
    pub org_name: String,
    pub app_used: i64,
    pub app_limit: Option<i64>,
    pub office_used: i64,
    pub office_limit: Option<i64>,
}

/// Demo and benchmark activity, written in one transaction without per-row audit entries.
#[derive(Debug, Clone, Default)]
pub struct ActivityBatch {
    pub projects: Vec<crate::records::NewProject>,
    /// (project, organization, user, role).
    pub enrollments: Vec<(ProjectId, OrgId, UserId, RoleId)>,
    /// (user, when).
    pub logins: Vec<(UserId, Timestamp)>,
    /// Role assignments: (user, role, scope, the scope's organization).
    pub assignments: Vec<(UserId, RoleId, crate::records::ScopeRef, OrgId)>,
}

/// What reports read; `Store` extends it. `reach` limits every report to organizations
/// (R5); `hide` leaves one user out (the super admin, for anyone else: P7).
#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn login_summary(
        &self,
        period: Period,
        reach: &Reach,
        hide: Option<UserId>,
    ) -> Result<LoginSummary, StoreError>;
    /// The people who logged in during the period (on `day` only, members of `org` only,
    /// when given), most logins first, at most `limit`.
    async fn login_drilldown(
        &self,
        period: Period,
        org: Option<OrgId>,
        reach: &Reach,
        hide: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<UserLogins>, StoreError>;
    /// R2: live assignments of organization-level roles at organizations, by organization.
    async fn org_admins(
        &self,
        reach: &Reach,
        now: Timestamp,
    ) -> Result<Vec<OrgAdminRow>, StoreError>;
    /// R3: live assignments at project scopes, by organization and project; with `page`,
    /// those of one page of the organizations (by name) that have any.
    async fn project_admins(
        &self,
        reach: &Reach,
        now: Timestamp,
        page: Option<&PageRequest>,
    ) -> Result<Page<ProjectAdminRow>, StoreError>;
    /// R4: every organization within reach (or one page of them), by name, with its
    /// projects and enrollments, and the totals of the whole reach.
    async fn system_activity(
        &self,
        reach: &Reach,
        page: Option<&PageRequest>,
    ) -> Result<SystemActivity, StoreError>;
    /// L1's usage of every organization within reach that uses or limits seats.
    async fn seat_usage(&self, reach: &Reach, now: Timestamp) -> Result<Vec<SeatRow>, StoreError>;
    /// Demo data: projects, enrollments and login events in one transaction.
    async fn bulk_activity(&self, ctx: &AuditCtx, batch: ActivityBatch) -> Result<(), StoreError>;
}
