//! Access control over the API: the permission catalogue (P1), roles (P2), explain and
//! holders (P10), administrators (S1) and the super admin's transfer (P7).

use super::access_dto::*;
use super::dto::User;
use super::{ApiJson, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, SameSite};
use portico_domain::access::Level;
use portico_domain::ids::{RoleId, UserId};
use portico_services::access::roles::{RoleInput, RoleUpdate};
use portico_services::records::ScopeRef;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/permissions", get(permissions))
        .route("/api/v1/roles", get(list_roles).post(create_role))
        .route("/api/v1/roles/import", post(import_preset))
        .route(
            "/api/v1/roles/{role}",
            get(get_role).patch(update_role).delete(delete_role),
        )
        .route("/api/v1/authz/explain", get(explain))
        .route("/api/v1/authz/holders", get(holders))
        .route("/api/v1/administrators", get(administrators))
        .route("/api/v1/settings/super-admin", post(transfer_super_admin))
}

/// The impersonation cookie, cleared (at login, logout and when an impersonation ends).
pub fn clear_impersonation_cookie(st: &AppState) -> Cookie<'static> {
    let mut c = impersonation_cookie(st, String::new(), 0);
    c.make_removal();
    c
}

pub fn impersonation_cookie(st: &AppState, token: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((crate::IMPERSONATION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(st.web.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

/// `platform` (or nothing), an organization id or a project id; an unknown one is "not found".
pub fn parse_scope(s: Option<&str>) -> Result<ScopeRef, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(ScopeRef::Platform),
        Some(s) => ScopeRef::parse(s)
            .map_err(|_| portico_services::ServiceError::NotFound("organization").into()),
    }
}

/// The permission catalogue (P1): key, description, section, levels; with the permissions
/// applications registered (A5), each naming its application.
#[utoipa::path(get, path = "/api/v1/permissions", tag = "access",
    responses((status = 200, body = Vec<PermissionEntry>)), security(("bearer" = []), ("session" = [])))]
