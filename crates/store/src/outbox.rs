//! The email outbox (SPEC §1 "Email"). A message is inserted by [`insert_in`] inside the
//! transaction of the change that causes it, so that, for example, a welcome email commits
//! together with the new user or not at all.

use crate::rows::{R, i, os, ots, ouser_id, s, ts};
use crate::schema::Users;
use crate::{SqlStore, db_err, exec, fetch_opt};
use portico_domain::EmailStatus;
use portico_domain::ids::EmailId;
use portico_services::StoreError;
use portico_services::records::{AuditCtx, AuditDraft, OutboxInsert, OutboxMessage};
use sea_query::{Expr, ExprTrait, Iden, Query};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Iden, Clone, Copy)]
pub(crate) enum EmailOutbox {
    Table,
    Id,
    ToAddress,
    ToUserId,
    Template,
    Language,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}
use EmailOutbox as E;

pub(crate) const COLUMNS: [E; 15] = [
    E::Id,
    E::ToAddress,
    E::ToUserId,
    E::Template,
    E::Language,
    E::Subject,
    E::TextBody,
    E::HtmlBody,
    E::Status,
    E::Attempts,
    E::NextAttemptAt,
    E::LeaseUntil,
    E::LastError,
    E::CreatedAt,
    E::SentAt,
];

pub(crate) fn message(r: &AnyRow) -> R<OutboxMessage> {
    let corrupt =
        |c: &str, e: &dyn std::fmt::Display| StoreError::Backend(format!("column {c}: {e}"));
    Ok(OutboxMessage {
        id: EmailId::parse(&s(r, "id")?).map_err(|e| corrupt("id", &e))?,
        to_address: s(r, "to_address")?,
        to_user_id: ouser_id(r, "to_user_id")?,
        template: s(r, "template")?,
        language: s(r, "language")?,
        subject: s(r, "subject")?,
        text_body: s(r, "text_body")?,
        html_body: s(r, "html_body")?,
        status: EmailStatus::parse(&s(r, "status")?)
            .ok_or_else(|| corrupt("status", &"unknown"))?,
        attempts: i(r, "attempts")?,
        next_attempt_at: ts(r, "next_attempt_at")?,
        lease_until: ots(r, "lease_until")?,
        last_error: os(r, "last_error")?,
        created_at: ts(r, "created_at")?,
        sent_at: ots(r, "sent_at")?,
    })
}

/// Inserts one message in the caller's transaction (no audit entry: see [`queue_in`]).
/// Due at once when queued.
pub(crate) async fn insert_in(
    conn: &mut AnyConnection,
    store: &SqlStore,
    m: &OutboxInsert,
) -> Result<(), StoreError> {
    exec(
        conn,
        store.build(
            &Query::insert()
                .into_table(E::Table)
                .columns(COLUMNS)
                .values_panic([
                    m.id.to_string().into(),
                    m.to_address.clone().into(),
                    m.to_user_id.map(|u| u.to_string()).into(),
                    m.rendered.template.as_str().into(),
                    m.rendered.language.clone().into(),
                    m.rendered.subject.clone().into(),
                    m.rendered.text.clone().into(),
                    m.rendered.html.clone().into(),
                    m.status.as_str().into(),
                    0i64.into(),
                    m.created_at.millis().into(),
                    None::<i64>.into(),
                    None::<String>.into(),
                    m.created_at.millis().into(),
                    None::<i64>.into(),
                ])
                .to_owned(),
        ),
    )
    .await?;
    Ok(())
}

/// [`insert_in`] plus its `email.queued` audit entry: the template, language and status as
/// changes, the recipient's address as erasable personal data, never a subject, body or link.
pub(crate) async fn queue_in(
    conn: &mut AnyConnection,
    store: &SqlStore,
    ctx: &AuditCtx,
    m: &OutboxInsert,
) -> Result<(), StoreError> {
    insert_in(conn, store, m).await?;
    let mut draft = AuditDraft::new("email.queued")
        .target("email", m.id)
        .changes(json!({
            "template": m.rendered.template.as_str(),
            "language": m.rendered.language,
            "status": m.status.as_str(),
        }))
        .pii(json!({ "to": m.to_address }));
    if let Some(u) = m.to_user_id {
        draft = draft.subject(u);
    }
    store.append_in(conn, ctx, draft).await
}

/// U5: a deleted user's messages go with them (the address, the name and any link in them
/// are personal data): those addressed to the user and those sent to the user's address.
/// Runs before the user's row is deleted.
pub(crate) async fn erase_user_in(
    conn: &mut AnyConnection,
    store: &SqlStore,
    user_id: &str,
) -> Result<u64, StoreError> {
    store
        .delete_where(
            conn,
            E::Table,
            Expr::col(E::ToUserId)
                .eq(user_id)
                .or(Expr::col(E::ToAddress).in_subquery(
                    Query::select()
                        .column(Users::Email)
                        .from(Users::Table)
                        .and_where(Expr::col(Users::Id).eq(user_id))
                        .to_owned(),
                )),
        )
        .await
}

impl SqlStore {
    pub(crate) async fn enqueue_email_q(&self, ctx: &AuditCtx, m: OutboxInsert) -> R<()> {
        let mut tx = self.begin_write().await?;
        queue_in(&mut tx, self, ctx, &m).await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn get_email_q(&self, id: EmailId) -> R<Option<OutboxMessage>> {
        let mut conn = self.conn().await?;
        let row = fetch_opt(
            &mut conn,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(E::Table)
                    .and_where(Expr::col(E::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(message).transpose()
    }
}
