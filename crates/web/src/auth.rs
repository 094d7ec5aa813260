//! Extractors that turn a request into a proof of who is calling and what they may do.
//! A handler that takes [`Admin`] cannot run for someone without back-office access; a
//! state-changing request authenticated by cookie cannot run without its CSRF token.

use crate::client_ip;
use crate::problem::ApiError;
use crate::{AppState, IMPERSONATION_COOKIE, SESSION_COOKIE};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use portico_services::auth::constant_time_eq;
use portico_services::{BackOffice, Principal, RequestMeta, ServiceError};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// Client address (through trusted proxies only) and user agent.
pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Meta(meta(parts, state)))
    }
}

pub fn meta(parts: &Parts, state: &AppState) -> RequestMeta {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = peer.map(|p| client_ip::resolve(p, &parts.headers, &state.web.trusted_proxies));
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect());
    RequestMeta { ip, user_agent }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn session_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

fn impersonation_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers)
        .get(IMPERSONATION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The session cookie's principal — or, during an impersonation (P9), the impersonated user
/// with the administrator as impersonator. An impersonation that has ended or expired falls
/// back to the administrator's own session.
async fn cookie_principal(
    parts: &Parts,
    state: &AppState,
    token: &str,
) -> Result<Principal, ServiceError> {
    let own = state
        .services
        .authenticate_session(token, meta(parts, state))
        .await?;
    if let Some(imp) = impersonation_token(parts) {
        match state.services.authenticate_impersonation(&own, &imp).await {
            Ok(p) => return Ok(p),
            Err(ServiceError::Unauthenticated) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(own)
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// An authenticated API caller: `Authorization: Bearer <key>` or the session cookie (plus
/// `X-CSRF-Token` on state-changing methods).
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(Caller(p.clone()));
        }
        let m = meta(parts, state);
        let principal = if let Some(token) = bearer(parts) {
            state.services.authenticate_api_key(token, m).await?
        } else if let Some(token) = session_token(parts) {
            drop(m);
            let p = cookie_principal(parts, state, &token).await?;
            if !is_safe(&parts.method) {
                let sent = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let expected = p.csrf_token().unwrap_or("");
                if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
                    return Err(ApiError::csrf());
                }
            }
            p
        } else {
            return Err(ServiceError::Unauthenticated.into());
        };
        parts.extensions.insert(principal.clone());
        Ok(Caller(principal))
    }
}

/// An API caller with back-office access.
pub struct Admin(pub BackOffice);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Caller(p) = Caller::from_request_parts(parts, state).await?;
        Ok(Admin(state.services.back_office(p).await?))
    }
}

/// Where an unauthenticated console visitor goes.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A console visitor with a valid session (cookie only: the console never takes API keys).
pub struct ConsoleSession(pub Principal);

impl FromRequestParts<AppState> for ConsoleSession {
    type Rejection = ToLogin;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(ConsoleSession(p.clone()));
        }
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let token = session_token(parts).ok_or_else(|| ToLogin(next.clone()))?;
        let p = cookie_principal(parts, state, &token)
            .await
            .map_err(|_| ToLogin(next))?;
        parts.extensions.insert(p.clone());
        Ok(ConsoleSession(p))
    }
}

/// A console visitor with back-office access; others see a "no access" page.
pub struct ConsoleAdmin(pub BackOffice);

pub enum ConsoleReject {
    Login(ToLogin),
    Forbidden(Response),
}

impl IntoResponse for ConsoleReject {
    fn into_response(self) -> Response {
        match self {
            Self::Login(l) => l.into_response(),
            Self::Forbidden(r) => r,
        }
    }
}

impl FromRequestParts<AppState> for ConsoleAdmin {
    type Rejection = ConsoleReject;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ConsoleSession(p) = ConsoleSession::from_request_parts(parts, state)
            .await
            .map_err(ConsoleReject::Login)?;
        state
            .services
            .back_office(p)
            .await
            .map(ConsoleAdmin)
            .map_err(|e| match e {
                // S6: only setting up the second factor is open until there is one.
                portico_services::ServiceError::MfaEnrollmentRequired => ConsoleReject::Forbidden(
                    crate::console::see_other_page("/account/security?required=1"),
                ),
                e => ConsoleReject::Forbidden(crate::console::no_access(state, &e)),
            })
    }
}

/// A console form whose hidden `_csrf` field must match the session's token. Use after a
/// [`ConsoleSession`] or [`ConsoleAdmin`] extractor.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<Principal>()
            .and_then(|p| p.csrf_token().map(str::to_string))
            .unwrap_or_default();
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let sent = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(crate::console::csrf_failed(state));
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(CsrfForm)
            .map_err(|e| ApiError::bad_request(format!("form: {e}")).into_response())
    }
}
