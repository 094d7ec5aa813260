//! Reports (R1–R5) in the console: one page per report with its tables, a period picker for
//! logins, SVG charts (plotters) and a "Download CSV" link (`reports.export`; the file is
//! the API's and the export is audited). Every report covers the viewer's reach only.

use super::charts;
use super::nav::reaches;
use super::view::{CursorQuery, Cx, PAGE_SIZE, Pager, page_request, redirect_flash};
use crate::AppState;
use crate::api::reports::{LoginsQuery, logins_data};
use crate::csv_export::csv_response;
use crate::report_export::*;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::page::PageRequest;
use portico_services::ServiceError;
use portico_services::reports::Use;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/logins", get(logins))
        .route("/reports/logins.csv", get(logins_export))
        .route("/reports/organization-admins", get(org_admins))
        .route("/reports/organization-admins.csv", get(org_admins_export))
        .route("/reports/project-admins", get(project_admins))
        .route("/reports/project-admins.csv", get(project_admins_export))
        .route("/reports/system-activity", get(activity))
        .route("/reports/system-activity.csv", get(activity_export))
}

/// R3 and R4 list a page of organizations at a time.
fn org_page(q: &CursorQuery) -> PageRequest {
    page_request(q.cursor.as_deref(), PAGE_SIZE)
}

fn org_pager(q: &CursorQuery, next_cursor: Option<String>, base: &str) -> Pager {
    Pager::with_next(next_cursor, base, &[], q.cursor.is_none())
}
/// How many organizations the logins page lists.
const LOGIN_ORGS: usize = 50;

fn may_export(cx: &Cx) -> bool {
    reaches(&cx.admin, "reports.export")
}

async fn index(State(st): State<AppState>, cx: Cx) -> Response {
    if !reaches(&cx.admin, "reports.view") {
        return cx.error(
            &st,
            ServiceError::Forbidden("you need the permission reports.view".into()),
        );
    }
    cx.render(
        &st,
        "reports/index.html",
        context! { title => "Reports", may_export => may_export(&cx) },
    )
}

#[derive(Serialize)]
struct Link {
    label: String,
    href: String,
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let s = s.finish();
    if s.is_empty() { s } else { format!("?{s}") }
}

async fn logins(State(st): State<AppState>, cx: Cx, Query(q): Query<LoginsQuery>) -> Response {
    let req = match q.resolve(st.services.today()) {
        Ok(r) => r,
        Err(e @ ServiceError::Invalid(_)) => {
            return redirect_flash(
                &st,
                "/reports/logins",
                "error",
                super::view::error_message(&e),
            );
        }
        Err(e) => return cx.error(&st, e),
    };
    let (summary, users) = match logins_data(&st.services, &cx.admin, &req, Use::View).await {
        Ok(x) => x,
        Err(e) => return cx.error(&st, e),
    };
    let from = req.period.from.to_string();
    let to = req.period.to.to_string();
    let day = q.day.clone().unwrap_or_default();
    let org = req.org.map(|o| o.to_string()).unwrap_or_default();
    let org_name = req
        .org
        .and_then(|o| summary.per_org.iter().find(|r| r.org_id == o))
        .map(|r| r.org_name.clone())
        .unwrap_or_else(|| org.clone());
    let base = |extra: &[(&str, &str)]| {
        let mut p = vec![("from", from.as_str()), ("to", to.as_str())];
        p.extend_from_slice(extra);
        query_string(&p)
    };
    let day_links: Vec<Link> = summary
        .per_day
        .iter()
        .map(|d| Link {
            label: d.day.to_string(),
            href: format!(
                "/reports/logins{}",
                base(&[("day", &d.day.to_string()), ("organization", &org)])
            ),
        })
        .collect();
    let org_links: Vec<Link> = summary
        .per_org
        .iter()
        .take(LOGIN_ORGS)
        .map(|o| Link {
            label: o.org_name.clone(),
            href: format!(
                "/reports/logins{}",
                base(&[("day", &day), ("organization", &o.org_id.to_string())])
            ),
        })
        .collect();
    let chart = charts::logins_per_day(&summary.per_day, 760, 260);
    let csv = |view: &str| {
        format!(
            "/reports/logins.csv{}",
            base(&[("day", &day), ("organization", &org), ("view", view)])
        )
    };
    let more_orgs = summary.per_org.len().saturating_sub(LOGIN_ORGS);
    let dto = LoginsReportDto::new(summary, users);
    cx.render(
        &st,
        "reports/logins.html",
        context! {
            title => "Logins · Reports",
            report => dto,
            chart => chart,
            day_links => day_links,
            org_links => org_links,
            more_orgs => more_orgs,
            from => from.clone(),
            to => to.clone(),
            day => day.clone(),
            organization => org.clone(),
            organization_name => org_name,
            drill => req.drill.is_some(),
            clear_href => format!("/reports/logins{}", base(&[])),
            csv_days => csv("days"),
            csv_orgs => csv("organizations"),
            csv_users => csv("users"),
            may_export => may_export(&cx),
        },
    )
}

