//! A user's access over the API: role assignments (P3), personal grants and denials (P4),
//! data filters (P5), IP allowlist (U9), copy (U7), impersonation (P9), and an
//! organization's relationships (P8).

use super::access::{clear_impersonation_cookie, impersonation_cookie, parse_scope};
use super::access_dto::*;
use super::dto::User;
use super::{ApiJson, parse_id};
use crate::AppState;
use crate::auth::{Admin, Caller};
use crate::problem::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete as delete_route, get, post, put};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use portico_domain::Timestamp;
use portico_domain::ids::{AssignmentId, OverrideId, RoleId, UserId};
use portico_services::access::admin::CopyUserInput;
use portico_services::access::grants::{AssignInput, OverrideInput};
use portico_services::records::OverrideEffect;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/users/{user}/role-assignments",
            get(list_assignments).post(assign),
        )
        .route(
            "/api/v1/users/{user}/role-assignments/{assignment}",
            delete_route(unassign),
        )
        .route(
            "/api/v1/users/{user}/permission-overrides",
            get(list_overrides).post(add_override),
        )
        .route(
            "/api/v1/users/{user}/permission-overrides/{override}",
            delete_route(remove_override),
        )
        .route(
            "/api/v1/users/{user}/data-filters",
            get(get_filters).put(set_filters),
        )
        .route("/api/v1/users/{user}/ip-allowlist", put(set_ip_allowlist))
        .route("/api/v1/users/{user}/copy", post(copy))
        .route("/api/v1/users/{user}/impersonate", post(impersonate))
        .route(
            "/api/v1/auth/impersonation",
            delete_route(end_impersonation),
        )
        .route(
            "/api/v1/organizations/{org}/relationships",
            get(list_relationships)
                .post(add_relationship)
                .delete(remove_relationship),
        )
}

/// RFC 3339 (`2026-12-01T00:00:00Z`) to a timestamp; a bad value names the field.
pub fn parse_time(field: &'static str, s: &str) -> Result<Timestamp, ApiError> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
        ApiError::from(portico_services::ServiceError::from(
            portico_domain::ValidationError::new(
                field,
                "an RFC 3339 time, e.g. 2026-12-01T00:00:00Z",
            ),
        ))
    })?;
    Ok(Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64))
}

