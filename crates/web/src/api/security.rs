//! S6: the security policy — the platform's, and an organization's override.

use super::{ApiJson, if_match, with_etag};
use crate::AppState;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use portico_domain::Timestamp;
use portico_domain::security::{PolicyOverride, SecurityPolicy};
use portico_services::security::{OrgPolicyView, PlatformPolicyView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/settings/security",
            get(get_platform).put(put_platform).delete(reset_platform),
        )
        .route(
            "/api/v1/organizations/{org}/security-policy",
            get(get_org).put(put_org).delete(delete_org),
        )
}

/// Every rule of the security policy (S6).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Minimum password length without a second factor (8–256).
    pub password_min_length: usize,
    /// Minimum password length with a second factor (8–256, at most the other).
    pub password_min_length_with_mfa: usize,
    /// A session ends this long after login (300 s – 30 days).
    pub session_lifetime_secs: i64,
    /// A session unused this long ends (60 s – the lifetime).
    pub session_idle_secs: i64,
    /// Back-office users must set up a second factor first.
    pub mfa_required: bool,
    /// Failed logins of an account within the window before it is locked out (1–1000).
    pub lockout_max_failures: i64,
    /// The lockout window (60 s – 1 day).
    pub lockout_window_secs: i64,
}

impl From<SecurityPolicy> for Policy {
    fn from(p: SecurityPolicy) -> Self {
        Self {
            password_min_length: p.password_min_length,
            password_min_length_with_mfa: p.password_min_length_with_mfa,
            session_lifetime_secs: p.session_lifetime_secs,
            session_idle_secs: p.session_idle_secs,
            mfa_required: p.mfa_required,
            lockout_max_failures: p.lockout_max_failures,
            lockout_window_secs: p.lockout_window_secs,
        }
    }
}

impl From<Policy> for SecurityPolicy {
    fn from(p: Policy) -> Self {
        Self {
            password_min_length: p.password_min_length,
            password_min_length_with_mfa: p.password_min_length_with_mfa,
            session_lifetime_secs: p.session_lifetime_secs,
            session_idle_secs: p.session_idle_secs,
            mfa_required: p.mfa_required,
            lockout_max_failures: p.lockout_max_failures,
            lockout_window_secs: p.lockout_window_secs,
        }
    }
}

/// The rules an organization changes; an absent (or null) rule is inherited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_min_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_min_length_with_mfa: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_lifetime_secs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_idle_secs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_max_failures: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_window_secs: Option<i64>,
}

impl From<PolicyOverride> for PolicyChanges {
    fn from(o: PolicyOverride) -> Self {
        Self {
            password_min_length: o.password_min_length,
            password_min_length_with_mfa: o.password_min_length_with_mfa,
            session_lifetime_secs: o.session_lifetime_secs,
            session_idle_secs: o.session_idle_secs,
            mfa_required: o.mfa_required,
            lockout_max_failures: o.lockout_max_failures,
            lockout_window_secs: o.lockout_window_secs,
        }
    }
}

