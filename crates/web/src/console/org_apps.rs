//! An organization's Applications tab (A2, A3): the assigned applications (inactive ones
//! marked), an "Assign application" form, unassigning after a page that says how many members
//! lose access, and a member's applications page. And the Licenses tab (L1–L3): used and
//! limit per kind with a bar, and a form to change the limits.

use super::applications::AppView;
use super::form::Fields;
use super::orgs::{OrgHeader, load_org};
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::{AppId, UserId};
use portico_domain::page::PageRequest;
use portico_domain::{SeatLimit, ValidationError};
use portico_services::records::{LicensePatch, LicenseUsage, SeatUsage};
use portico_services::{OrgScope, ServiceError};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations/{org}/applications", get(tab).post(assign))
        .route(
            "/organizations/{org}/applications/{app}/unassign",
            get(unassign_page).post(unassign),
        )
        .route(
            "/organizations/{org}/users/{user}/applications",
            get(member_page).post(member_save),
        )
        .route(
            "/organizations/{org}/licenses",
            get(licenses).post(save_licenses),
        )
}

#[derive(Debug, Serialize)]
struct Row {
    app: AppView,
    members: i64,
    assigned_at: i64,
    unassign_href: String,
}

async fn tab(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_tab(
        &st,
        &cx,
        &scope,
        &header,
        StatusCode::OK,
        &FormErrors::default(),
    )
    .await
}

async fn render_tab(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    status: StatusCode,
    errors: &FormErrors,
) -> Response {
    let assigned = match st.services.org_apps(scope).await {
        Ok(a) => a,
        Err(e) => return cx.error(st, e),
    };
    let may_manage = scope.can("applications.manage");
    // The applications that could be assigned: every one not assigned yet.
    let mut available: Vec<AppView> = Vec::new();
    if may_manage {
        match st
            .services
            .list_apps(&cx.admin, PageRequest::first(200))
            .await
        {
            Ok(p) => {
                available = p
                    .items
                    .iter()
                    .filter(|a| !assigned.iter().any(|r| r.app.id == a.id))
                    .map(AppView::from)
                    .collect()
            }
            Err(ServiceError::Forbidden(_)) => {}
            Err(e) => return cx.error(st, e),
        }
    }
    let base = format!("{}/applications", header.org.href);
    let rows: Vec<Row> = assigned
        .iter()
        .map(|r| Row {
            app: AppView::from(&r.app),
            members: r.members,
            assigned_at: r.assigned_at.millis(),
            unassign_href: format!("{base}/{}/unassign", r.app.id),
        })
        .collect();
    cx.render_status(
        st,
        status,
        "orgs/applications.html",
        context! {
            title => format!("{} · Applications", header.org.name),
            tab => "applications",
            h => header,
            rows => rows,
            available => available,
            may_manage => may_manage,
            errors => errors,
        },
    )
}

async fn assign(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    fields: Fields,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let app = match AppId::parse(fields.get("application").trim()) {
        Ok(a) => a,
        Err(_) => {
            let errors = FormErrors::field("application", "Choose an application to assign.");
            return render_tab(
                &st,
                &cx,
                &scope,
                &header,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
            )
            .await;
        }
    };
    match st.services.assign_app(&scope, app).await {
        Ok(row) => redirect_flash(
            &st,
            &format!("{}/applications", header.org.href),
            "success",
            format!(
                "{} assigned to {}. Give it to members on their Applications page.",
                row.app.name, header.org.name
            ),
        ),
        Err(e @ ServiceError::Forbidden(_)) => cx.error(&st, e),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[("id", "application")]);
            render_tab(
                &st,
                &cx,
                &scope,
                &header,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
            )
            .await
        }
    }
}

fn parse_app(raw: &str) -> Result<AppId, ServiceError> {
    AppId::parse(raw.trim()).map_err(|_| ServiceError::NotFound("application"))
}

async fn unassign_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, app)): Path<(String, String)>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let preview = match parse_app(&app) {
        Ok(id) => st.services.unassign_preview(&scope, id).await,
        Err(e) => Err(e),
    };
    match preview {
        Ok(p) => cx.render(
            &st,
            "orgs/app_unassign.html",
            context! {
                title => format!("Unassign {}", p.app.name),
                tab => "applications",
                h => header,
                app => AppView::from(&p.app),
                losing => p.members_losing_access,
                action => format!("{}/applications/{}/unassign", header.org.href, p.app.id),
            },
        ),
        Err(e) => cx.error(&st, e),
    }
}

async fn unassign(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, app)): Path<(String, String)>,
    fields: Fields,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = match parse_app(&app) {
        Ok(id) => id,
        Err(e) => return cx.error(&st, e),
    };
    match st
        .services
        .unassign_app(&scope, id, fields.get("confirm") == "yes")
        .await
    {
        Ok(p) => redirect_flash(
            &st,
            &format!("{}/applications", header.org.href),
            "success",
            format!(
                "{} unassigned from {}; {} member(s) lost access.",
                p.app.name, header.org.name, p.members_losing_access
            ),
        ),
        Err(e) => cx.error(&st, e),
    }
}

#[derive(Debug, Serialize)]
struct Choice {
    id: String,
    name: String,
    status: &'static str,
    checked: bool,
}

