//! The signed-in person's own security page: the TOTP second factor (U8, S6). Reachable with
//! a session alone, so that someone the policy requires to set one up can do so.

use super::view::{FormErrors, read_flash, redirect_flash};
use crate::AppState;
use crate::auth::{ConsoleSession, CsrfForm};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_services::credentials::MfaEnrolment;
use portico_services::{Principal, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/security", get(page))
        .route("/account/security/totp", post(begin))
        .route("/account/security/totp/confirm", post(confirm))
        .route("/account/security/totp/disable", post(disable))
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    required: Option<String>,
}

/// The `otpauth://` URI as a QR code (SVG: attributes only, nothing inline for the CSP).
fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build()
            .replacen(
                "<svg ",
                "<svg role=\"img\" aria-label=\"QR code for your authenticator app\" ",
                1,
            ),
        Err(_) => String::new(),
    }
}

async fn render(
    st: &AppState,
    p: &Principal,
    status: StatusCode,
    enrolment: Option<MfaEnrolment>,
    errors: Option<FormErrors>,
    required_notice: bool,
    flash: Option<super::view::Flash>,
) -> Response {
    let s = match st.services.mfa_status(p).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "mfa status");
            return super::no_access(st, &e);
        }
    };
    let (qr, secret, uri) = match &enrolment {
        Some(e) => (qr_svg(&e.uri), e.secret.clone(), e.uri.clone()),
        None => (String::new(), String::new(), String::new()),
    };
    let ctx = context! {
        layout => "bare.html",
        title => "Account security",
        name => p.user.display_name(),
        csrf => p.csrf_token().unwrap_or_default(),
        status => s,
        enrolling => enrolment.is_some(),
        qr => minijinja::Value::from_safe_string(qr),
        secret => secret,
        uri => uri,
        errors => errors,
        required_notice => required_notice || (s.required && !s.enabled),
        impersonating => p.impersonator.is_some(),
        flash => flash,
    };
    let mut res = st.templates.render(status, "account/security.html", ctx);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn page(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let pending = st.services.mfa_pending(&p).await.ok().flatten();
    let flash = read_flash(&headers);
    let had_flash = flash.is_some();
    let mut res = render(
        &st,
        &p,
        StatusCode::OK,
        pending,
        None,
        q.required.is_some(),
        flash,
    )
    .await;
    if had_flash {
        super::view::append_cookie(&mut res, super::view::clear_flash_cookie(&st));
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

async fn begin(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match st.services.mfa_begin(&p).await {
        Ok(e) => render(&st, &p, StatusCode::OK, Some(e), None, false, None).await,
        Err(e) => error(&st, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn confirm(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    match st.services.mfa_confirm(&p, &f.code).await {
        Ok(()) => redirect_flash(
            &st,
            "/account/security",
            "success",
            "Second factor on: from now on, signing in asks for a code from your app.",
        ),
        Err(ServiceError::Invalid(v)) => {
            let pending = st.services.mfa_pending(&p).await.ok().flatten();
            let errors = FormErrors::field(v.field, v.message);
            render(
                &st,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                pending,
                Some(errors),
                false,
                None,
            )
            .await
        }
        Err(e) => error(&st, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn disable(
    State(st): State<AppState>,
    ConsoleSession(p): ConsoleSession,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    match st.services.mfa_disable(&p, &f.password).await {
        Ok(()) => redirect_flash(
            &st,
            "/account/security",
            "success",
            "Second factor removed: signing in needs only your password now.",
        ),
        Err(ServiceError::Invalid(v)) => {
            let errors = FormErrors::field(v.field, v.message);
            render(
                &st,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(errors),
                false,
                None,
            )
            .await
        }
        Err(e) => error(&st, &e),
    }
}

fn error(st: &AppState, e: &ServiceError) -> Response {
    let message = match e {
        ServiceError::Conflict { message, .. } | ServiceError::Forbidden(message) => {
            super::capitalize(message)
        }
        _ => {
            tracing::error!(error = %e, "account security");
            "This is not possible right now. Try again in a moment.".to_string()
        }
    };
    redirect_flash(st, "/account/security", "error", message)
}
