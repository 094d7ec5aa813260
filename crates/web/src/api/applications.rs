//! Applications (A1–A5) on the platform and in organizations, and licenses (L1–L3).

use super::app_dto::*;
use super::dto::Page;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult, Problem};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::ids::{AppId, UserId};
use portico_domain::{AppStatus, SeatLimit, ValidationError};
use portico_services::ServiceError;
use portico_services::applications::{AppInput, AppPermissionInput, AppUpdate};
use portico_services::records::LicensePatch;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/applications", get(list).post(create))
        .route(
            "/api/v1/applications/{app}",
            get(get_one).patch(update).delete(delete),
        )
        .route(
            "/api/v1/applications/{app}/permissions",
            get(list_permissions).post(register_permission),
        )
        .route(
            "/api/v1/organizations/{org}/applications",
            get(org_list).post(assign),
        )
        .route(
            "/api/v1/organizations/{org}/applications/{app}",
            axum::routing::delete(unassign),
        )
        .route(
            "/api/v1/organizations/{org}/applications/{app}/unassign-preview",
            get(unassign_preview),
        )
        .route(
            "/api/v1/organizations/{org}/members/{user}/applications",
            axum::routing::put(set_member_apps),
        )
        .route(
            "/api/v1/organizations/{org}/licenses",
            get(licenses).patch(update_licenses).put(update_licenses),
        )
}

/// An application id in a body: one that is not an application id is a validation problem
/// naming it (A3: "only applications assigned to the organization").
pub(crate) fn parse_app_ref(s: &str) -> Result<AppId, ApiError> {
    AppId::parse(s.trim()).map_err(|_| {
        ApiError::from(ServiceError::Invalid(ValidationError::new(
            "applications",
            format!("{s} is not an application id"),
        )))
    })
}

