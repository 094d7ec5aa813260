//! Global users (U1, U5, U6, U11).

use super::dto::*;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use portico_domain::ids::UserId;
use portico_services::users::UserUpdate;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list))
        .route(
            "/api/v1/users/{user}",
            get(get_one).patch(update).delete(delete),
        )
        .route("/api/v1/users/{user}/block", post(block))
        .route("/api/v1/users/{user}/unblock", post(unblock))
}

/// Global user search (U11): `q` matches word prefixes of names, email and username across
/// every organization. Newest first.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListQuery),
    responses((status = 200, body = Page<super::app_dto::UserListItem>)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<super::app_dto::UserListItem>>> {
    let page = q.page()?;
    let p = st
        .services
        .search_users_with_apps(&a, q.q.as_deref(), page)
        .await?;
    Ok(Json(Page::from_page(p)))
}

/// A user with their memberships.
#[utoipa::path(get, path = "/api/v1/users/{user}", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = UserDetail), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    let d = st.services.user_detail(&a, id).await?;
    let v = d.user.version;
    Ok(with_etag(
        v,
        UserDetail {
            user: d.user.into(),
            memberships: d.memberships.into_iter().map(Into::into).collect(),
        },
    ))
}

/// Changes a user's names, description or language (administrators are made through role assignments).
#[utoipa::path(patch, path = "/api/v1/users/{user}", tag = "users", params(("user" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateUser, responses((status = 200, body = User), (status = 412, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateUser>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let id: UserId = parse_id(&user, "user")?;
    let u = st
        .services
        .update_user(
            &a,
            id,
            expected,
            UserUpdate {
                first_name: b.first_name,
                last_name: b.last_name,
                description: b.description,
                language: b.language,
            },
        )
        .await?;
    Ok(with_etag(u.version, User::from(u)))
}

/// Permanently deletes a user (U5): personal data erased, the audit log keeps the id.
#[utoipa::path(delete, path = "/api/v1/users/{user}", tag = "users", params(("user" = String, Path)),
    responses((status = 204), (status = 403, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    let id: UserId = parse_id(&user, "user")?;
    st.services.delete_user(&a, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Blocks a user (U6): login refused; every session and API key stops working at once.
#[utoipa::path(post, path = "/api/v1/users/{user}/block", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = User)), security(("bearer" = []), ("session" = [])))]
pub async fn block(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Json<User>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(st.services.block_user(&a, id).await?.into()))
}

/// Unblocks a user: login works again (ended sessions and revoked keys stay ended).
#[utoipa::path(post, path = "/api/v1/users/{user}/unblock", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = User)), security(("bearer" = []), ("session" = [])))]
pub async fn unblock(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(user): Path<String>,
) -> ApiResult<Json<User>> {
    let id: UserId = parse_id(&user, "user")?;
    Ok(Json(st.services.unblock_user(&a, id).await?.into()))
}
