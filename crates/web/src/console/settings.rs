//! Settings → Administrators (S1): the people with platform roles, and the super admin's
//! transfer of their status (P7) after a confirmation page.

use super::view::{Cx, FormErrors, UserView, redirect_flash, see_other};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::UserId;
use portico_domain::user::UserStatus;
use portico_services::ServiceError;
use portico_services::records::{ScopeRef, UserRecord};
use portico_services::users::sees_login_details;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings", get(settings_home))
        .route("/settings/administrators", get(administrators))
        .route(
            "/settings/administrators/transfer",
            get(transfer_page).post(transfer),
        )
}

/// `/settings` opens the first settings page the viewer may use.
async fn settings_home(State(st): State<AppState>, cx: Cx) -> Response {
    match super::nav::Nav::of(&cx.admin).settings {
        Some(href) => see_other(href),
        None => cx.error(
            &st,
            ServiceError::Forbidden(
                "you need the permission roles.view, administrators.view or settings.view".into(),
            ),
        ),
    }
}

#[derive(Debug, Serialize)]
struct AdminRow {
    user: UserView,
    /// Names of the platform roles they hold.
    roles: Vec<String>,
    is_self: bool,
    /// P7: their login details are hidden from this viewer.
    login_hidden: bool,
}

fn platform_roles(cx: &Cx, u: &UserRecord) -> Vec<String> {
    let access = cx.admin.access();
    let mut names: Vec<String> = access
        .assignments_of(u.id)
        .iter()
        .filter(|a| a.scope == ScopeRef::Platform)
        .filter_map(|a| access.role(a.role_id).map(|r| r.name.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Who may receive the status: active administrators other than the super admin.
fn candidates(cx: &Cx, list: &[UserRecord]) -> Vec<UserView> {
    list.iter()
        .filter(|u| {
            u.status == UserStatus::Active && !u.is_super_admin && u.id != cx.admin.user().id
        })
        .map(UserView::from)
        .collect()
}

async fn administrators(State(st): State<AppState>, cx: Cx) -> Response {
    let list = match st.services.list_administrators(&cx.admin).await {
        Ok(l) => l,
        Err(e) => return cx.error(&st, e),
    };
    let rows: Vec<AdminRow> = list
        .iter()
        .map(|u| AdminRow {
            user: UserView::from(u),
            roles: platform_roles(&cx, u),
            is_self: u.id == cx.admin.user().id,
            login_hidden: !sees_login_details(&cx.admin, u),
        })
        .collect();
    let is_super_admin = cx.admin.is_super_admin();
    cx.render(
        &st,
        "settings/administrators.html",
        context! {
            title => "Administrators",
            subsection => "administrators",
            rows => rows,
            may_transfer => is_super_admin,
            candidates => if is_super_admin { candidates(&cx, &list) } else { Vec::new() },
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct TransferQuery {
    #[serde(default)]
    user: String,
}

/// The person chosen to receive the status, if they are among the candidates.
async fn chosen(st: &AppState, cx: &Cx, raw: &str) -> Result<UserRecord, ServiceError> {
    if !cx.admin.is_super_admin() {
        return Err(ServiceError::Forbidden(
            "only the super admin can transfer the super admin status".into(),
        ));
    }
    let list = st.services.list_administrators(&cx.admin).await?;
    let id = UserId::parse(raw.trim()).ok();
    list.into_iter()
        .find(|u| Some(u.id) == id && !u.is_super_admin && u.status == UserStatus::Active)
        .ok_or(ServiceError::NotFound("administrator"))
}

fn render_transfer(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    to: &UserRecord,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "settings/transfer.html",
        context! {
            title => "Transfer super admin",
            subsection => "administrators",
            to => UserView::from(to),
            errors => errors,
        },
    )
}

async fn transfer_page(
    State(st): State<AppState>,
    cx: Cx,
    Query(q): Query<TransferQuery>,
) -> Response {
    if q.user.trim().is_empty() {
        return redirect_flash(
            &st,
            "/settings/administrators",
            "error",
            "Choose the administrator who becomes super admin.",
        );
    }
    match chosen(&st, &cx, &q.user).await {
        Ok(to) => render_transfer(&st, &cx, StatusCode::OK, &to, &FormErrors::default()),
        Err(e) => cx.error(&st, e),
    }
}

async fn transfer(
    State(st): State<AppState>,
    cx: Cx,
    CsrfForm(f): CsrfForm<TransferQuery>,
) -> Response {
    let to = match chosen(&st, &cx, &f.user).await {
        Ok(to) => to,
        Err(e) => return cx.error(&st, e),
    };
    match st.services.transfer_super_admin(&cx.admin, to.id).await {
        Ok(u) => redirect_flash(
            &st,
            "/settings/administrators",
            "success",
            format!(
                "{} is now the super admin. You stay an administrator with your roles.",
                u.display_name()
            ),
        ),
        Err(e) => render_transfer(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &to,
            &FormErrors::from_service(&e, &[]),
        ),
    }
}
