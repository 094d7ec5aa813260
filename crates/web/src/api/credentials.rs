//! U8 over the API: a login's second step, "forgot password", set-password links, one's own
//! TOTP second factor, and administrators' resets.

use super::{ApiJson, parse_id};
use crate::AppState;
use crate::auth::{Admin, Caller, Meta};
use crate::problem::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use portico_domain::ids::UserId;
use portico_services::auth::Credential;
use portico_services::credentials::ResetMode;
use portico_services::{Principal, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login/totp", post(login_totp))
        .route("/api/v1/auth/password-reset", post(request_reset))
        .route("/api/v1/auth/set-password", post(set_password))
        .route(
            "/api/v1/auth/me/mfa",
            axum::routing::get(mfa_status).post(mfa_begin),
        )
        .route("/api/v1/auth/me/mfa/confirm", post(mfa_confirm))
        .route("/api/v1/auth/me/mfa/disable", post(mfa_disable))
        .route("/api/v1/users/{user}/password-reset", post(admin_reset))
        .route(
            "/api/v1/users/{user}/mfa",
            axum::routing::delete(admin_reset_mfa),
        )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpLogin {
    /// The `challenge` of the `mfa-required` problem.
    pub challenge: String,
    /// The six-digit code from the authenticator app.
    pub code: String,
}

/// The second step of a login with a second factor: the challenge and a code (each code
/// works once). Sets the session cookie like a login.
#[utoipa::path(post, path = "/api/v1/auth/login/totp", tag = "auth", request_body = TotpLogin,
    responses((status = 200, body = super::dto::SessionInfo), (status = 401, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem, description = "wrong or replayed code")))]
pub async fn login_totp(
    State(st): State<AppState>,
    Meta(meta): Meta,
    jar: CookieJar,
    ApiJson(b): ApiJson<TotpLogin>,
) -> Result<Response, ApiError> {
    let s = st
        .services
        .login_second_factor(&b.challenge, &b.code, meta)
        .await?;
    super::session::session_response(&st, jar, s).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// Username or email.
    pub login: String,
    /// The email's language (`en`, `de`, …).
    pub language: Option<String>,
}

/// "Forgot password": emails a reset link when the account exists. Always 202, so it does not
/// tell who has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202)))]
pub async fn request_reset(
    State(st): State<AppState>,
    Meta(meta): Meta,
    ApiJson(b): ApiJson<ResetRequest>,
) -> ApiResult<StatusCode> {
    st.services
        .request_password_reset(&b.login, b.language.as_deref(), meta)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// The token of a welcome or reset link (the last part of its path).
    pub token: String,
    pub password: String,
}

/// Sets a password through a welcome or reset link (U8's policy applies; the link works
/// once). Log in afterwards.
#[utoipa::path(post, path = "/api/v1/auth/set-password", tag = "auth", request_body = SetPassword,
    responses((status = 200, body = super::dto::User), (status = 409, body = crate::problem::Problem, description = "link-invalid, link-used or link-expired"), (status = 422, body = crate::problem::Problem)))]
pub async fn set_password(
    State(st): State<AppState>,
    Meta(meta): Meta,
    ApiJson(b): ApiJson<SetPassword>,
) -> ApiResult<Json<super::dto::User>> {
    let u = st
        .services
        .set_password_with_link(&b.token, &b.password, meta)
        .await?;
    Ok(Json(u.into()))
}

fn own_session(p: &Principal) -> Result<(), ApiError> {
    match p.credential {
        Credential::Session(_) => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "a second factor belongs to a person: use a session, not an API key".into(),
        )
        .into()),
    }
}

/// The caller's second factor: enabled, pending (set-up started), required by the policy.
#[utoipa::path(get, path = "/api/v1/auth/me/mfa", tag = "auth",
    responses((status = 200, body = MfaStatusBody)), security(("session" = [])))]