async fn logins_export(
    State(st): State<AppState>,
    cx: Cx,
    Query(q): Query<LoginsQuery>,
) -> Response {
    let back = "/reports/logins";
    let req = match q.resolve(st.services.today()) {
        Ok(r) => r,
        Err(e) => return redirect_flash(&st, back, "error", super::view::error_message(&e)),
    };
    match logins_data(&st.services, &cx.admin, &req, Use::Export).await {
        Ok((s, users)) => csv_response(
            "logins.csv",
            logins_csv(&s, users.as_deref().unwrap_or(&[]), req.view),
        ),
        Err(e) => export_refused(&st, &cx, back, e),
    }
}

/// A refused export: the report page with the reason (a forbidden one as the error page).
fn export_refused(st: &AppState, cx: &Cx, back: &str, e: ServiceError) -> Response {
    match e {
        e @ ServiceError::Forbidden(_) => cx.error(st, e),
        e => redirect_flash(st, back, "error", super::view::error_message(&e)),
    }
}

async fn org_admins(State(st): State<AppState>, cx: Cx) -> Response {
    match st.services.org_admins_report(&cx.admin, Use::View).await {
        Ok(rows) => {
            let rows: Vec<AdminRowDto> = rows.into_iter().map(AdminRowDto::from).collect();
            cx.render(
                &st,
                "reports/admins.html",
                context! {
                    title => "Organization administrators · Reports",
                    heading => "Organization administrators",
                    lead => "People holding an organization-level role in an organization, with their last login.",
                    projects => false,
                    rows => rows,
                    csv_href => "/reports/organization-admins.csv",
                    may_export => may_export(&cx),
                },
            )
        }
        Err(e) => cx.error(&st, e),
    }
}

async fn org_admins_export(State(st): State<AppState>, cx: Cx) -> Response {
    match st.services.org_admins_report(&cx.admin, Use::Export).await {
        Ok(rows) => csv_response("organization-admins.csv", org_admins_csv(&rows)),
        Err(e) => export_refused(&st, &cx, "/reports/organization-admins", e),
    }
}

async fn project_admins(
    State(st): State<AppState>,
    cx: Cx,
    Query(q): Query<CursorQuery>,
) -> Response {
    match st
        .services
        .project_admins_report(&cx.admin, Use::View, Some(&org_page(&q)))
        .await
    {
        Ok(page) => {
            let pager = org_pager(&q, page.next_cursor(), "/reports/project-admins");
            let rows: Vec<AdminRowDto> = page.items.into_iter().map(AdminRowDto::from).collect();
            cx.render(
                &st,
                "reports/admins.html",
                context! {
                    title => "Project administrators · Reports",
                    heading => "Project administrators",
                    lead => "People holding a role in a project (instructors, teaching assistants…), with their last login.",
                    projects => true,
                    rows => rows,
                    pager => pager,
                    csv_href => "/reports/project-admins.csv",
                    may_export => may_export(&cx),
                },
            )
        }
        Err(e) => cx.error(&st, e),
    }
}

async fn project_admins_export(State(st): State<AppState>, cx: Cx) -> Response {
    match st
        .services
        .project_admins_report(&cx.admin, Use::Export, None)
        .await
    {
        Ok(rows) => csv_response("project-admins.csv", project_admins_csv(&rows.items)),
        Err(e) => export_refused(&st, &cx, "/reports/project-admins", e),
    }
}

async fn activity(State(st): State<AppState>, cx: Cx, Query(q): Query<CursorQuery>) -> Response {
    let report = match st
        .services
        .system_activity(&cx.admin, Use::View, Some(&org_page(&q)))
        .await
    {
        Ok(r) => r,
        Err(e) => return cx.error(&st, e),
    };
    // The chart covers every organization within reach, so only the first page draws it.
    let chart = match q.cursor {
        None => {
            let seats = st.services.seat_report(&cx.admin).await.unwrap_or_default();
            Some(charts::seats_per_org(&seats, 760))
        }
        Some(_) => None,
    };
    let pager = org_pager(&q, report.next_cursor(), "/reports/system-activity");
    let dto = SystemActivityDto::from(report);
    cx.render(
        &st,
        "reports/activity.html",
        context! {
            title => "System activity · Reports",
            report => dto,
            pager => pager,
            seats_chart => chart,
            csv_href => "/reports/system-activity.csv",
            may_export => may_export(&cx),
        },
    )
}

async fn activity_export(State(st): State<AppState>, cx: Cx) -> Response {
    match st
        .services
        .system_activity(&cx.admin, Use::Export, None)
        .await
    {
        Ok(r) => csv_response("system-activity.csv", activity_csv(&r)),
        Err(e) => export_refused(&st, &cx, "/reports/system-activity", e),
    }
}