async fn member_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, user)): Path<(String, String)>,
) -> Response {
    render_member(
        &st,
        &cx,
        &key,
        &user,
        StatusCode::OK,
        &FormErrors::default(),
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_member(
    st: &AppState,
    cx: &Cx,
    key: &str,
    user: &str,
    status: StatusCode,
    errors: &FormErrors,
    picked: Option<&[String]>,
) -> Response {
    let (scope, header) = match load_org(st, cx, key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(uid) = UserId::parse(user.trim()) else {
        return cx.not_found(st, "member");
    };
    let person = match st.services.visible_user(&cx.admin, uid).await {
        Ok(u) => u,
        Err(_) => return cx.not_found(st, "member"),
    };
    let assigned = match st.services.org_apps(&scope).await {
        Ok(a) => a,
        Err(e) => return cx.error(st, e),
    };
    let held = match st.services.member_applications(&scope, uid).await {
        Ok(h) => h,
        Err(e) => return cx.error(st, e),
    };
    let choices: Vec<Choice> = assigned
        .iter()
        .map(|r| Choice {
            id: r.app.id.to_string(),
            name: r.app.name.clone(),
            status: r.app.status.as_str(),
            checked: match picked {
                Some(p) => p.contains(&r.app.id.to_string()),
                None => held.iter().any(|a| a.id == r.app.id),
            },
        })
        .collect();
    cx.render_status(
        st,
        status,
        "orgs/member_apps.html",
        context! {
            title => format!("{} · Applications in {}", person.display_name(), header.org.name),
            tab => "users",
            h => header,
            person => super::view::UserView::from(&person),
            choices => choices,
            may_manage => scope.can("applications.manage"),
            action => format!("{}/users/{}/applications", header.org.href, uid),
            errors => errors,
        },
    )
}

async fn member_save(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, user)): Path<(String, String)>,
    fields: Fields,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(uid) = UserId::parse(user.trim()) else {
        return cx.not_found(&st, "member");
    };
    let picked = fields.all("applications");
    let ids: Result<Vec<AppId>, _> = picked.iter().map(|s| AppId::parse(s)).collect();
    let result = match ids {
        Ok(ids) => st.services.set_member_apps(&scope, uid, ids).await,
        Err(_) => Err(ServiceError::Invalid(ValidationError::new(
            "applications",
            "choose among the organization's applications",
        ))),
    };
    match result {
        Ok(apps) => redirect_flash(
            &st,
            &format!("{}/users", header.org.href),
            "success",
            if apps.is_empty() {
                "Application access removed.".to_string()
            } else {
                format!(
                    "Access saved: {}.",
                    apps.iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            render_member(
                &st,
                &cx,
                &key,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                Some(&picked),
            )
            .await
        }
    }
}

/// One kind of seat, for the bar.
#[derive(Debug, Serialize)]
struct SeatView {
    used: i64,
    limit: Option<i64>,
    /// 0–100 of the bar filled (0 when unlimited).
    percent: i64,
    exhausted: bool,
}

impl From<SeatUsage> for SeatView {
    fn from(s: SeatUsage) -> Self {
        let percent = match s.limit {
            Some(0) => 100,
            Some(l) => (s.used * 100 / l).clamp(0, 100),
            None => 0,
        };
        Self {
            used: s.used,
            limit: s.limit,
            percent,
            exhausted: s.exhausted(),
        }
    }
}

async fn licenses(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match st.services.licenses(&scope).await {
        Ok(l) => render_licenses(
            &st,
            &cx,
            &scope,
            &header,
            &l,
            StatusCode::OK,
            &FormErrors::default(),
            None,
        ),
        Err(e) => cx.error(&st, e),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_licenses(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    l: &LicenseUsage,
    status: StatusCode,
    errors: &FormErrors,
    values: Option<(&str, &str)>,
) -> Response {
    let show = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let (app_value, office_value) = match values {
        Some((a, o)) => (a.to_string(), o.to_string()),
        None => (show(l.application.limit), show(l.back_office.limit)),
    };
    cx.render_status(
        st,
        status,
        "orgs/licenses.html",
        context! {
            title => format!("{} · Licenses", header.org.name),
            tab => "licenses",
            h => header,
            application => SeatView::from(l.application),
            back_office => SeatView::from(l.back_office),
            may_manage => scope.can("licenses.manage"),
            app_value => app_value,
            office_value => office_value,
            errors => errors,
        },
    )
}

async fn save_licenses(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    fields: Fields,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let app_raw = fields.get("app_seat_limit");
    let office_raw = fields.get("office_seat_limit");
    let parsed = SeatLimit::parse_optional("app_seat_limit", app_raw)
        .and_then(|a| SeatLimit::parse_optional("office_seat_limit", office_raw).map(|o| (a, o)));
    let result = match parsed {
        Ok((a, o)) => {
            st.services
                .set_licenses(
                    &scope,
                    LicensePatch {
                        application: Some(a),
                        back_office: Some(o),
                    },
                )
                .await
        }
        Err(v) => Err(ServiceError::Invalid(v)),
    };
    match result {
        Ok(_) => redirect_flash(
            &st,
            &format!("{}/licenses", header.org.href),
            "success",
            format!("Seat limits of {} saved.", header.org.name),
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let errors = match &e {
                ServiceError::Limit { message, .. } => {
                    let field = if message.contains("back-office") {
                        "office_seat_limit"
                    } else {
                        "app_seat_limit"
                    };
                    FormErrors::field(field, super::capitalize(message))
                }
                other => FormErrors::from_service(other, &[]),
            };
            let usage = match st.services.licenses(&scope).await {
                Ok(l) => l,
                Err(e) => return cx.error(&st, e),
            };
            render_licenses(
                &st,
                &cx,
                &scope,
                &header,
                &usage,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                Some((app_raw, office_raw)),
            )
        }
    }
}