pub async fn mfa_status(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<MfaStatusBody>> {
    let s = st.services.mfa_status(&p).await?;
    Ok(Json(MfaStatusBody {
        enabled: s.enabled,
        pending: s.pending,
        required: s.required,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MfaStatusBody {
    pub enabled: bool,
    pub pending: bool,
    pub required: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MfaEnrolmentBody {
    /// Base32 secret, for typing into an app by hand. Shown once.
    pub secret: String,
    /// `otpauth://totp/…`, the content of the QR code.
    pub otpauth_uri: String,
}

/// Starts TOTP set-up: a new secret and its `otpauth://` URI. Confirm with a first code.
#[utoipa::path(post, path = "/api/v1/auth/me/mfa", tag = "auth",
    responses((status = 201, body = MfaEnrolmentBody), (status = 409, body = crate::problem::Problem, description = "already enabled")), security(("session" = [])))]
pub async fn mfa_begin(State(st): State<AppState>, Caller(p): Caller) -> ApiResult<Response> {
    own_session(&p)?;
    let e = st.services.mfa_begin(&p).await?;
    Ok((
        StatusCode::CREATED,
        Json(MfaEnrolmentBody {
            secret: e.secret,
            otpauth_uri: e.uri,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pub code: String,
}

/// Confirms TOTP set-up with the app's current code; from now on logins ask for a code.
#[utoipa::path(post, path = "/api/v1/auth/me/mfa/confirm", tag = "auth", request_body = CodeBody,
    responses((status = 204), (status = 422, body = crate::problem::Problem)), security(("session" = [])))]
pub async fn mfa_confirm(
    State(st): State<AppState>,
    Caller(p): Caller,
    ApiJson(b): ApiJson<CodeBody>,
) -> ApiResult<StatusCode> {
    own_session(&p)?;
    st.services.mfa_confirm(&p, &b.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub password: String,
}

/// Removes the caller's second factor (needs the password; refused while the security
/// policy requires one).
#[utoipa::path(post, path = "/api/v1/auth/me/mfa/disable", tag = "auth", request_body = PasswordBody,
    responses((status = 204), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)), security(("session" = [])))]
pub async fn mfa_disable(
    State(st): State<AppState>,
    Caller(p): Caller,
    ApiJson(b): ApiJson<PasswordBody>,
) -> ApiResult<StatusCode> {
    own_session(&p)?;
    st.services.mfa_disable(&p, &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminReset {
    /// `email` (default: a reset link by email) or `generate` (a password in the response,
    /// once; the person's sessions end).
    pub mode: Option<String>,
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminResetResult {
    /// `email` or `generate`.
    pub mode: String,
    /// The new password, present once in this response and never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// An administrator resets someone's password (needs `users.reset_credentials` and, P6,
/// holding everything the person holds).
#[utoipa::path(post, path = "/api/v1/users/{user}/password-reset", tag = "users", params(("user" = String, Path)), request_body = AdminReset,
    responses((status = 200, body = AdminResetResult), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn admin_reset(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<AdminReset>,
) -> ApiResult<Json<AdminResetResult>> {
    let user: UserId = parse_id(&user, "user")?;
    let mode = match b.mode.as_deref().unwrap_or("email") {
        "email" => ResetMode::Email,
        "generate" => ResetMode::Generate,
        _ => {
            return Err(ServiceError::Invalid(portico_domain::ValidationError::new(
                "mode",
                "choose email or generate",
            ))
            .into());
        }
    };
    let pw = st
        .services
        .admin_reset_password(&a, user, mode, b.language.as_deref())
        .await?;
    Ok(Json(AdminResetResult {
        mode: if pw.is_some() { "generate" } else { "email" }.into(),
        generated_password: pw,
    }))
}

/// Removes someone's second factor (a lost phone); same rule as a password reset.
#[utoipa::path(delete, path = "/api/v1/users/{user}/mfa", tag = "users", params(("user" = String, Path)),
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn admin_reset_mfa(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<StatusCode> {
    let user: UserId = parse_id(&user, "user")?;
    st.services.admin_reset_mfa(&a, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
