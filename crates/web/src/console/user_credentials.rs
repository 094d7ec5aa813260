//! Resetting someone's sign-in (U8): email a reset link, set a generated password shown
//! once, or remove a lost second factor. The page itself is the confirmation step; the
//! services check P6 again.

use super::users::load_user;
use super::view::{Cx, UserView, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_services::credentials::ResetMode;
use portico_services::records::UserRecord;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/users/{user}/credentials", get(page).post(reset))
}

/// A generated password, shown on this one response (never in a flash cookie, a URL or a
/// log) and not cached.
pub fn password_once_page(
    st: &AppState,
    cx: &Cx,
    user: &UserRecord,
    password: &str,
    back: &str,
    heading: &str,
) -> Response {
    let mut res = cx.render(
        st,
        "users/credentials.html",
        context! {
            title => format!("Password for {}", user.display_name()),
            once => true,
            heading => heading,
            person => UserView::from(user),
            password => password,
            back => back,
        },
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn page(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !h.acts.reset {
        return cx.error(
            &st,
            portico_services::ServiceError::Forbidden(
                "you cannot reset this person's sign-in".into(),
            ),
        );
    }
    let mfa = match st.services.second_factor_of(&cx.admin, d.user.id).await {
        Ok(m) => m,
        Err(e) => return cx.error(&st, e),
    };
    cx.render(
        &st,
        "users/credentials.html",
        context! {
            title => format!("Reset sign-in · {}", h.user.name),
            once => false,
            h => h,
            has_mfa => mfa,
            reset_hours => st.services.config().reset_link_hours,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    action: String,
}

async fn reset(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let href = h.user.href.clone();
    let result = match f.action.as_str() {
        "email" => st
            .services
            .admin_reset_password(&cx.admin, d.user.id, ResetMode::Email, None)
            .await
            .map(|_| format!("A reset link is on its way to {}.", d.user.email)),
        "generate" => {
            match st
                .services
                .admin_reset_password(&cx.admin, d.user.id, ResetMode::Generate, None)
                .await
            {
                Ok(Some(pw)) => {
                    return password_once_page(&st, &cx, &d.user, &pw, &href, "Password reset");
                }
                Ok(None) => Ok(String::new()),
                Err(e) => Err(e),
            }
        }
        "mfa" => st
            .services
            .admin_reset_mfa(&cx.admin, d.user.id)
            .await
            .map(|removed| {
                if removed {
                    format!("{}'s second factor was removed.", h.user.name)
                } else {
                    format!("{} has no second factor.", h.user.name)
                }
            }),
        _ => {
            return redirect_flash(
                &st,
                &format!("{href}/credentials"),
                "error",
                "Choose an action.",
            );
        }
    };
    match result {
        Ok(msg) => redirect_flash(&st, &href, "success", msg),
        Err(e) => redirect_flash(
            &st,
            &format!("{href}/credentials"),
            "error",
            super::view::error_message(&e),
        ),
    }
}
