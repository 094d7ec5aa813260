//! The REST API under `/api/v1` (SPEC §2), with its OpenAPI 3.1 document generated from
//! these handlers' annotations.

pub(crate) mod access;
pub mod access_dto;
pub mod app_dto;
mod applications;
pub(crate) mod catalog;
mod catalog_courses;
pub mod catalog_dto;
mod catalog_emails;
mod catalog_org;
mod credentials;
pub mod dto;
mod enrollments;
mod health;
mod import;
mod keys;
mod orgs;
pub(crate) mod outbox;
mod projects;
pub mod reports;
mod security;
pub(crate) mod session;
mod templates;
pub mod templates_dto;
mod user_access;
mod users;
pub use import::MAX_IMPORT_BYTES;

use crate::AppState;
use crate::problem::{ApiError, Problem};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use portico_domain::page::PageRequest;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Portico API", description = "Multi-tenant back office: organizations, projects, applications, licenses, users, memberships, sessions, API keys, audit."),
    paths(
        health::healthz, health::readyz,
        session::login, session::logout, session::me,
        credentials::login_totp, credentials::request_reset, credentials::set_password,
        credentials::mfa_status, credentials::mfa_begin, credentials::mfa_confirm,
        credentials::mfa_disable, credentials::admin_reset, credentials::admin_reset_mfa,
        orgs::list, orgs::create, orgs::get_one, orgs::update, orgs::delete_preview, orgs::delete,
        orgs::list_members, orgs::add_member, orgs::member_removal, orgs::remove_member,
        projects::list, projects::create, projects::get_one, projects::update, projects::delete,
        applications::list, applications::create, applications::get_one, applications::update,
        applications::delete, applications::list_permissions, applications::register_permission,
        applications::org_list, applications::assign, applications::unassign_preview,
        applications::unassign, applications::set_member_apps, applications::licenses,
        applications::update_licenses,
        users::list, users::get_one, users::update, users::delete, users::block, users::unblock,
        keys::list, keys::create, keys::revoke, keys::audit_events,
        access::permissions, access::list_roles, access::get_role, access::create_role,
        access::update_role, access::delete_role, access::import_preset, access::explain,
        access::holders, access::administrators, access::transfer_super_admin,
        user_access::list_assignments, user_access::assign, user_access::unassign,
        user_access::list_overrides, user_access::add_override, user_access::remove_override,
        user_access::get_filters, user_access::set_filters, user_access::set_ip_allowlist,
        user_access::copy, user_access::impersonate, user_access::end_impersonation,
        user_access::list_relationships, user_access::add_relationship,
        user_access::remove_relationship,
        outbox::list, outbox::get_one, outbox::resend,
        security::get_platform, security::put_platform, security::reset_platform,
        security::get_org, security::put_org, security::delete_org,
        enrollments::list, enrollments::create, enrollments::remove,
        reports::logins, reports::org_admins, reports::project_admins, reports::system_activity,
        catalog::list, catalog::create, catalog::get_one, catalog::update, catalog::delete,
        catalog::upload, catalog::download,
        catalog_courses::list, catalog_courses::create, catalog_courses::get_one,
        catalog_courses::update, catalog_courses::delete,
        catalog_org::list_products, catalog_org::activate_product, catalog_org::deactivate_product,
        catalog_org::list_courses, catalog_org::activate_course, catalog_org::deactivate_course,
        import::import_members,
    ),
    components(schemas(Problem)),
    modifiers(&Security),
    tags((name = "auth"), (name = "organizations"), (name = "members"), (name = "projects"), (name = "applications"), (name = "licenses"), (name = "users"), (name = "api-keys"), (name = "access"), (name = "audit"), (name = "email"), (name = "settings"), (name = "health"), (name = "reports"), (name = "catalog"))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/auth/login", post(session::login))
        .route("/api/v1/auth/logout", post(session::logout))
        .route("/api/v1/auth/me", get(session::me))
        .merge(orgs::routes())
        .merge(projects::routes())
        .merge(applications::routes())
        .merge(users::routes())
        .merge(access::routes())
        .merge(user_access::routes())
        .merge(keys::routes())
        .merge(credentials::routes())
        .merge(outbox::routes())
        .merge(security::routes())
        .merge(enrollments::routes())
        .merge(reports::routes())
        .merge(templates::routes())
        .merge(catalog::routes())
        .merge(catalog_courses::routes())
        .merge(catalog_org::routes())
        .merge(import::routes())
        .fallback(not_found)
}

async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(templates::TemplatesDoc::openapi());
    doc.servers = None;
    Json(doc).into_response()
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            Some("no such endpoint".to_string()),
        )
        .into_response()
    } else {
        crate::console::not_found_page(req).await
    }
}

/// A query string; a malformed value or an unknown parameter is refused with a problem
/// (`invalid-query`, naming what is wrong) instead of axum's plain-text rejection.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid-query",
                "The query string does not match the expected parameters",
                Some(e.body_text()),
            )),
        }
    }
}

/// A JSON body; malformed JSON and unknown fields are refused with a problem (nothing changes).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => {
                use axum::extract::rejection::JsonRejection as J;
                let (status, kind, title) = match &e {
                    J::JsonDataError(_) => (
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid-body",
                        "The request body does not match the expected fields",
                    ),
                    J::MissingJsonContentType(_) => (
                        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "unsupported-media-type",
                        "Send the body as application/json",
                    ),
                    _ => (
                        axum::http::StatusCode::BAD_REQUEST,
                        "malformed-json",
                        "The request body is not valid JSON",
                    ),
                };
                Err(ApiError::new(status, kind, title, Some(e.body_text())))
            }
        }
    }
}

/// `?limit=&cursor=&q=` on lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Search words (prefix match).
    pub q: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.limit, self.cursor.as_deref())
            .map_err(|e| ApiError::from(portico_services::ServiceError::from(e)))
    }
}

pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("ascii")
}

/// `If-Match: "v7"` → `Some(7)`; `*` or absent → `None`; anything else can never match.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    let n = s
        .trim_start_matches("W/")
        .trim_matches('"')
        .strip_prefix('v')
        .and_then(|n| n.parse::<i64>().ok());
    match n {
        Some(n) => Ok(Some(n)),
        None => Err(ApiError::from(
            portico_services::ServiceError::PreconditionFailed,
        )),
    }
}

pub fn with_etag<T: serde::Serialize>(version: i64, body: T) -> Response {
    let mut r = Json(body).into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    r
}

pub fn parse_id<T: std::str::FromStr>(s: &str, what: &'static str) -> Result<T, ApiError> {
    s.parse::<T>()
        .map_err(|_| portico_services::ServiceError::NotFound(what).into())
}
