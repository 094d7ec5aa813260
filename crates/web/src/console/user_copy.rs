//! Copy user (U7): a new person with the source's memberships, roles and personal grants and
//! denials, and their data filters when asked.

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
use portico_services::access::admin::CopyUserInput;
use portico_services::users::UserDetail;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/users/{user}/copy", get(form).post(copy))
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct CopyForm {
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    copy_filters: Option<String>,
}

fn render(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    d: &UserDetail,
    h: UserHeader,
    values: &CopyForm,
    errors: &FormErrors,
) -> Response {
    let access = cx.admin.access();
    let roles = access.assignments_of(d.user.id).len();
    let overrides = access.overrides_of(d.user.id).len();
    let filters = access.filters_of(d.user.id).map_or(0, |f| f.list.len());
    cx.render_status(
        st,
        status,
        "users/copy.html",
        context! {
            title => format!("Copy {}", h.user.name),
            h => h,
            memberships => d.memberships.len(),
            roles => roles,
            overrides => overrides,
            filters => filters,
            values => values,
            errors => errors,
        },
    )
}

async fn form(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render(
        &st,
        &cx,
        StatusCode::OK,
        &d,
        h,
        &CopyForm::default(),
        &FormErrors::default(),
    )
}

async fn copy(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<CopyForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let copy_filters = f.copy_filters.is_some();
    let input = CopyUserInput {
        username: f.username.clone(),
        email: f.email.clone(),
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        copy_filters,
    };
    match st.services.copy_user(&cx.admin, d.user.id, input).await {
        Ok(u) => redirect_flash(
            &st,
            &format!("/users/{}", u.id),
            "success",
            format!(
                "{} was created as a copy of {}: the same organizations, roles and personal \
                 permissions{}. They start invited, without a password.",
                u.display_name(),
                d.user.display_name(),
                if copy_filters {
                    " and data filters"
                } else {
                    ""
                }
            ),
        ),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            render(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &d,
                h,
                &f,
                &errors,
            )
        }
    }
}
