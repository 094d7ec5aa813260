//! C5 / S4 and S3 under `/api/v1/settings`: the platform's email and notification templates
//! (list, read, override, reset to default, preview with sample data) and the support text.
//! `settings.view` / `settings.manage` on the platform.

use super::templates_dto::*;
use super::{if_match, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use portico_services::ServiceError;
use portico_services::templates::platform::PlatformKind;
use portico_services::templates::platform_edit::PlatformListFilter;
use portico_services::templates::records::TemplateSort;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        list_email, get_email, put_email, reset_email, preview_email,
        list_notification, get_notification, put_notification, reset_notification,
        preview_notification, get_support_text, put_support_text,
        super::catalog_emails::list, super::catalog_emails::create,
        super::catalog_emails::get_one, super::catalog_emails::update,
        super::catalog_emails::delete, super::catalog_emails::preview,
        super::catalog_emails::preview_draft, super::catalog_emails::org_list,
        super::catalog_emails::org_enable, super::catalog_emails::org_disable,
    ),
    tags((name = "templates"), (name = "catalog"))
)]
pub struct TemplatesDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/settings/email-templates", get(list_email))
        .route(
            "/api/v1/settings/email-templates/{key}/{lang}",
            get(get_email).put(put_email).delete(reset_email),
        )
        .route(
            "/api/v1/settings/email-templates/{key}/{lang}/preview",
            post(preview_email),
        )
        .route(
            "/api/v1/settings/notification-templates",
            get(list_notification),
        )
        .route(
            "/api/v1/settings/notification-templates/{key}/{lang}",
            get(get_notification)
                .put(put_notification)
                .delete(reset_notification),
        )
        .route(
            "/api/v1/settings/notification-templates/{key}/{lang}/preview",
            post(preview_notification),
        )
        .route(
            "/api/v1/settings/support-text",
            get(get_support_text).put(put_support_text),
        )
        .merge(super::catalog_emails::routes())
}

pub(crate) fn list_filter(
    q: TemplateListQuery,
) -> Result<(Option<String>, TemplateSort), ApiError> {
    let sort = TemplateSort::parse(q.sort.as_deref().unwrap_or("")).ok_or_else(|| {
        ApiError::from(ServiceError::Invalid(portico_domain::ValidationError::new(
            "sort",
            "language, -language or key",
        )))
    })?;
    Ok((q.language.filter(|l| !l.trim().is_empty()), sort))
}

/// An optional JSON body: empty means "what is stored".
pub(crate) fn optional_json<T: serde::de::DeserializeOwned>(
    body: &Bytes,
) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "The request body does not match the expected fields",
            Some(e.to_string()),
        )
    })
}

