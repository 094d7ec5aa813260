//! Sign in and sign out.

use super::view::{
    Flash, append_cookie, clear_flash_cookie, is_local_path, read_flash, redirect_flash, see_other,
};
use crate::api::session::{clear_cookie, session_cookie};
use crate::auth::{ConsoleSession, CsrfForm, Meta};
use crate::{AppState, SESSION_COOKIE};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use portico_services::{RequestMeta, ServiceError};
use serde::Deserialize;

const BAD_LOGIN: &str = "Invalid username or password";

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    /// Show the form even to someone signed in (to switch accounts).
    switch: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) && !n.starts_with("/login") && !n.starts_with("/logout") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn render_login(
    st: &AppState,
    status: StatusCode,
    login: &str,
    next: &str,
    error: Option<&str>,
) -> Response {
    render_login_with(st, status, login, next, error, None)
}

fn render_login_with(
    st: &AppState,
    status: StatusCode,
    login: &str,
    next: &str,
    error: Option<&str>,
    flash: Option<Flash>,
) -> Response {
    let had_flash = flash.is_some();
    let ctx = context! { layout => "bare.html", title => "Sign in", login => login, next => next, error => error, flash => flash };
    let mut res = st.templates.render(status, "login.html", ctx);
    if had_flash {
        append_cookie(&mut res, clear_flash_cookie(st));
    }
    res
}

pub async fn login_page(
    State(st): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let jar = CookieJar::from_headers(&headers);
    let next = safe_next(q.next.as_deref());
    if q.switch.is_none()
        && let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string())
        && let Ok(p) = st.services.authenticate_session(&token, meta).await
        && st.services.back_office(p).await.is_ok()
    {
        return see_other(&next);
    }
    let flash = read_flash(&headers);
    render_login_with(&st, StatusCode::OK, "", &next, None, flash)
}

/// Login CSRF: a browser tells where a form came from; a sign-in posted from another site is
/// refused (programs that send neither header are unaffected).
pub(crate) fn cross_site(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| s == "cross-site")
    {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

pub async fn login_submit(
    State(st): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    if cross_site(&headers) {
        return super::csrf_failed(&st);
    }
    match login(&st, &f, meta).await {
        Err(ServiceError::MfaRequired { challenge }) => {
            super::credential_pages::render_totp_step(&st, StatusCode::OK, &challenge, &next, None)
        }
        Ok((token, max_age)) => {
            let jar = jar
                .add(session_cookie(&st, token, max_age))
                .add(crate::api::access::clear_impersonation_cookie(&st));
            (jar, see_other(&next)).into_response()
        }
        Err(ServiceError::Internal(m)) => {
            tracing::error!(error = %m, "console login failed");
            render_login(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                &f.login,
                &next,
                Some("Signing in is not possible right now. Try again in a moment."),
            )
        }
        // The same answer for an unknown user, a wrong password, a blocked or locked account.
        Err(_) => render_login(
            &st,
            StatusCode::UNAUTHORIZED,
            &f.login,
            &next,
            Some(BAD_LOGIN),
        ),
    }
}

async fn login(
    st: &AppState,
    f: &LoginForm,
    meta: RequestMeta,
) -> Result<(String, i64), ServiceError> {
    if f.login.trim().is_empty() || f.password.is_empty() {
        return Err(ServiceError::BadCredentials);
    }
    let s = st.services.login(&f.login, &f.password, meta).await?;
    Ok((s.token, s.max_age_secs))
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<LogoutForm>,
) -> Response {
    let result = if p.impersonator.is_some() {
        // Signing out during an impersonation ends it and signs the administrator out.
        let mut r = st.services.end_impersonation(&p).await;
        if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string())
            && let Ok(own) = st
                .services
                .authenticate_session(&token, p.meta.clone())
                .await
        {
            r = r.and(st.services.logout(&own).await);
        }
        r
    } else {
        st.services.logout(&p).await
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "console logout: session not removed");
    }
    let mut res = redirect_flash(&st, "/login", "info", "You are signed out.");
    append_cookie(&mut res, clear_cookie(&st));
    append_cookie(
        &mut res,
        crate::api::access::clear_impersonation_cookie(&st),
    );
    res
}

/// A stale bookmark or a login `next` pointing here: nothing to do on GET.
pub async fn logout_get() -> Response {
    see_other("/")
}
