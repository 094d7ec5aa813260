//! Bulk member import (`POST /api/v1/organizations/{org}/members/import`): a CSV body, all or
//! nothing, with the rules of a single add; `?dry_run=true` checks without writing.

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The largest CSV body accepted (about 500,000 rows of typical members).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org}/members/import",
            post(import_members),
        )
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check and report, change nothing.
    pub dry_run: Option<bool>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub organization: String,
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub added_external: usize,
    pub welcome_emails: usize,
    pub roles_assigned: usize,
    pub application_seats: i64,
    pub back_office_seats: i64,
    /// The first rows: line, email, username, first_name, last_name, outcome
    /// (`create` | `add_external`), role, applications.
    #[schema(value_type = Vec<Object>)]
    pub preview: serde_json::Value,
}

/// Imports members from CSV (columns: email, username, first_name, last_name, language, role,
/// applications; only email required). Any bad row refuses the whole file: 422
/// `import-rows` with a `rows` extension listing `line`, `field` and `message` for each.
#[utoipa::path(post, path = "/api/v1/organizations/{org}/members/import", tag = "members",
    params(("org" = String, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportResult, description = "imported"),
        (status = 200, body = ImportResult, description = "dry run: nothing changed"),
        (status = 422, body = crate::problem::Problem, description = "rows with errors (`rows` extension)"),
        (status = 409, body = crate::problem::Problem, description = "seat limit")),
    security(("bearer" = []), ("session" = [])))]
pub async fn import_members(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let dry_run = q.dry_run.unwrap_or(false);
    let r = st
        .services
        .import_members(&scope, &body, dry_run, &|_, _| {})
        .await?;
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let out = ImportResult {
        organization: r.organization,
        dry_run: r.dry_run,
        rows: r.rows,
        created: r.created,
        added_external: r.added_external,
        welcome_emails: r.welcome_emails,
        roles_assigned: r.roles_assigned,
        application_seats: r.application_seats,
        back_office_seats: r.back_office_seats,
        preview: serde_json::to_value(&r.preview).unwrap_or_default(),
    };
    Ok((status, Json(out)).into_response())
}
