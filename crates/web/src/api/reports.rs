//! Reports (R1–R5): `GET /api/v1/reports/{logins,organization-admins,project-admins,
//! system-activity}`. JSON needs `reports.view`; `Accept: text/csv` answers a CSV download
//! (formulas neutralised), needs `reports.export` and is audited as `report.export`. Every
//! report covers only the organizations where the caller holds the permission (R5).

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::csv_export::{csv_response, wants_csv};
use crate::problem::ApiResult;
use crate::report_export::*;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::day::{Day, Period};
use portico_domain::ids::OrgId;
use portico_domain::page::PageRequest;
use portico_services::reports::Use;
use portico_services::{BackOffice, ServiceError, Services};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/logins", get(logins))
        .route("/api/v1/reports/organization-admins", get(org_admins))
        .route("/api/v1/reports/project-admins", get(project_admins))
        .route("/api/v1/reports/system-activity", get(system_activity))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LoginsQuery {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last day, included (default: today, UTC). A period spans at most 366 days.
    pub to: Option<String>,
    /// Drill down to one day of the period.
    pub day: Option<String>,
    /// Drill down to the members of one organization.
    pub organization: Option<String>,
    /// Which table a CSV holds: `days` (default), `organizations` or `users`.
    pub view: Option<String>,
}

/// `?limit=&cursor=` of R3 and R4's JSON: organizations per page (a CSV holds them all).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportPageQuery {
    /// Organizations per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ReportPageQuery {
    pub fn page(&self) -> Result<PageRequest, ServiceError> {
        Ok(PageRequest::parse(self.limit, self.cursor.as_deref())?)
    }
}

/// The period, the drill-down's day and organization, and the CSV's table of a query.
pub struct LoginsRequest {
    pub period: Period,
    pub drill: Option<Period>,
    pub org: Option<OrgId>,
    pub view: LoginsView,
}

impl LoginsQuery {
    pub fn resolve(&self, today: Day) -> Result<LoginsRequest, ServiceError> {
        let period = Period::parse(self.from.as_deref(), self.to.as_deref(), today)?;
        let day = self
            .day
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| Day::parse(d, "day"))
            .transpose()?;
        if day.is_some_and(|d| d < period.from || d > period.to) {
            return Err(
                portico_domain::ValidationError::new("day", "must lie in the period").into(),
            );
        }
        let org = match self.organization.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(o) => Some(OrgId::parse(o).map_err(|_| ServiceError::NotFound("organization"))?),
        };
        let view = LoginsView::parse(self.view.as_deref()).ok_or_else(|| {
            portico_domain::ValidationError::new("view", "days, organizations or users")
        })?;
        let drill = match (day, org, view) {
            (Some(d), _, _) => Some(Period { from: d, to: d }),
            (None, Some(_), _) | (None, None, LoginsView::Users) => Some(period),
            _ => None,
        };
        Ok(LoginsRequest {
            period,
            drill,
            org,
            view,
        })
    }
}

/// R1 for one request, with its drill-down when asked.
pub async fn logins_data(
    services: &Services,
    actor: &BackOffice,
    req: &LoginsRequest,
    use_: Use,
) -> Result<
    (
        portico_services::reports::LoginSummary,
        Option<Vec<portico_services::reports::UserLogins>>,
    ),
    ServiceError,
> {
    // The summary and the drill-down are read in parallel.
    let drill = async {
        match req.drill {
            Some(p) => services
                .login_drilldown(actor, p, req.org, use_)
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let (summary, users) = tokio::try_join!(services.login_report(actor, req.period, use_), drill)?;
    Ok((summary, users))
}

/// R1: distinct users who logged in during the period, logins per day and per organization,
/// and with `day` or `organization` the people (drill-down).
#[utoipa::path(get, path = "/api/v1/reports/logins", tag = "reports", params(LoginsQuery),
    responses((status = 200, description = "The report, or with `Accept: text/csv` one of its tables",
        content((LoginsReportDto = "application/json"), (String = "text/csv"))),
        (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn logins(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LoginsQuery>,
) -> ApiResult<Response> {
    let req = q.resolve(st.services.today())?;
    if wants_csv(&headers) {
        let (s, users) = logins_data(&st.services, &a, &req, Use::Export).await?;
        return Ok(csv_response(
            "logins.csv",
            logins_csv(&s, users.as_deref().unwrap_or(&[]), req.view),
        ));
    }
    let (s, users) = logins_data(&st.services, &a, &req, Use::View).await?;
    Ok(Json(LoginsReportDto::new(s, users)).into_response())
}

/// R2: people holding organization-level roles at organizations, with their last login.
#[utoipa::path(get, path = "/api/v1/reports/organization-admins", tag = "reports",
    responses((status = 200, description = "The report, or with `Accept: text/csv` as CSV",
        content((AdminsReportDto = "application/json"), (String = "text/csv"))),
        (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn org_admins(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if wants_csv(&headers) {
        let rows = st.services.org_admins_report(&a, Use::Export).await?;
        return Ok(csv_response(
            "organization-admins.csv",
            org_admins_csv(&rows),
        ));
    }
    let rows = st.services.org_admins_report(&a, Use::View).await?;
    Ok(Json(AdminsReportDto {
        items: rows.into_iter().map(AdminRowDto::from).collect(),
        next_cursor: None,
    })
    .into_response())
}

/// R3: people holding roles at project scopes (instructors…), with their last login. JSON
/// comes one page of organizations at a time (`limit`, `cursor`); the CSV holds them all.
#[utoipa::path(get, path = "/api/v1/reports/project-admins", tag = "reports",
    params(ReportPageQuery),
    responses((status = 200, description = "One page of the report, or with `Accept: text/csv` all of it as CSV",
        content((AdminsReportDto = "application/json"), (String = "text/csv"))),
        (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn project_admins(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ReportPageQuery>,
) -> ApiResult<Response> {
    if wants_csv(&headers) {
        let rows = st
            .services
            .project_admins_report(&a, Use::Export, None)
            .await?;
        return Ok(csv_response(
            "project-admins.csv",
            project_admins_csv(&rows.items),
        ));
    }
    let page = q.page()?;
    let rows = st
        .services
        .project_admins_report(&a, Use::View, Some(&page))
        .await?;
    let next_cursor = rows.next_cursor();
    Ok(Json(AdminsReportDto {
        items: rows.items.into_iter().map(AdminRowDto::from).collect(),
        next_cursor,
    })
    .into_response())
}

/// R4: every organization, its projects, enrollments per project, and totals. JSON comes one
/// page of organizations at a time (`limit`, `cursor`; the totals cover all of them); the
/// CSV holds them all.
#[utoipa::path(get, path = "/api/v1/reports/system-activity", tag = "reports",
    params(ReportPageQuery),
    responses((status = 200, description = "One page of the report, or with `Accept: text/csv` all of it as CSV",
        content((SystemActivityDto = "application/json"), (String = "text/csv"))),
        (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn system_activity(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ReportPageQuery>,
) -> ApiResult<Response> {
    if wants_csv(&headers) {
        let r = st.services.system_activity(&a, Use::Export, None).await?;
        return Ok(csv_response("system-activity.csv", activity_csv(&r)));
    }
    let page = q.page()?;
    let r = st
        .services
        .system_activity(&a, Use::View, Some(&page))
        .await?;
    Ok(Json(SystemActivityDto::from(r)).into_response())
}