impl From<PolicyChanges> for PolicyOverride {
    fn from(o: PolicyChanges) -> Self {
        Self {
            password_min_length: o.password_min_length,
            password_min_length_with_mfa: o.password_min_length_with_mfa,
            session_lifetime_secs: o.session_lifetime_secs,
            session_idle_secs: o.session_idle_secs,
            mfa_required: o.mfa_required,
            lockout_max_failures: o.lockout_max_failures,
            lockout_window_secs: o.lockout_window_secs,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformPolicy {
    pub policy: Policy,
    /// `false` while the configured defaults apply.
    pub saved: bool,
    pub updated_at: Option<String>,
}

impl From<PlatformPolicyView> for PlatformPolicy {
    fn from(v: PlatformPolicyView) -> Self {
        Self {
            policy: v.policy.into(),
            saved: v.saved,
            updated_at: v.updated_at.map(Timestamp::to_rfc3339),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgPolicy {
    pub organization_id: String,
    /// From the platform and the organization's ancestors.
    pub inherited: Policy,
    /// The rules this organization changes.
    #[serde(rename = "override")]
    pub overrides: PolicyChanges,
    /// What applies to people whose home organization is this one.
    pub effective: Policy,
    pub updated_at: Option<String>,
}

impl From<OrgPolicyView> for OrgPolicy {
    fn from(v: OrgPolicyView) -> Self {
        Self {
            organization_id: v.org_id.to_string(),
            inherited: v.inherited.into(),
            overrides: v.overrides.into(),
            effective: v.effective.into(),
            updated_at: v.updated_at.map(Timestamp::to_rfc3339),
        }
    }
}

fn platform(v: PlatformPolicyView) -> Response {
    with_etag(v.version, PlatformPolicy::from(v))
}

fn org(v: OrgPolicyView) -> Response {
    with_etag(v.version, OrgPolicy::from(v))
}

/// The platform's security policy (`settings.view` on the platform).
#[utoipa::path(get, path = "/api/v1/settings/security", tag = "settings",
    responses((status = 200, body = PlatformPolicy), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_platform(State(st): State<AppState>, Admin(a): Admin) -> ApiResult<Response> {
    Ok(platform(st.services.platform_policy(&a).await?))
}

/// Saves the platform's security policy (`settings.manage` on the platform). Every rule is
/// given; send `If-Match` with the `ETag` you read so no edit overwrites another.
#[utoipa::path(put, path = "/api/v1/settings/security", tag = "settings", request_body = Policy,
    params(("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PlatformPolicy),
        (status = 412, body = crate::problem::Problem, description = "Changed meanwhile"),
        (status = 422, body = crate::problem::Problem, description = "A value out of bounds")),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_platform(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
    ApiJson(b): ApiJson<Policy>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    Ok(platform(
        st.services
            .set_platform_policy(&a, b.into(), expected)
            .await?,
    ))
}

/// Back to the configured defaults (`settings.manage` on the platform).
#[utoipa::path(delete, path = "/api/v1/settings/security", tag = "settings",
    params(("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PlatformPolicy)),
    security(("bearer" = []), ("session" = [])))]
pub async fn reset_platform(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    Ok(platform(
        st.services.reset_platform_policy(&a, expected).await?,
    ))
}

/// An organization's security policy: inherited, overridden, effective (`settings.view` in
/// the organization).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/security-policy", tag = "settings",
    params(("org" = String, Path, description = "id or slug")),
    responses((status = 200, body = OrgPolicy), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_org(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(o): Path<String>,
) -> ApiResult<Response> {
    let scope = st.services.resolve_org(&a, &o).await?;
    Ok(org(st.services.org_policy(&scope).await?))
}

/// Sets the organization's override (`settings.manage` in the organization). Absent rules are
/// inherited. An organization's own administrators may only tighten the inherited policy (403
/// otherwise); loosening needs `settings.manage` on the platform.
#[utoipa::path(put, path = "/api/v1/organizations/{org}/security-policy", tag = "settings",
    request_body = PolicyChanges,
    params(("org" = String, Path, description = "id or slug"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = OrgPolicy),
        (status = 403, body = crate::problem::Problem, description = "Looser than inherited"),
        (status = 412, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_org(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(o): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PolicyChanges>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let scope = st.services.resolve_org(&a, &o).await?;
    Ok(org(st
        .services
        .set_org_policy(&scope, b.into(), expected)
        .await?))
}

/// Removes the override: the organization inherits everything again.
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/security-policy", tag = "settings",
    params(("org" = String, Path, description = "id or slug"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = OrgPolicy)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete_org(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(o): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let scope = st.services.resolve_org(&a, &o).await?;
    Ok(org(st
        .services
        .set_org_policy(&scope, PolicyOverride::default(), expected)
        .await?))
}