async fn list_kind(
    st: &AppState,
    a: &portico_services::BackOffice,
    kind: PlatformKind,
    q: TemplateListQuery,
) -> ApiResult<Json<Vec<PlatformTemplateDto>>> {
    let (language, sort) = list_filter(q)?;
    let rows = st
        .services
        .list_platform_templates(a, kind, &PlatformListFilter { language, sort })
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

async fn preview_kind(
    st: &AppState,
    a: &portico_services::BackOffice,
    kind: PlatformKind,
    key: &str,
    lang: &str,
    body: &Bytes,
) -> ApiResult<Json<PreviewDto>> {
    let parts: Option<TemplateParts> = optional_json(body)?;
    let r = st
        .services
        .preview_platform_template(a, kind, key, lang, parts.map(Into::into))
        .await?;
    Ok(Json(r.into()))
}

/// The platform's email templates, one row per key and language (`settings.view`).
#[utoipa::path(get, path = "/api/v1/settings/email-templates", tag = "templates", params(TemplateListQuery),
    responses((status = 200, body = Vec<PlatformTemplateDto>), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_email(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<TemplateListQuery>,
) -> ApiResult<Json<Vec<PlatformTemplateDto>>> {
    list_kind(&st, &a, PlatformKind::Email, q).await
}

/// One email template in one language: the override when stored, else the built-in.
#[utoipa::path(get, path = "/api/v1/settings/email-templates/{key}/{lang}", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path)),
    responses((status = 200, body = PlatformTemplateDto), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_email(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
) -> ApiResult<Response> {
    let t = st
        .services
        .get_platform_template(&a, PlatformKind::Email, &key, &lang)
        .await?;
    Ok(with_etag(t.version, PlatformTemplateDto::from(t)))
}

/// Stores an operator's version for the language (`settings.manage`). With `If-Match` (the
/// `ETag` of a GET), a version saved or reset meanwhile is refused with 412 and nothing
/// changes. Refused with 422
/// (`template-syntax`, `template-undeclared-variable`, `template-forbidden-tag`,
/// `template-render`; `field` and `line` say where) when it does not pass the sandbox.
#[utoipa::path(put, path = "/api/v1/settings/email-templates/{key}/{lang}", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path), ("If-Match" = Option<String>, Header)), request_body = TemplateParts,
    responses((status = 200, body = PlatformTemplateDto), (status = 403, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_email(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
    headers: HeaderMap,
    super::ApiJson(b): super::ApiJson<TemplateParts>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let t = st
        .services
        .put_platform_template(&a, PlatformKind::Email, &key, &lang, b.into(), expected)
        .await?;
    Ok(with_etag(t.version, PlatformTemplateDto::from(t)))
}

/// Reset to default: deletes the override (`settings.manage`); 404 when there is none, 412
/// when `If-Match` names an older version.
#[utoipa::path(delete, path = "/api/v1/settings/email-templates/{key}/{lang}", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PlatformTemplateDto, description = "what is used now"), (status = 404, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn reset_email(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let t = st
        .services
        .reset_platform_template(&a, PlatformKind::Email, &key, &lang, expected)
        .await?;
    Ok(with_etag(t.version, PlatformTemplateDto::from(t)))
}

/// Renders the body sent (or, with no body, what is used now) with the declared sample
/// values, checked as saving would; nothing is stored.
#[utoipa::path(post, path = "/api/v1/settings/email-templates/{key}/{lang}/preview", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path)), request_body(content = Option<TemplateParts>),
    responses((status = 200, body = PreviewDto), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn preview_email(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<PreviewDto>> {
    preview_kind(&st, &a, PlatformKind::Email, &key, &lang, &body).await
}

/// The platform's notification texts (`license.seats_low`, `user.welcome_banner`,
/// `user.password_reset_sent`), one row per key and language (`settings.view`).
#[utoipa::path(get, path = "/api/v1/settings/notification-templates", tag = "templates", params(TemplateListQuery),
    responses((status = 200, body = Vec<PlatformTemplateDto>), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_notification(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<TemplateListQuery>,
) -> ApiResult<Json<Vec<PlatformTemplateDto>>> {
    list_kind(&st, &a, PlatformKind::Notification, q).await
}

#[utoipa::path(get, path = "/api/v1/settings/notification-templates/{key}/{lang}", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path)),
    responses((status = 200, body = PlatformTemplateDto), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_notification(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
) -> ApiResult<Response> {
    let t = st
        .services
        .get_platform_template(&a, PlatformKind::Notification, &key, &lang)
        .await?;
    Ok(with_etag(t.version, PlatformTemplateDto::from(t)))
}

/// Stores an operator's text (`text_body`) for the language (`settings.manage`); 422 as for
/// emails.
#[utoipa::path(put, path = "/api/v1/settings/notification-templates/{key}/{lang}", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path), ("If-Match" = Option<String>, Header)), request_body = TemplateParts,
    responses((status = 200, body = PlatformTemplateDto), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_notification(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
    headers: HeaderMap,
    super::ApiJson(b): super::ApiJson<TemplateParts>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let t = st
        .services
        .put_platform_template(
            &a,
            PlatformKind::Notification,
            &key,
            &lang,
            b.into(),
            expected,
        )
        .await?;
    Ok(with_etag(t.version, PlatformTemplateDto::from(t)))
}

#[utoipa::path(delete, path = "/api/v1/settings/notification-templates/{key}/{lang}", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PlatformTemplateDto), (status = 404, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn reset_notification(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let t = st
        .services
        .reset_platform_template(&a, PlatformKind::Notification, &key, &lang, expected)
        .await?;
    Ok(with_etag(t.version, PlatformTemplateDto::from(t)))
}

#[utoipa::path(post, path = "/api/v1/settings/notification-templates/{key}/{lang}/preview", tag = "templates",
    params(("key" = String, Path), ("lang" = String, Path)), request_body(content = Option<TemplateParts>),
    responses((status = 200, body = PreviewDto), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn preview_notification(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((key, lang)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<PreviewDto>> {
    preview_kind(&st, &a, PlatformKind::Notification, &key, &lang, &body).await
}

/// S3: the support text, as Markdown and as the sanitised HTML Home shows (`settings.view`).
#[utoipa::path(get, path = "/api/v1/settings/support-text", tag = "templates",
    responses((status = 200, body = SupportTextDto), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_support_text(
    State(st): State<AppState>,
    Admin(a): Admin,
) -> ApiResult<Json<SupportTextDto>> {
    Ok(Json(st.services.support_text(&a).await?.into()))
}

/// Replaces the support text (`settings.manage`); an empty one removes it from Home.
#[utoipa::path(put, path = "/api/v1/settings/support-text", tag = "templates", request_body = SupportTextInput,
    responses((status = 200, body = SupportTextDto), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_support_text(
    State(st): State<AppState>,
    Admin(a): Admin,
    super::ApiJson(b): super::ApiJson<SupportTextInput>,
) -> ApiResult<Json<SupportTextDto>> {
    Ok(Json(
        st.services.set_support_text(&a, &b.markdown).await?.into(),
    ))
}
