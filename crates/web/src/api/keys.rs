//! API keys and the audit log.

use super::dto::*;
use super::{ApiJson, parse_id};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::csv_export;
use crate::problem::ApiResult;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete as delete_route, get};
use axum::{Json, Router};
use portico_domain::ids::{ApiKeyId, OrgId, UserId};
use portico_domain::page::PageRequest;
use portico_services::api_keys::KeyInput;
use portico_services::records::AuditFilter;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/api-keys", get(list).post(create))
        .route("/api/v1/api-keys/{key}", delete_route(revoke))
        .route("/api/v1/audit-events", get(audit_events))
}

/// Your API keys (all keys, for the super admin).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", responses((status = 200, body = Vec<ApiKey>)), security(("bearer" = []), ("session" = [])))]
pub async fn list(State(st): State<AppState>, Admin(a): Admin) -> ApiResult<Json<Vec<ApiKey>>> {
    Ok(Json(
        st.services
            .list_api_keys(&a)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a key. The response's `token` is shown once; only its hash is stored.
///
/// A key never reaches further than its creator (S5, P6). Created with an API key, the new key
/// stays within that key: absent permissions, organization, expiry or IP allowlist are the
/// calling key's; wider ones are refused (403; an organization outside the calling key's is
/// not found).
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey),
        (status = 403, body = crate::problem::Problem, description = "Wider than the caller"),
        (status = 404, body = crate::problem::Problem, description = "Organization out of reach"),
        (status = 422, body = crate::problem::Problem, description = "A malformed value")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CreateApiKey>,
) -> ApiResult<Response> {
    let org_id = b
        .organization_id
        .as_deref()
        .map(|o| parse_id::<OrgId>(o, "organization"))
        .transpose()?;
    let expires = b
        .expires_in_days
        .map(|d| st.services.now().plus_secs(i64::from(d) * 86_400));
    let k = st
        .services
        .create_api_key(
            &a,
            KeyInput {
                name: b.name,
                expires_at: expires,
                permissions: b.permissions,
                org_id,
                ip_allowlist: b.ip_allowlist,
                owner: None,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            key: k.record.into(),
            token: k.token,
        }),
    )
        .into_response())
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{key}", tag = "api-keys", params(("key" = String, Path)),
    responses((status = 200, body = ApiKey), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn revoke(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(key): Path<String>,
) -> ApiResult<Json<ApiKey>> {
    let id: ApiKeyId = parse_id(&key, "API key")?;
    Ok(Json(st.services.revoke_api_key(&a, id).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Action prefix, e.g. `login` or `user.block`.
    pub action: Option<String>,
    pub organization: Option<String>,
    /// Entries by or about this user.
    pub user: Option<String>,
}

/// The audit trail (AU1), newest first.
///
/// With `Accept: text/csv` the answer is a CSV download of every matching entry (up to
/// 100,000, newest first; `limit` and `cursor` do not apply), with spreadsheet formulas
/// neutralised; the export itself is audited as `audit.export`.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "A page of entries, or with `Accept: text/csv` all of them as CSV",
        content((Page<AuditEvent> = "application/json"), (String = "text/csv")))),
    security(("bearer" = []), ("session" = [])))]
pub async fn audit_events(
    State(st): State<AppState>,
    Admin(a): Admin,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let filter = AuditFilter {
        action_prefix: q.action.filter(|s| !s.is_empty()),
        org: q
            .organization
            .as_deref()
            .map(|o| parse_id::<OrgId>(o, "organization"))
            .transpose()?,
        user: q
            .user
            .as_deref()
            .map(|u| parse_id::<UserId>(u, "user"))
            .transpose()?,
    };
    if csv_export::wants_csv(&headers) {
        let rows = st
            .services
            .export_audit(&a, filter, csv_export::MAX_EXPORT_ROWS)
            .await?;
        return Ok(csv_export::csv_response(
            "audit-events.csv",
            csv_export::audit_csv(rows),
        ));
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())
        .map_err(portico_services::ServiceError::from)?;
    let p = st.services.list_audit(&a, filter, page).await?;
    Ok(Json(Page::<AuditEvent>::from_page(p)).into_response())
}