#[utoipa::path(get, path = "/api/v1/users/{user}/role-assignments", tag = "access", params(("user" = String, Path)),
    responses((status = 200, body = Vec<AssignmentDto>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_assignments(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Json<Vec<AssignmentDto>>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(
        st.services
            .list_assignments(&a, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Assigns a role at a scope, optionally until a time (P3). The caller needs
/// `role_assignments.manage` there and every permission of the role there (P6).
#[utoipa::path(post, path = "/api/v1/users/{user}/role-assignments", tag = "access", params(("user" = String, Path)),
    request_body = CreateAssignment, responses((status = 201, body = AssignmentDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn assign(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<CreateAssignment>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let role_id: RoleId = parse_id(&b.role_id, "role")?;
    let scope = parse_scope(b.scope.as_deref())?;
    let expires_at = b
        .expires_at
        .as_deref()
        .map(|e| parse_time("expires_at", e))
        .transpose()?;
    let rec = st
        .services
        .assign_role(
            &a,
            id,
            AssignInput {
                role_id,
                scope,
                expires_at,
            },
        )
        .await?;
    let role = a.access().role(rec.role_id).cloned();
    let view = portico_services::access::grants::AssignmentView {
        role_name: role.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
        role_level: role.map_or(portico_domain::access::Level::Platform, |r| r.level),
        expired: false,
        assignment: rec,
    };
    Ok((StatusCode::CREATED, Json(AssignmentDto::from(view))).into_response())
}

#[utoipa::path(delete, path = "/api/v1/users/{user}/role-assignments/{assignment}", tag = "access",
    params(("user" = String, Path), ("assignment" = String, Path)),
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn unassign(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((user, assignment)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let aid: AssignmentId = parse_id(&assignment, "role assignment")?;
    st.services.unassign_role(&a, id, aid).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/users/{user}/permission-overrides", tag = "access", params(("user" = String, Path)),
    responses((status = 200, body = Vec<OverrideDto>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_overrides(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Json<Vec<OverrideDto>>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(
        st.services
            .list_overrides(&a, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A personal grant or denial at a scope (P4); denials win over every grant and role.
#[utoipa::path(post, path = "/api/v1/users/{user}/permission-overrides", tag = "access", params(("user" = String, Path)),
    request_body = CreateOverride, responses((status = 201, body = OverrideDto), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_override(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<CreateOverride>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let effect = OverrideEffect::parse(b.effect.trim()).ok_or_else(|| {
        ApiError::from(portico_services::ServiceError::from(
            portico_domain::ValidationError::new("effect", "grant or deny"),
        ))
    })?;
    let scope = parse_scope(b.scope.as_deref())?;
    let rec = st
        .services
        .add_override(
            &a,
            id,
            OverrideInput {
                effect,
                permission: b.permission,
                scope,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(OverrideDto::from(rec))).into_response())
}

#[utoipa::path(delete, path = "/api/v1/users/{user}/permission-overrides/{override}", tag = "access",
    params(("user" = String, Path), ("override" = String, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn remove_override(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((user, ov)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let oid: OverrideId = parse_id(&ov, "permission override")?;
    st.services.remove_override(&a, id, oid).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/users/{user}/data-filters", tag = "access", params(("user" = String, Path)),
    responses((status = 200, body = DataFilters)), security(("bearer" = []), ("session" = [])))]
pub async fn get_filters(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Json<DataFilters>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(DataFilters {
        filters: st.services.get_filters(&a, id).await?,
    }))
}

/// Replaces the user's data filters (P5); an empty list removes them.
#[utoipa::path(put, path = "/api/v1/users/{user}/data-filters", tag = "access", params(("user" = String, Path)),
    request_body = DataFilters, responses((status = 200, body = DataFilters)), security(("bearer" = []), ("session" = [])))]
pub async fn set_filters(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<DataFilters>,
) -> ApiResult<Json<DataFilters>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(DataFilters {
        filters: st.services.set_filters(&a, id, b.filters).await?,
    }))
}

/// U9: the user's IP allowlist, checked at login and on every request.
#[utoipa::path(put, path = "/api/v1/users/{user}/ip-allowlist", tag = "access", params(("user" = String, Path)),
    request_body = SetIpAllowlist, responses((status = 200, body = User), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_ip_allowlist(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<SetIpAllowlist>,
) -> ApiResult<Json<User>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(
        st.services
            .set_ip_allowlist(&a, id, b.ip_allowlist.as_deref())
            .await?
            .into(),
    ))
}

/// U7: a new user with the source's memberships, roles, grants and denials (and data filters
/// when asked). The copy starts `invited`, with no password.
#[utoipa::path(post, path = "/api/v1/users/{user}/copy", tag = "access", params(("user" = String, Path)),
    request_body = CopyUser, responses((status = 201, body = User), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn copy(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<CopyUser>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let u = st
        .services
        .copy_user(
            &a,
            id,
            CopyUserInput {
                username: b.username,
                email: b.email,
                first_name: b.first_name,
                last_name: b.last_name,
                copy_filters: b.copy_filters,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(User::from(u))).into_response())
}

/// P9: "log in as". Needs a session (not an API key); sets the impersonation cookie; every
/// request with it acts as the user, with the administrator named in the audit log.
#[utoipa::path(post, path = "/api/v1/users/{user}/impersonate", tag = "access", params(("user" = String, Path)),
    request_body = StartImpersonation, responses((status = 200, body = ImpersonationDto), (status = 403, body = crate::problem::Problem)),
    security(("session" = [])))]
pub async fn impersonate(
    State(st): State<AppState>,
    Admin(a): Admin,
    jar: CookieJar,
    Path(user): Path<String>,
    ApiJson(b): ApiJson<StartImpersonation>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let imp = st
        .services
        .start_impersonation(&a, id, &b.reason, b.minutes)
        .await?;
    let secs = (imp.expires_at.millis() - st.services.now().millis()) / 1000;
    let jar = jar.add(impersonation_cookie(&st, imp.token, secs));
    Ok((
        jar,
        Json(ImpersonationDto {
            user: imp.target.into(),
            expires_at: imp.expires_at.to_rfc3339(),
            csrf_token: imp.csrf_token,
        }),
    )
        .into_response())
}

/// Ends the impersonation; the administrator's own session carries on.
#[utoipa::path(delete, path = "/api/v1/auth/impersonation", tag = "access", responses((status = 204)),
    security(("session" = [])))]
pub async fn end_impersonation(
    State(st): State<AppState>,
    Caller(p): Caller,
    jar: CookieJar,
) -> ApiResult<Response> {
    st.services.end_impersonation(&p).await?;
    Ok((
        jar.add(clear_impersonation_cookie(&st)),
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

async fn org_scope(
    st: &AppState,
    a: &portico_services::BackOffice,
    org: &str,
) -> Result<portico_services::OrgScope, ApiError> {
    Ok(st.services.resolve_org(a, org).await?)
}

#[utoipa::path(get, path = "/api/v1/organizations/{org}/relationships", tag = "access", params(("org" = String, Path)),
    responses((status = 200, body = Vec<RelationshipDto>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_relationships(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
) -> ApiResult<Json<Vec<RelationshipDto>>> {
    let scope = org_scope(&st, &a, &org).await?;
    Ok(Json(
        st.services
            .list_relationships(&scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// P8: `from` becomes the manager, parent or mentor of `to` in this organization.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/relationships", tag = "access", params(("org" = String, Path)),
    request_body = RelationshipBody, responses((status = 201, body = RelationshipDto)), security(("bearer" = []), ("session" = [])))]
pub async fn add_relationship(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<RelationshipBody>,
) -> ApiResult<Response> {
    let scope = org_scope(&st, &a, &org).await?;
    let from: UserId = parse_id(&b.from_user_id, "user")?;
    let to: UserId = parse_id(&b.to_user_id, "user")?;
    let r = st
        .services
        .add_relationship(&scope, &b.relation, from, to)
        .await?;
    Ok((StatusCode::CREATED, Json(RelationshipDto::from(r))).into_response())
}

#[utoipa::path(delete, path = "/api/v1/organizations/{org}/relationships", tag = "access", params(("org" = String, Path)),
    request_body = RelationshipBody, responses((status = 204)), security(("bearer" = []), ("session" = [])))]
pub async fn remove_relationship(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<RelationshipBody>,
) -> ApiResult<Response> {
    let scope = org_scope(&st, &a, &org).await?;
    let from: UserId = parse_id(&b.from_user_id, "user")?;
    let to: UserId = parse_id(&b.to_user_id, "user")?;
    st.services
        .remove_relationship(&scope, &b.relation, from, to)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
