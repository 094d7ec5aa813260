use super::ApiJson;
use super::dto::{LoginRequest, SessionInfo};
use crate::auth::{Caller, Meta};
use crate::problem::{ApiError, ApiResult};
use crate::{AppState, SESSION_COOKIE};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

pub fn session_cookie(st: &AppState, token: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(st.web.secure_cookies)
        .path("/")
        .max_age(time_duration(max_age_secs))
        .build()
}

fn time_duration(secs: i64) -> time::Duration {
    time::Duration::seconds(secs)
}

pub fn clear_cookie(st: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(st, String::new(), 0);
    c.make_removal();
    c
}

/// Logs in with username or email and password; sets the session cookie (a new session id
/// every time: a cookie sent with the login is never reused).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::problem::Problem)))]
pub async fn login(
    State(st): State<AppState>,
    Meta(meta): Meta,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let s = st
        .services
        .login_with_code(
            &body.login,
            &body.password,
            body.totp_code.as_deref(),
            meta.clone(),
        )
        .await?;
    session_response(&st, jar, s).await
}

/// The session cookie and body for a login that succeeded (with or without a second step).
pub(crate) async fn session_response(
    st: &AppState,
    jar: CookieJar,
    s: portico_services::sessions::NewSession,
) -> Result<Response, ApiError> {
    let back_office = st.services.is_back_office(s.user.id).await?;
    let jar = jar
        .add(session_cookie(st, s.token, s.max_age_secs))
        .add(crate::api::access::clear_impersonation_cookie(st));
    Ok((
        jar,
        Json(SessionInfo {
            user: s.user.into(),
            csrf_token: Some(s.csrf_token),
            back_office,
            impersonator: None,
        }),
    )
        .into_response())
}

/// Ends the session on the server and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(st): State<AppState>,
    Caller(p): Caller,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    if p.impersonator.is_some() {
        // Signing out during an impersonation ends it and signs the administrator out.
        st.services.end_impersonation(&p).await?;
        if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string())
            && let Ok(own) = st
                .services
                .authenticate_session(&token, p.meta.clone())
                .await
        {
            st.services.logout(&own).await?;
        }
    } else {
        st.services.logout(&p).await?;
    }
    Ok((
        jar.add(clear_cookie(&st))
            .add(crate::api::access::clear_impersonation_cookie(&st)),
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// Who is calling.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = SessionInfo), (status = 401, body = crate::problem::Problem)))]
pub async fn me(State(st): State<AppState>, Caller(p): Caller) -> ApiResult<Json<SessionInfo>> {
    let back_office = st.services.is_back_office(p.user.id).await?;
    Ok(Json(SessionInfo {
        csrf_token: p.csrf_token().map(str::to_string),
        impersonator: p.impersonator.clone().map(Into::into),
        user: p.user.into(),
        back_office,
    }))
}
