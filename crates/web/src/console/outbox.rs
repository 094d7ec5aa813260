//! Settings → Sent emails: the outbox (SPEC §1 "Email"). Without an SMTP server every message
//! is kept here (`held`), so a trial install loses nothing; with one, each message's status,
//! attempts and last error show how delivery went, and "Resend" queues one again. Reading
//! needs `settings.view` on the platform and resending `settings.manage`, as the API.
//!
//! A message's HTML body is shown in an `<iframe sandbox srcdoc=…>` (no scripts, no forms, no
//! same origin; the console's CSP still applies) and as escaped source, never as markup of
//! the console's own page.

use super::view::{Cx, PAGE_SIZE, Pager, page_request, redirect_flash};
use crate::AppState;
use crate::api::outbox::parse_status;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_domain::ids::EmailId;
use portico_services::ServiceError;
use portico_services::records::{OutboxMessage, ScopeRef};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/emails", get(list))
        .route("/settings/emails/{id}", get(detail))
        .route("/settings/emails/{id}/resend", post(resend))
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    cursor: Option<String>,
    status: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct EmptyForm {}

#[derive(Debug, Serialize)]
struct Row {
    id: String,
    href: String,
    to: String,
    subject: String,
    template: String,
    language: String,
    status: &'static str,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
    next_attempt_at: i64,
    resendable: bool,
}

fn row(m: &OutboxMessage) -> Row {
    Row {
        id: m.id.to_string(),
        href: format!("/settings/emails/{}", m.id),
        to: m.to_address.clone(),
        subject: m.subject.clone(),
        template: m.template.clone(),
        language: m.language.clone(),
        status: m.status.as_str(),
        attempts: m.attempts,
        last_error: m.last_error.clone(),
        created_at: m.created_at.millis(),
        sent_at: m.sent_at.map(|t| t.millis()),
        next_attempt_at: m.next_attempt_at.millis(),
        resendable: !matches!(
            m.status,
            portico_domain::EmailStatus::Queued | portico_domain::EmailStatus::Sending
        ),
    }
}

fn may_resend(st: &AppState, cx: &Cx) -> bool {
    st.services.config().email_delivery && cx.admin.can("settings.manage", ScopeRef::Platform)
}

async fn list(State(st): State<AppState>, cx: Cx, Query(q): Query<ListQuery>) -> Response {
    let status = match parse_status(q.status.as_deref()) {
        Ok(s) => s,
        Err(e) => return cx.error(&st, e),
    };
    let cursor = q.cursor.as_deref();
    let page = match st
        .services
        .list_outbox(&cx.admin, status, page_request(cursor, PAGE_SIZE))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(&st, e),
    };
    let status_param = status.map(|s| s.as_str()).unwrap_or("");
    let pager = Pager::new(
        &page,
        "/settings/emails",
        &[("status", status_param)],
        cursor.is_none(),
    );
    let rows: Vec<Row> = page.items.iter().map(row).collect();
    cx.render(
        &st,
        "settings/emails.html",
        context! {
            title => "Sent emails",
            subsection => "emails",
            rows => rows,
            pager => pager,
            status => status_param,
            statuses => ["queued", "sending", "sent", "failed", "held"],
            delivery => st.services.config().email_delivery,
            may_resend => may_resend(&st, &cx),
        },
    )
}

async fn detail(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let Ok(id) = EmailId::parse(&raw) else {
        return cx.not_found(&st, "email");
    };
    let view = match st.services.get_outbox_message(&cx.admin, id).await {
        Ok(v) => v,
        Err(e) => return cx.error(&st, e),
    };
    let m = &view.message;
    cx.render(
        &st,
        "settings/email.html",
        context! {
            title => m.subject.clone(),
            subsection => "emails",
            e => row(m),
            to_user_href => m.to_user_id.map(|u| format!("/users/{u}")),
            withheld => view.bodies_withheld,
            text_body => m.text_body.clone(),
            html_body => m.html_body.clone(),
            delivery => st.services.config().email_delivery,
            may_resend => may_resend(&st, &cx),
        },
    )
}

async fn resend(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Response {
    let Ok(id) = EmailId::parse(&raw) else {
        return cx.not_found(&st, "email");
    };
    let back = format!("/settings/emails/{id}");
    match st.services.resend_email(&cx.admin, id).await {
        Ok(m) => redirect_flash(
            &st,
            &back,
            "success",
            format!(
                "“{}” is queued to be sent again to {}.",
                m.subject, m.to_address
            ),
        ),
        Err(e @ (ServiceError::Conflict { .. } | ServiceError::Forbidden(_))) => {
            redirect_flash(&st, &back, "error", super::view::error_message(&e))
        }
        Err(e) => cx.error(&st, e),
    }
}