pub async fn permissions(
    State(_st): State<AppState>,
    Admin(a): Admin,
) -> Json<Vec<PermissionEntry>> {
    Json(
        a.access()
            .catalog
            .entries()
            .iter()
            .map(|e| PermissionEntry {
                key: e.permission.to_string(),
                description: e.description.clone(),
                section: e.section.clone(),
                levels: e.levels.levels().map(|l| l.as_str().to_string()).collect(),
                application: e.application.clone(),
            })
            .collect(),
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RoleQuery {
    /// `platform`, `organization` or `project`.
    pub level: Option<String>,
}

/// Roles the caller may see, optionally of one level (P2).
#[utoipa::path(get, path = "/api/v1/roles", tag = "access", params(RoleQuery),
    responses((status = 200, body = Vec<RoleDto>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_roles(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<RoleQuery>,
) -> ApiResult<Json<Vec<RoleDto>>> {
    let level = match q.level.as_deref() {
        None | Some("") => None,
        Some(l) => Some(Level::parse(l).ok_or_else(|| {
            ApiError::from(portico_services::ServiceError::from(
                portico_domain::ValidationError::new("level", "platform, organization or project"),
            ))
        })?),
    };
    let mut roles = st.services.list_roles(&a, level)?;
    st.services.count_visible_holders(&a, &mut roles).await?;
    Ok(Json(roles.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/roles/{role}", tag = "access", params(("role" = String, Path)),
    responses((status = 200, body = RoleDto), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn get_role(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(role): Path<String>,
) -> ApiResult<Response> {
    let id: RoleId = parse_id(&role, "role")?;
    let mut r = st.services.get_role(&a, id)?;
    st.services
        .count_visible_holders(&a, std::slice::from_mut(&mut r))
        .await?;
    Ok(with_etag(r.role.version, RoleDto::from(r)))
}

/// A custom role, from scratch or copied from any role (`copy_from`). Its permissions must be
/// ones the caller holds (P6).
#[utoipa::path(post, path = "/api/v1/roles", tag = "access", request_body = CreateRole,
    responses((status = 201, body = RoleDto), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_role(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CreateRole>,
) -> ApiResult<Response> {
    let copy_from = b
        .copy_from
        .as_deref()
        .map(|r| parse_id::<RoleId>(r, "role"))
        .transpose()?;
    let r = st
        .services
        .create_role(
            &a,
            RoleInput {
                name: b.name,
                level: b.level,
                description: b.description,
                permissions: b.permissions,
                copy_from,
            },
        )
        .await?;
    let v = r.version;
    let mut resp = with_etag(
        v,
        RoleDto::from(portico_services::access::roles::RoleView {
            role: r,
            holders: 0,
        }),
    );
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// Edits a custom role (presets are read-only). Refused unless the caller holds every
/// permission the role has and would have (P6). Honours `If-Match`.
#[utoipa::path(patch, path = "/api/v1/roles/{role}", tag = "access", params(("role" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateRole, responses((status = 200, body = RoleDto), (status = 409, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_role(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(role): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateRole>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let id: RoleId = parse_id(&role, "role")?;
    let r = st
        .services
        .update_role(
            &a,
            id,
            expected,
            RoleUpdate {
                name: b.name,
                description: b.description,
                permissions: b.permissions,
            },
        )
        .await?;
    let mut view = [portico_services::access::roles::RoleView {
        role: r,
        holders: 0,
    }];
    st.services.count_visible_holders(&a, &mut view).await?;
    let [view] = view;
    Ok(with_etag(view.role.version, RoleDto::from(view)))
}

/// Deletes a custom role that nobody holds (409 `role-in-use` otherwise).
#[utoipa::path(delete, path = "/api/v1/roles/{role}", tag = "access", params(("role" = String, Path)),
    responses((status = 204), (status = 409, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn delete_role(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(role): Path<String>,
) -> ApiResult<Response> {
    let id: RoleId = parse_id(&role, "role")?;
    st.services.delete_role(&a, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Imports a preset's roles (`basic`, `lms`, `crm`); roles already present are kept.
#[utoipa::path(post, path = "/api/v1/roles/import", tag = "access", request_body = ImportPreset,
    responses((status = 200, body = ImportedRoles)), security(("bearer" = []), ("session" = [])))]
pub async fn import_preset(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<ImportPreset>,
) -> ApiResult<Json<ImportedRoles>> {
    let added = st.services.import_preset(&a, &b.preset).await?;
    Ok(Json(ImportedRoles { added }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    pub user: String,
    pub permission: String,
    /// `platform` (default), an organization id or a project id.
    pub scope: Option<String>,
}

/// P10: allowed or denied, and which assignment, grant, denial or filter decided.
#[utoipa::path(get, path = "/api/v1/authz/explain", tag = "access", params(ExplainQuery),
    responses((status = 200, body = ExplainDto), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn explain(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<ExplainQuery>,
) -> ApiResult<Json<ExplainDto>> {
    let user: UserId = parse_id(&q.user, "user")?;
    let scope = parse_scope(q.scope.as_deref())?;
    Ok(Json(
        st.services
            .explain(&a, user, &q.permission, scope)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HoldersQuery {
    pub permission: String,
    /// `platform` (default), an organization id or a project id.
    pub scope: Option<String>,
}

/// P10: who holds a permission at a scope (among the users the caller may see).
#[utoipa::path(get, path = "/api/v1/authz/holders", tag = "access", params(HoldersQuery),
    responses((status = 200, body = Vec<User>)), security(("bearer" = []), ("session" = [])))]
pub async fn holders(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<HoldersQuery>,
) -> ApiResult<Json<Vec<User>>> {
    let scope = parse_scope(q.scope.as_deref())?;
    Ok(Json(
        st.services
            .holders(&a, &q.permission, scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// S1: the people with platform roles, the super admin first.
#[utoipa::path(get, path = "/api/v1/administrators", tag = "access",
    responses((status = 200, body = Vec<User>)), security(("bearer" = []), ("session" = [])))]
pub async fn administrators(
    State(st): State<AppState>,
    Admin(a): Admin,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(
        st.services
            .list_administrators(&a)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// P7: the super admin hands the status to another active platform administrator.
#[utoipa::path(post, path = "/api/v1/settings/super-admin", tag = "access", request_body = TransferSuperAdmin,
    responses((status = 200, body = User), (status = 403, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn transfer_super_admin(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<TransferSuperAdmin>,
) -> ApiResult<Json<User>> {
    let to: UserId = parse_id(&b.user_id, "user")?;
    Ok(Json(st.services.transfer_super_admin(&a, to).await?.into()))
}
