//! C2 / C4: the catalog's email templates (`catalog.view` / `catalog.manage` on the platform)
//! and each organization's on/off switch (`catalog.manage` in the organization; another
//! tenant's organization is "not found").

use super::templates::{list_filter, optional_json};
use super::templates_dto::*;
use super::{ApiJson, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use portico_domain::ids::EmailTemplateId;
use portico_services::templates::records::TemplateFilter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalog/email-templates", get(list).post(create))
        .route(
            "/api/v1/catalog/email-templates/preview",
            post(preview_draft),
        )
        .route(
            "/api/v1/catalog/email-templates/{id}",
            get(get_one).put(update).delete(delete),
        )
        .route(
            "/api/v1/catalog/email-templates/{id}/preview",
            post(preview),
        )
        .route(
            "/api/v1/organizations/{org}/catalog/email-templates",
            get(org_list),
        )
        .route(
            "/api/v1/organizations/{org}/catalog/email-templates/{id}",
            put(org_enable).delete(org_disable),
        )
}

fn id_of(s: &str) -> Result<EmailTemplateId, crate::problem::ApiError> {
    parse_id::<EmailTemplateId>(s, "email template")
}

/// The catalog's email templates, filtered by language and sorted (`catalog.view`).
#[utoipa::path(get, path = "/api/v1/catalog/email-templates", tag = "catalog", params(TemplateListQuery),
    responses((status = 200, body = Vec<CatalogEmailDto>), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<TemplateListQuery>,
) -> ApiResult<Json<Vec<CatalogEmailDto>>> {
    let (language, sort) = list_filter(q)?;
    let rows = st
        .services
        .list_catalog_emails(&a, &TemplateFilter { language, sort })
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Creates one (`catalog.manage`). 422 with a `template-*` type when a part does not compile,
/// uses an undeclared variable or fails with the samples; 409 `email-template-exists` when
/// the key and language are taken.
#[utoipa::path(post, path = "/api/v1/catalog/email-templates", tag = "catalog", request_body = CatalogEmailInputDto,
    responses((status = 201, body = CatalogEmailDto), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CatalogEmailInputDto>,
) -> ApiResult<Response> {
    let t = st.services.create_catalog_email(&a, b.into()).await?;
    let mut r = with_etag(t.version, CatalogEmailDto::from(t));
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/catalog/email-templates/{id}", tag = "catalog", params(("id" = String, Path)),
    responses((status = 200, body = CatalogEmailDto), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let t = st.services.get_catalog_email(&a, id_of(&id)?).await?;
    Ok(with_etag(t.version, CatalogEmailDto::from(t)))
}

/// Replaces every field (`catalog.manage`). Send `If-Match` with the `ETag` you read.
#[utoipa::path(put, path = "/api/v1/catalog/email-templates/{id}", tag = "catalog", request_body = CatalogEmailInputDto,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = CatalogEmailDto), (status = 404, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CatalogEmailInputDto>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let t = st
        .services
        .update_catalog_email(&a, id_of(&id)?, expected, b.into())
        .await?;
    Ok(with_etag(t.version, CatalogEmailDto::from(t)))
}

/// Deletes it, switching it off in every organization (`catalog.manage`).
#[utoipa::path(delete, path = "/api/v1/catalog/email-templates/{id}", tag = "catalog", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    st.services.delete_catalog_email(&a, id_of(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Renders the stored template, or the body sent, with the declared sample values.
#[utoipa::path(post, path = "/api/v1/catalog/email-templates/{id}/preview", tag = "catalog",
    params(("id" = String, Path)), request_body(content = Option<CatalogEmailInputDto>),
    responses((status = 200, body = PreviewDto), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn preview(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<PreviewDto>> {
    let id = id_of(&id)?;
    let draft: Option<CatalogEmailInputDto> = optional_json(&body)?;
    if draft.is_some() {
        st.services.get_catalog_email(&a, id).await?;
    }
    let r = st
        .services
        .preview_catalog_email(&a, Some(id), draft.map(Into::into))
        .await?;
    Ok(Json(r.into()))
}

/// Renders a template that is not stored yet with its declared sample values.
#[utoipa::path(post, path = "/api/v1/catalog/email-templates/preview", tag = "catalog", request_body = CatalogEmailInputDto,
    responses((status = 200, body = PreviewDto), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn preview_draft(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CatalogEmailInputDto>,
) -> ApiResult<Json<PreviewDto>> {
    let r = st
        .services
        .preview_catalog_email(&a, None, Some(b.into()))
        .await?;
    Ok(Json(r.into()))
}

/// C4: every catalog email template with whether the organization has it on
/// (`catalog.manage` in the organization).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/catalog/email-templates", tag = "catalog",
    params(("org" = String, Path, description = "id or slug"), TemplateListQuery),
    responses((status = 200, body = Vec<OrgEmailDto>), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn org_list(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<TemplateListQuery>,
) -> ApiResult<Json<Vec<OrgEmailDto>>> {
    let (language, sort) = list_filter(q)?;
    let scope = st.services.resolve_org(&a, &org).await?;
    let rows = st
        .services
        .org_catalog_emails(&scope, &TemplateFilter { language, sort })
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

async fn switch(
    st: &AppState,
    a: &portico_services::BackOffice,
    org: &str,
    id: &str,
    on: bool,
) -> ApiResult<Response> {
    let scope = st.services.resolve_org(a, org).await?;
    let changed = st
        .services
        .set_org_catalog_email(&scope, id_of(id)?, on)
        .await?;
    Ok(Json(serde_json::json!({ "enabled": on, "changed": changed })).into_response())
}

/// Switches the template on in the organization (`catalog.manage` there).
#[utoipa::path(put, path = "/api/v1/organizations/{org}/catalog/email-templates/{id}", tag = "catalog",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "`{enabled, changed}`"), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn org_enable(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    switch(&st, &a, &org, &id, true).await
}

/// Switches it off (`catalog.manage` there).
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/catalog/email-templates/{id}", tag = "catalog",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "`{enabled, changed}`"), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn org_disable(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    switch(&st, &a, &org, &id, false).await
}
