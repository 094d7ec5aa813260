//! The email outbox (SPEC §1 "Email"): `GET /api/v1/outbox`, `GET /api/v1/outbox/{id}`,
//! `POST /api/v1/outbox/{id}/resend`. Platform-wide: `settings.view` on the platform to read,
//! `settings.manage` to resend.

use super::dto::Page;
use super::parse_id;
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::ApiResult;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use portico_domain::EmailStatus;
use portico_domain::ids::EmailId;
use portico_domain::page::PageRequest;
use portico_services::ServiceError;
use portico_services::email::outbox::OutboxView;
use portico_services::records::OutboxMessage;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/outbox", get(list))
        .route("/api/v1/outbox/{id}", get(get_one))
        .route("/api/v1/outbox/{id}/resend", post(resend))
}

/// A message in the outbox, without its bodies.
#[derive(Serialize, ToSchema)]
pub struct OutboxEmail {
    #[schema(example = "eml_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    pub to: String,
    pub to_user_id: Option<String>,
    /// `welcome`, `password_reset`, `mfa_enabled`, `mfa_disabled`.
    pub template: String,
    pub language: String,
    pub subject: String,
    /// `queued`, `sending`, `sent`, `failed`, or `held` (no SMTP server is configured).
    pub status: String,
    pub attempts: i64,
    /// When a queued message is tried next.
    pub next_attempt_at: String,
    /// Why the last attempt failed; never contains credentials.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<OutboxMessage> for OutboxEmail {
    fn from(m: OutboxMessage) -> Self {
        Self {
            id: m.id.to_string(),
            to: m.to_address,
            to_user_id: m.to_user_id.map(|u| u.to_string()),
            template: m.template,
            language: m.language,
            subject: m.subject,
            status: m.status.as_str().into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at.to_rfc3339(),
            last_error: m.last_error,
            created_at: m.created_at.to_rfc3339(),
            sent_at: m.sent_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A message with its bodies.
#[derive(Serialize, ToSchema)]
pub struct OutboxEmailDetail {
    #[serde(flatten)]
    pub email: OutboxEmail,
    /// `null` when withheld.
    pub text_body: Option<String>,
    /// `null` when withheld. Render it sandboxed: it is the message as sent.
    pub html_body: Option<String>,
    /// The message carries a single-use credential link (welcome, password reset) for
    /// someone whose credentials you may not reset: its bodies are not shown to you.
    pub bodies_withheld: bool,
}

impl From<OutboxView> for OutboxEmailDetail {
    fn from(v: OutboxView) -> Self {
        let (text, html) = if v.bodies_withheld {
            (None, None)
        } else {
            (
                Some(v.message.text_body.clone()),
                Some(v.message.html_body.clone()),
            )
        };
        Self {
            email: v.message.into(),
            text_body: text,
            html_body: html,
            bodies_withheld: v.bodies_withheld,
        }
    }
}

/// `?limit=&cursor=&status=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only messages with this status.
    pub status: Option<String>,
}

pub(crate) fn parse_status(s: Option<&str>) -> Result<Option<EmailStatus>, ServiceError> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            EmailStatus::parse(s).ok_or_else(|| {
                ServiceError::Invalid(portico_domain::ValidationError::new(
                    "status",
                    "queued, sending, sent, failed or held",
                ))
            })
        })
        .transpose()
}

/// The outbox, newest first (`settings.view` on the platform).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "email", params(OutboxQuery),
    responses((status = 200, body = Page<OutboxEmail>), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<Page<OutboxEmail>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref()).map_err(ServiceError::from)?;
    let status = parse_status(q.status.as_deref())?;
    let p = st.services.list_outbox(&a, status, page).await?;
    Ok(Json(Page::from_page(p)))
}

/// One message with its text and HTML bodies (`settings.view` on the platform). Reading a
/// welcome or password-reset message's bodies is audited (`email.view`); they are withheld
/// from anyone who may not reset the recipient's credentials.
#[utoipa::path(get, path = "/api/v1/outbox/{id}", tag = "email", params(("id" = String, Path)),
    responses((status = 200, body = OutboxEmailDetail), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<OutboxEmailDetail>> {
    let id = parse_id::<EmailId>(&id, "email")?;
    let v = st.services.get_outbox_message(&a, id).await?;
    Ok(Json(v.into()))
}

/// Queues a held, failed or sent message again (`settings.manage` on the platform). 409
/// `no-smtp` without an SMTP server, `email-pending` while it is waiting to be sent.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/resend", tag = "email", params(("id" = String, Path)),
    responses((status = 200, body = OutboxEmail), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn resend(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<OutboxEmail>> {
    let id = parse_id::<EmailId>(&id, "email")?;
    let m = st.services.resend_email(&a, id).await?;
    Ok(Json(m.into()))
}
