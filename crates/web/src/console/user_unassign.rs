//! Removing a role from a person, after a confirmation page (P3, P6).

use super::user_access::ScopeNames;
use super::user_grants::access_href;
use super::users::{UserHeader, load_user};
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::AssignmentId;
use portico_services::ServiceError;
use portico_services::access::grants::AssignmentView;
use portico_services::users::UserDetail;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/users/{user}/roles/{assignment}/remove",
        get(page).post(remove),
    )
}

async fn find(
    st: &AppState,
    cx: &Cx,
    d: &UserDetail,
    raw: &str,
) -> Result<AssignmentView, ServiceError> {
    let id = AssignmentId::parse(raw).map_err(|_| ServiceError::NotFound("role assignment"))?;
    st.services
        .list_assignments(&cx.admin, d.user.id)
        .await?
        .into_iter()
        .find(|a| a.assignment.id == id)
        .ok_or(ServiceError::NotFound("role assignment"))
}

async fn render(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    h: UserHeader,
    a: &AssignmentView,
    errors: &FormErrors,
) -> Response {
    let (scope, scope_href) = ScopeNames::default()
        .label(st, cx, a.assignment.scope)
        .await;
    cx.render_status(
        st,
        status,
        "users/unassign.html",
        context! {
            title => format!("Remove {} from {}", a.role_name, h.user.name),
            h => h,
            a => context! {
                id => a.assignment.id.to_string(),
                role => a.role_name.clone(),
                level => a.role_level.as_str(),
                scope => scope,
                scope_href => scope_href,
                expires_at => a.assignment.expires_at.map(|t| t.millis()),
                expired => a.expired,
            },
            errors => errors,
        },
    )
}

async fn page(
    State(st): State<AppState>,
    cx: Cx,
    Path((raw, aid)): Path<(String, String)>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match find(&st, &cx, &d, &aid).await {
        Ok(a) => render(&st, &cx, StatusCode::OK, h, &a, &FormErrors::default()).await,
        Err(e) => cx.error(&st, e),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct EmptyForm {}

async fn remove(
    State(st): State<AppState>,
    cx: Cx,
    Path((raw, aid)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let a = match find(&st, &cx, &d, &aid).await {
        Ok(a) => a,
        Err(e) => return cx.error(&st, e),
    };
    match st
        .services
        .unassign_role(&cx.admin, d.user.id, a.assignment.id)
        .await
    {
        Ok(_) => redirect_flash(
            &st,
            &access_href(d.user.id),
            "success",
            format!(
                "{} no longer holds the role “{}” there.",
                d.user.display_name(),
                a.role_name
            ),
        ),
        Err(e) => {
            let errors = FormErrors::alert(super::view::error_message(&e));
            render(&st, &cx, StatusCode::UNPROCESSABLE_ENTITY, h, &a, &errors).await
        }
    }
}
