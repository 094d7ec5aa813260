//! C4: an organization's portfolio of activated products and courses, under
//! `/api/v1/organizations/{org}/catalog`. Another tenant's organization is "not found".

use super::catalog_dto::*;
use super::dto::Page;
use super::{ApiJson, parse_id};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use portico_domain::ids::{CourseId, ProductId};
use portico_domain::page::PageRequest;
use portico_services::ServiceError;
use portico_services::catalog::org::Portfolio;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org}/catalog/products",
            get(list_products).post(activate_product),
        )
        .route(
            "/api/v1/organizations/{org}/catalog/products/{product}",
            delete(deactivate_product),
        )
        .route(
            "/api/v1/organizations/{org}/catalog/courses",
            get(list_courses).post(activate_course),
        )
        .route(
            "/api/v1/organizations/{org}/catalog/courses/{course}",
            delete(deactivate_course),
        )
}

/// `?available=&q=&limit=&cursor=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PortfolioQuery {
    /// `true`: what the organization could still activate (`catalog.manage` there) instead
    /// of what it has activated.
    pub available: Option<bool>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PortfolioQuery {
    fn which(&self) -> Portfolio {
        if self.available == Some(true) {
            Portfolio::Available
        } else {
            Portfolio::Activated
        }
    }
    fn page(&self) -> Result<PageRequest, ServiceError> {
        Ok(PageRequest::parse(self.limit, self.cursor.as_deref())?)
    }
}

/// The organization's activated products (`catalog.view` there), or with `available=true`
/// the published products it has not activated yet (`catalog.manage` there).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/catalog/products", tag = "catalog",
    params(("org" = String, Path, description = "id or slug"), PortfolioQuery),
    responses((status = 200, body = Page<Product>), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_products(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> ApiResult<Json<Page<Product>>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let p = st
        .services
        .org_products(&scope, q.which(), q.q.as_deref(), q.page()?)
        .await?;
    Ok(Json(Page::from_page(p)))
}

/// Activates a published product for the organization (`catalog.manage` there); a draft is
/// refused with 409 `product-not-published`, a second activation with 409 `already-activated`.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/catalog/products", tag = "catalog",
    params(("org" = String, Path, description = "id or slug")), request_body = ActivateProduct,
    responses((status = 201, body = Product), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn activate_product(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<ActivateProduct>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let id = parse_id::<ProductId>(&b.product_id, "product")?;
    let p = st.services.activate_product(&scope, id).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Deactivates a product for the organization (`catalog.manage` there).
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/catalog/products/{product}", tag = "catalog",
    params(("org" = String, Path, description = "id or slug"), ("product" = String, Path)),
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn deactivate_product(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, product)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let id = parse_id::<ProductId>(&product, "product")?;
    st.services.deactivate_product(&scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's activated courses (`catalog.view` there), or with `available=true`
/// the courses it has not activated yet (`catalog.manage` there).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/catalog/courses", tag = "catalog",
    params(("org" = String, Path, description = "id or slug"), PortfolioQuery),
    responses((status = 200, body = Page<Course>), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_courses(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> ApiResult<Json<Page<Course>>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let p = st
        .services
        .org_courses(&scope, q.which(), q.q.as_deref(), q.page()?)
        .await?;
    Ok(Json(Page::from_page(p)))
}

/// Activates a course for the organization (`catalog.manage` there).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/catalog/courses", tag = "catalog",
    params(("org" = String, Path, description = "id or slug")), request_body = ActivateCourse,
    responses((status = 201, body = Course), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn activate_course(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<ActivateCourse>,
) -> ApiResult<(StatusCode, Json<Course>)> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let id = parse_id::<CourseId>(&b.course_id, "course")?;
    let c = st.services.activate_course(&scope, id).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Deactivates a course for the organization (`catalog.manage` there); refused with 409
/// `course-in-use` while one of its projects follows the course.
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/catalog/courses/{course}", tag = "catalog",
    params(("org" = String, Path, description = "id or slug"), ("course" = String, Path)),
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn deactivate_course(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, course)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let id = parse_id::<CourseId>(&course, "course")?;
    st.services.deactivate_course(&scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
