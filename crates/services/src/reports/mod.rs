//! Reports (R1–R5): logins over a period, organization and project administrators, and the
//! system's activity, plus the KPIs of Home and of an organization's Overview.
//!
//! R5: every report starts from the viewer's reach of `reports.view` (an export: of
//! `reports.export`), which already narrows to the organizations their data filters keep, and
//! asks the store for those organizations only. Someone who reaches none is refused. Every
//! export is audited as `report.export`.

mod records;

pub use records::*;

use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::{AuditDraft, Reach};
use portico_domain::day::{Day, Period};
use portico_domain::ids::{OrgId, UserId};
use portico_domain::page::{Page, PageRequest};
use serde_json::json;

/// The most rows of a drill-down.
pub const MAX_DRILLDOWN: u32 = 1000;

/// Reading a report on screen, or exporting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    View,
    Export,
}

impl Use {
    fn permission(self) -> &'static str {
        match self {
            Use::View => "reports.view",
            Use::Export => "reports.export",
        }
    }
}

/// The four reports, by their API names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Logins,
    OrganizationAdmins,
    ProjectAdmins,
    SystemActivity,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Logins,
        ReportKind::OrganizationAdmins,
        ReportKind::ProjectAdmins,
        ReportKind::SystemActivity,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Logins => "logins",
            ReportKind::OrganizationAdmins => "organization-admins",
            ReportKind::ProjectAdmins => "project-admins",
            ReportKind::SystemActivity => "system-activity",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// Home's KPIs (platform-wide viewers).
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub logins: LoginSummary,
    pub seats: Vec<SeatRow>,
    pub app_seats_used: i64,
    pub office_seats_used: i64,
}

use serde::Serialize;

/// The days of a dashboard's chart.
pub const DASHBOARD_DAYS: i64 = 30;

impl Services {
    /// R5: the organizations the viewer's report may cover; none → refused.
    fn report_reach(&self, actor: &BackOffice, use_: Use) -> Result<Reach, ServiceError> {
        let perm = use_.permission();
        match actor.reach(perm) {
            Reach::Orgs(v) if v.is_empty() => Err(ServiceError::Forbidden(format!(
                "you need the permission {perm}"
            ))),
            r => Ok(r),
        }
    }

    /// P7: the super admin's logins are theirs alone to see.
    async fn hidden_user(&self, actor: &BackOffice) -> Result<Option<UserId>, ServiceError> {
        if actor.is_super_admin() {
            return Ok(None);
        }
        Ok(self.store.super_admin().await?.map(|u| u.id))
    }

    pub fn today(&self) -> Day {
        Day::of(self.now())
    }

    /// R1: distinct users who logged in during the period, per day and per organization.
    pub async fn login_report(
        &self,
        actor: &BackOffice,
        period: Period,
        use_: Use,
    ) -> Result<LoginSummary, ServiceError> {
        let reach = self.report_reach(actor, use_)?;
        let hide = self.hidden_user(actor).await?;
        let r = self.store.login_summary(period, &reach, hide).await?;
        if use_ == Use::Export {
            self.audit_export(actor, ReportKind::Logins, Some(period), r.per_org.len())
                .await?;
        }
        Ok(r)
    }

    /// R1's drill-down: who logged in (on one day of the period, in one organization, when
    /// given), with their login count and last login; `use_` picks the reach (an export's is
    /// audited with its summary, [`Self::login_report`]).
    pub async fn login_drilldown(
        &self,
        actor: &BackOffice,
        period: Period,
        org: Option<OrgId>,
        use_: Use,
    ) -> Result<Vec<UserLogins>, ServiceError> {
        let reach = self.report_reach(actor, use_)?;
        if let Some(o) = org
            && !reach_contains(&reach, o)
        {
            return Err(ServiceError::NotFound("organization"));
        }
        let hide = self.hidden_user(actor).await?;
        // An export of the drill-down comes with its summary, which is audited.
        Ok(self
            .store
            .login_drilldown(period, org, &reach, hide, MAX_DRILLDOWN)
            .await?)
    }

    /// R2: organization administrators across the organizations the viewer reaches.
    pub async fn org_admins_report(
        &self,
        actor: &BackOffice,
        use_: Use,
    ) -> Result<Vec<OrgAdminRow>, ServiceError> {
        let reach = self.report_reach(actor, use_)?;
        let mut rows = self.store.org_admins(&reach, self.now()).await?;
        for r in &mut rows {
            blank_super_admin(actor, r);
        }
        if use_ == Use::Export {
            self.audit_export(actor, ReportKind::OrganizationAdmins, None, rows.len())
                .await?;
        }
        Ok(rows)
    }