fn status(s: Option<&str>) -> Result<Option<AppStatus>, ApiError> {
    s.map(|s| {
        AppStatus::parse(s.trim()).ok_or_else(|| {
            ApiError::from(ServiceError::Invalid(ValidationError::new(
                "status",
                "active or inactive",
            )))
        })
    })
    .transpose()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConfirmQuery {
    /// `true` after seeing how many members lose access.
    pub confirm: Option<bool>,
}

/// Applications, sorted by name (`applications.view`).
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery),
    responses((status = 200, body = Page<Application>), (status = 403, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Application>>> {
    let page = q.page()?;
    Ok(Json(Page::from_page(
        st.services.list_apps(&a, page).await?,
    )))
}

/// Defines an application (`applications.manage` on the platform). `auto_assigned` reaches
/// every organization and its members at once (within seat limits; see `auto_assignment`).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = CreateApplication,
    responses((status = 201, body = ApplicationSaved), (status = 409, body = Problem, description = "slug taken, or another default"), (status = 422, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CreateApplication>,
) -> ApiResult<Response> {
    let status = status(b.status.as_deref())?;
    let saved = st
        .services
        .create_app(
            &a,
            AppInput {
                name: b.name,
                slug: b.slug,
                description: b.description,
                status,
                auto_assigned: b.auto_assigned,
                is_default: b.is_default,
            },
        )
        .await?;
    let mut r = with_etag(saved.app.version, ApplicationSaved::from(saved));
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// An application (`applications.view`).
#[utoipa::path(get, path = "/api/v1/applications/{app}", tag = "applications", params(("app" = String, Path)),
    responses((status = 200, body = Application), (status = 404, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(app): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id::<AppId>(&app, "application")?;
    let app = st.services.get_app(&a, id).await?;
    Ok(with_etag(app.version, Application::from(app)))
}

/// Changes an application (`applications.manage` on the platform); send `If-Match`.
#[utoipa::path(patch, path = "/api/v1/applications/{app}", tag = "applications", request_body = UpdateApplication,
    params(("app" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ApplicationSaved), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(app): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateApplication>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let id = parse_id::<AppId>(&app, "application")?;
    let status = status(b.status.as_deref())?;
    let saved = st
        .services
        .update_app(
            &a,
            id,
            expected,
            AppUpdate {
                name: b.name,
                slug: b.slug,
                description: b.description,
                status,
                auto_assigned: b.auto_assigned,
                is_default: b.is_default,
            },
        )
        .await?;
    Ok(with_etag(saved.app.version, ApplicationSaved::from(saved)))
}

/// Deletes an application with its assignments, members' access and registered
/// permissions (`applications.manage` on the platform). While it is assigned, without
/// `?confirm=true` the answer is 409 `confirmation-required` saying how much goes.
#[utoipa::path(delete, path = "/api/v1/applications/{app}", tag = "applications", params(("app" = String, Path), ConfirmQuery),
    responses((status = 200, body = ApplicationDeleted), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(app): Path<String>,
    ApiQuery(q): ApiQuery<ConfirmQuery>,
) -> ApiResult<Json<ApplicationDeleted>> {
    let id = parse_id::<AppId>(&app, "application")?;
    Ok(Json(
        st.services
            .delete_app(&a, id, q.confirm.unwrap_or(false))
            .await?
            .into(),
    ))
}

/// A5: the application's registered permissions (`applications.view`).
#[utoipa::path(get, path = "/api/v1/applications/{app}/permissions", tag = "applications", params(("app" = String, Path)),
    responses((status = 200, body = Vec<AppPermission>), (status = 404, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_permissions(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(app): Path<String>,
) -> ApiResult<Json<Vec<AppPermission>>> {
    let id = parse_id::<AppId>(&app, "application")?;
    let list = st.services.app_permissions(&a, id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A5: registers a permission of the application (`applications.manage` on the platform).
/// It joins the catalogue (`GET /api/v1/permissions`) so roles can carry it. Past the
/// catalogue's capacity: 422.
#[utoipa::path(post, path = "/api/v1/applications/{app}/permissions", tag = "applications", params(("app" = String, Path)), request_body = RegisterPermission,
    responses((status = 201, body = AppPermission), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn register_permission(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(app): Path<String>,
    ApiJson(b): ApiJson<RegisterPermission>,
) -> ApiResult<(StatusCode, Json<AppPermission>)> {
    let id = parse_id::<AppId>(&app, "application")?;
    let p = st
        .services
        .register_app_permission(
            &a,
            id,
            AppPermissionInput {
                key: b.key,
                description: b.description,
                levels: b.levels,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// A2: the organization's applications, inactive ones included (`applications.view` there).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/applications", tag = "applications", params(("org" = String, Path)),
    responses((status = 200, body = Vec<OrgApplication>), (status = 404, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn org_list(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
) -> ApiResult<Json<Vec<OrgApplication>>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let list = st.services.org_apps(&scope).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A2: assigns an application to the organization (`applications.manage` there).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/applications", tag = "applications", params(("org" = String, Path)), request_body = AssignApplication,
    responses((status = 201, body = OrgApplication), (status = 404, body = Problem), (status = 409, body = Problem, description = "already assigned")),
    security(("bearer" = []), ("session" = [])))]
pub async fn assign(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<AssignApplication>,
) -> ApiResult<(StatusCode, Json<OrgApplication>)> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let app = parse_id::<AppId>(&b.application_id, "application")?;
    let row = st.services.assign_app(&scope, app).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// A3: how many members would lose the application.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/applications/{app}/unassign-preview", tag = "applications", params(("org" = String, Path), ("app" = String, Path)),
    responses((status = 200, body = UnassignPreviewDto), (status = 404, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn unassign_preview(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, app)): Path<(String, String)>,
) -> ApiResult<Json<UnassignPreviewDto>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let app = parse_id::<AppId>(&app, "application")?;
    Ok(Json(
        st.services.unassign_preview(&scope, app).await?.into(),
    ))
}

/// A3: unassigns the application and revokes it from every member there, in one
/// transaction. When members hold it, without `?confirm=true` the answer is 409
/// `confirmation-required` saying how many lose access.
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/applications/{app}", tag = "applications", params(("org" = String, Path), ("app" = String, Path), ConfirmQuery),
    responses((status = 200, body = UnassignPreviewDto), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn unassign(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, app)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ConfirmQuery>,
) -> ApiResult<Json<UnassignPreviewDto>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let app = parse_id::<AppId>(&app, "application")?;
    Ok(Json(
        st.services
            .unassign_app(&scope, app, q.confirm.unwrap_or(false))
            .await?
            .into(),
    ))
}

/// A3: sets the member's applications here (`applications.manage` there). Each must be
/// assigned to the organization (422 naming it otherwise); a first one takes an application
/// seat (409 `seat-limit-reached` when none is left).
#[utoipa::path(put, path = "/api/v1/organizations/{org}/members/{user}/applications", tag = "applications", params(("org" = String, Path), ("user" = String, Path)), request_body = SetMemberApplications,
    responses((status = 200, body = Vec<AppRef>), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_member_apps(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, user)): Path<(String, String)>,
    ApiJson(b): ApiJson<SetMemberApplications>,
) -> ApiResult<Json<Vec<AppRef>>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let user: UserId = parse_id(&user, "member")?;
    let apps = b
        .applications
        .iter()
        .map(|s| parse_app_ref(s))
        .collect::<Result<Vec<_>, _>>()?;
    let list = st.services.set_member_apps(&scope, user, apps).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// L1: seats used and limits (`licenses.view` in the organization).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/licenses", tag = "licenses", params(("org" = String, Path)),
    responses((status = 200, body = Licenses), (status = 404, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn licenses(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
) -> ApiResult<Json<Licenses>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    Ok(Json(st.services.licenses(&scope).await?.into()))
}

/// L1, L3: sets limits (`licenses.manage`); `null` = unlimited, an absent field stays. A
/// limit below current usage: 409 `limit-below-usage` with `limit` and `used`.
#[utoipa::path(patch, path = "/api/v1/organizations/{org}/licenses", tag = "licenses", params(("org" = String, Path)), request_body = UpdateLicenses,
    responses((status = 200, body = Licenses), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_licenses(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<UpdateLicenses>,
) -> ApiResult<Json<Licenses>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let limit = |field: &'static str, v: Option<Option<i64>>| {
        v.map(|v| v.map(|n| SeatLimit::new(field, n)).transpose())
            .transpose()
            .map_err(|e| ApiError::from(ServiceError::Invalid(e)))
    };
    let patch = LicensePatch {
        application: limit("application", b.application)?,
        back_office: limit("back_office", b.back_office)?,
    };
    Ok(Json(st.services.set_licenses(&scope, patch).await?.into()))
}
