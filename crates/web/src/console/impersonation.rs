//! "Log in as" (P9): the form (reason, duration), starting — which sets the impersonation
//! cookie next to the administrator's own session — and ending from the banner. While the
//! cookie is valid every console page acts as the person (`auth::cookie_principal`).
//!
//! A person without back-office access has no console to show; the no-access page then leads
//! to `/impersonation`, which says so and offers "End impersonation".

use super::users::{UserHeader, load_user};
use super::view::{Cx, FormErrors, append_cookie, redirect_flash, see_other};
use crate::api::access::{clear_impersonation_cookie, impersonation_cookie};
use crate::auth::{ConsoleSession, CsrfForm};
use crate::{AppState, IMPERSONATION_COOKIE};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use minijinja::context;
use portico_services::auth::Credential;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/{user}/impersonate", get(form).post(start))
        .route("/impersonation", get(status_page))
        .route(
            "/impersonation/end",
            post(end).get(|| async { see_other("/impersonation") }),
        )
}

/// Marks the "no access" page, so that [`escape`] can tell it apart from other 403s.
#[derive(Clone, Copy)]
pub struct NoAccessPage;

/// During an impersonation of someone without back-office access, the no-access page would
/// leave the administrator stuck: send them to the page that ends the impersonation.
pub async fn escape(req: Request, next: Next) -> Response {
    let impersonating = CookieJar::from_headers(req.headers())
        .get(IMPERSONATION_COOKIE)
        .is_some_and(|c| !c.value().is_empty());
    let res = next.run(req).await;
    if impersonating && res.extensions().get::<NoAccessPage>().is_some() {
        return see_other("/impersonation");
    }
    res
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct StartForm {
    reason: String,
    minutes: String,
}

fn render_form(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    h: UserHeader,
    values: &StartForm,
    errors: &FormErrors,
) -> Response {
    let max = st.services.config().impersonation_max_minutes;
    cx.render_status(
        st,
        status,
        "users/impersonate.html",
        context! {
            title => format!("Log in as {}", h.user.name),
            h => h,
            values => values,
            max_minutes => max,
            errors => errors,
        },
    )
}

async fn form(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let (_, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let max = st.services.config().impersonation_max_minutes;
    let values = StartForm {
        reason: String::new(),
        minutes: 30.min(max).to_string(),
    };
    render_form(&st, &cx, StatusCode::OK, h, &values, &FormErrors::default())
}

async fn start(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<StartForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let minutes = match f.minutes.trim() {
        "" => None,
        m => match m.parse::<i64>() {
            Ok(m) => Some(m),
            Err(_) => {
                let e = FormErrors::field("minutes", "Enter a number of minutes.");
                return render_form(&st, &cx, StatusCode::UNPROCESSABLE_ENTITY, h, &f, &e);
            }
        },
    };
    let imp = match st
        .services
        .start_impersonation(&cx.admin, d.user.id, &f.reason, minutes)
        .await
    {
        Ok(i) => i,
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            return render_form(&st, &cx, StatusCode::UNPROCESSABLE_ENTITY, h, &f, &errors);
        }
    };
    let secs = ((imp.expires_at.millis() - st.services.now().millis()) / 1000).max(1);
    let back_office = st
        .services
        .is_back_office(imp.target.id)
        .await
        .unwrap_or(false);
    let to = if back_office { "/" } else { "/impersonation" };
    let mut res = redirect_flash(
        &st,
        to,
        "info",
        format!(
            "You are now logged in as {} until {} UTC. End the impersonation from the banner.",
            imp.target.display_name(),
            super::nav::hh_mm(imp.expires_at)
        ),
    );
    append_cookie(&mut res, impersonation_cookie(&st, imp.token, secs));
    res
}

#[derive(Debug, Deserialize, Default)]
pub struct EmptyForm {}

async fn end(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Response {
    let target = p.impersonator.as_ref().map(|_| p.user.clone());
    let mut res = match target {
        Some(u) => match st.services.end_impersonation(&p).await {
            Ok(()) => redirect_flash(
                &st,
                &format!("/users/{}", u.id),
                "success",
                format!(
                    "You are no longer logged in as {}. You act as yourself again.",
                    u.display_name()
                ),
            ),
            Err(e) => {
                return redirect_flash(&st, "/", "error", super::view::error_message(&e));
            }
        },
        None => redirect_flash(&st, "/", "info", "No impersonation was in progress."),
    };
    append_cookie(&mut res, clear_impersonation_cookie(&st));
    res
}

/// The impersonation as such: who, until when, and the button that ends it.
async fn status_page(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    headers: axum::http::HeaderMap,
) -> Response {
    let Some(by) = p.impersonator.as_ref() else {
        // Nothing to end (expired or ended elsewhere): forget the cookie.
        let mut res = redirect_flash(&st, "/", "info", "No impersonation is in progress.");
        append_cookie(&mut res, clear_impersonation_cookie(&st));
        return res;
    };
    let until = match &p.credential {
        Credential::Session(s) => super::nav::hh_mm(s.expires_at),
        _ => String::new(),
    };
    let back_office = st.services.is_back_office(p.user.id).await.unwrap_or(false);
    let flash = super::view::read_flash(&headers);
    let had_flash = flash.is_some();
    let ctx = context! {
        layout => "bare.html",
        title => "Impersonation",
        user => p.user.display_name(),
        impersonator => by.display_name(),
        until => until,
        back_office => back_office,
        csrf => p.csrf_token().unwrap_or(""),
        flash => flash,
    };
    let mut res = st
        .templates
        .render(StatusCode::OK, "impersonation.html", ctx);
    if had_flash {
        append_cookie(&mut res, super::view::clear_flash_cookie(&st));
    }
    res
}