    /// R3: project administrators (role assignments at project scopes). With `page`, one page
    /// of the organizations that have any (the console and the API); exports pass `None`.
    pub async fn project_admins_report(
        &self,
        actor: &BackOffice,
        use_: Use,
        page: Option<&PageRequest>,
    ) -> Result<Page<ProjectAdminRow>, ServiceError> {
        let reach = self.report_reach(actor, use_)?;
        let mut rows = self.store.project_admins(&reach, self.now(), page).await?;
        for r in &mut rows.items {
            blank_super_admin(actor, &mut r.admin);
        }
        if use_ == Use::Export {
            self.audit_export(actor, ReportKind::ProjectAdmins, None, rows.items.len())
                .await?;
        }
        Ok(rows)
    }

    /// R4: every organization the viewer reaches, its projects and their enrollments. With
    /// `page`, one page of organizations (the console and the API); exports pass `None`.
    pub async fn system_activity(
        &self,
        actor: &BackOffice,
        use_: Use,
        page: Option<&PageRequest>,
    ) -> Result<SystemActivity, ServiceError> {
        let reach = self.report_reach(actor, use_)?;
        let r = self.store.system_activity(&reach, page).await?;
        if use_ == Use::Export {
            self.audit_export(
                actor,
                ReportKind::SystemActivity,
                None,
                r.organizations.len(),
            )
            .await?;
        }
        Ok(r)
    }

    /// Seats used per organization within the viewer's report reach (L1).
    pub async fn seat_report(&self, actor: &BackOffice) -> Result<Vec<SeatRow>, ServiceError> {
        let reach = self.report_reach(actor, Use::View)?;
        Ok(self.store.seat_usage(&reach, self.now()).await?)
    }

    /// Home's KPIs: logins of the last 30 days and seats, for whoever reads reports on the
    /// whole platform (`None` for anyone else).
    pub async fn dashboard(&self, actor: &BackOffice) -> Result<Option<Dashboard>, ServiceError> {
        if actor.reach("reports.view") != Reach::All {
            return Ok(None);
        }
        let period = Period::last_days(self.today(), DASHBOARD_DAYS);
        let logins = self.login_report(actor, period, Use::View).await?;
        let seats = self.seat_report(actor).await?;
        Ok(Some(Dashboard {
            app_seats_used: seats.iter().map(|s| s.app_used).sum(),
            office_seats_used: seats.iter().map(|s| s.office_used).sum(),
            logins,
            seats,
        }))
    }

    /// An organization's Overview KPIs: its members' logins over the last 30 days
    /// (`reports.view` in the organization; `None` without it).
    pub async fn org_dashboard(
        &self,
        scope: &OrgScope,
    ) -> Result<Option<LoginSummary>, ServiceError> {
        if !scope.can("reports.view") {
            return Ok(None);
        }
        let period = Period::last_days(self.today(), DASHBOARD_DAYS);
        let hide = self.hidden_user(scope.actor()).await?;
        Ok(Some(
            self.store
                .login_summary(period, &Reach::Orgs(vec![scope.org_id()]), hide)
                .await?,
        ))
    }

    /// AU1: an export is a security event.
    async fn audit_export(
        &self,
        actor: &BackOffice,
        kind: ReportKind,
        period: Option<Period>,
        rows: usize,
    ) -> Result<(), ServiceError> {
        let mut changes = json!({ "report": kind.as_str(), "rows": rows });
        if let Some(p) = period {
            changes["from"] = json!(p.from.to_string());
            changes["to"] = json!(p.to.to_string());
        }
        Ok(self
            .store
            .append_audit(
                &actor.principal().audit_ctx(self),
                AuditDraft::new("report.export").changes(changes),
            )
            .await?)
    }
}

fn reach_contains(reach: &Reach, org: OrgId) -> bool {
    match reach {
        Reach::All => true,
        Reach::Orgs(v) => v.contains(&org),
    }
}

fn blank_super_admin(actor: &BackOffice, r: &mut OrgAdminRow) {
    if r.is_super_admin && !(actor.is_super_admin() && actor.user().id == r.user_id) {
        r.last_login_at = None;
    }
}
