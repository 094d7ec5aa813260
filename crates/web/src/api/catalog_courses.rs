//! Course templates (C3) under `/api/v1/catalog/courses`.

use super::catalog_dto::*;
use super::dto::Page;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::ids::CourseId;
use portico_services::catalog::{CourseInput, CourseSearch, CourseUpdate};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalog/courses", get(list).post(create))
        .route(
            "/api/v1/catalog/courses/{course}",
            get(get_one).patch(update).delete(delete),
        )
}

/// `?limit=&cursor=&q=&language=` on the course templates list; a blank filter is no filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CourseListQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Words of the title (prefix match).
    pub q: Option<String>,
    /// A language tag, such as `en` or `pt-BR`.
    pub language: Option<String>,
}

/// The platform's course templates by title, searched with `q` and narrowed by language
/// (`catalog.view`); a malformed language is 422 on its field.
#[utoipa::path(get, path = "/api/v1/catalog/courses", tag = "catalog", params(CourseListQuery),
    responses((status = 200, body = Page<Course>), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<CourseListQuery>,
) -> ApiResult<Json<Page<Course>>> {
    let page = ListQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
        q: None,
    }
    .page()?;
    let search = CourseSearch {
        q: q.q,
        language: q.language,
    };
    let p = st.services.search_courses(&a, &search, page).await?;
    Ok(Json(Page::from_page(p)))
}

/// Creates a course template with an ordered outline of products (`catalog.manage`).
#[utoipa::path(post, path = "/api/v1/catalog/courses", tag = "catalog", request_body = CreateCourse,
    responses((status = 201, body = Course), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CreateCourse>,
) -> ApiResult<Response> {
    let c = st
        .services
        .create_course(
            &a,
            CourseInput {
                title: b.title,
                description: b.description,
                language: b.language,
                outline: b.outline,
            },
        )
        .await?;
    let mut r = with_etag(c.version, Course::from(c));
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/catalog/courses/{course}", tag = "catalog", params(("course" = String, Path)),
    responses((status = 200, body = Course), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(course): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id::<CourseId>(&course, "course")?;
    let c = st.services.get_course(&a, id).await?;
    Ok(with_etag(c.version, Course::from(c)))
}

/// Changes a course; `outline` replaces the outline in its new order (reordering is sending
/// the same ids in another order). Send `If-Match` with the `ETag` you read.
#[utoipa::path(patch, path = "/api/v1/catalog/courses/{course}", tag = "catalog", request_body = UpdateCourse,
    params(("course" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Course), (status = 404, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(course): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateCourse>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let id = parse_id::<CourseId>(&course, "course")?;
    let c = st
        .services
        .update_course(
            &a,
            id,
            expected,
            CourseUpdate {
                title: b.title,
                description: b.description,
                language: b.language,
                outline: b.outline,
            },
        )
        .await?;
    Ok(with_etag(c.version, Course::from(c)))
}

/// Deletes a course template and its activations; refused with 409 `course-in-use` while a
/// project follows it.
#[utoipa::path(delete, path = "/api/v1/catalog/courses/{course}", tag = "catalog", params(("course" = String, Path)),
    responses((status = 200, body = Course, description = "the deleted course"), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(course): Path<String>,
) -> ApiResult<Json<Course>> {
    let id = parse_id::<CourseId>(&course, "course")?;
    Ok(Json(st.services.delete_course(&a, id).await?.into()))
}
