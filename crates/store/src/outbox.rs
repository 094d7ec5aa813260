//! The email outbox (SPEC §1 "Email"). A message is inserted by [`insert_in`] inside the
//! transaction of the change that causes it, so that, for example, a welcome email commits
//! together with the new user or not at all.

use crate::audit::paginate;
use crate::orgs::bad_cursor;
use crate::rows::{R, i, os, ots, ouser_id, s, ts};
use crate::schema::Users;
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::ids::EmailId;
use portico_domain::page::{Page, PageRequest};
use portico_domain::{EmailStatus, EmailTemplateKey, Timestamp};
use portico_services::StoreError;
use portico_services::records::{
    AuditCtx, AuditDraft, DeferredEmail, DeliveryOutcome, OutboxBody, OutboxFilter, OutboxInsert,
    OutboxMessage,
};
use sea_query::{Cond, Expr, ExprTrait, Iden, Order, Query, SimpleExpr};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Iden, Clone, Copy)]
pub(crate) enum EmailOutbox {
    Table,
    Seq,
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
    Vars,
}
use EmailOutbox as E;

pub(crate) const COLUMNS: [E; 17] = [
    E::Seq,
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
    E::Vars,
];

pub(crate) fn message(r: &AnyRow) -> R<OutboxMessage> {
    let corrupt =
        |c: &str, e: &dyn std::fmt::Display| StoreError::Backend(format!("column {c}: {e}"));
    Ok(OutboxMessage {
        seq: i(r, "seq")?,
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
        deferred: match os(r, "vars")? {
            None => None,
            Some(v) => Some(DeferredEmail {
                template: EmailTemplateKey::parse(&s(r, "template")?)
                    .ok_or_else(|| corrupt("template", &"unknown"))?,
                language: Some(s(r, "language")?).filter(|l| !l.is_empty()),
                vars: serde_json::from_str(&v).map_err(|e| corrupt("vars", &e))?,
            }),
        },
    })
}

/// An insert's values, in the order of `COLUMNS[1..]` (no `seq`). Due at once when queued.
pub(crate) fn insert_values(m: &OutboxInsert) -> [SimpleExpr; 16] {
    let (subject, text, html, vars) = match &m.body {
        OutboxBody::Rendered(r) => (r.subject.clone(), r.text.clone(), r.html.clone(), None),
        OutboxBody::Deferred(d) => (
            String::new(),
            String::new(),
            String::new(),
            Some(d.vars.to_string()),
        ),
    };
    [
        m.id.to_string().into(),
        m.to_address.clone().into(),
        m.to_user_id.map(|u| u.to_string()).into(),
        m.body.template().as_str().into(),
        m.body.language().to_string().into(),
        subject.into(),
        text.into(),
        html.into(),
        m.status.as_str().into(),
        0i64.into(),
        m.created_at.millis().into(),
        None::<i64>.into(),
        None::<String>.into(),
        m.created_at.millis().into(),
        None::<i64>.into(),
        vars.into(),
    ]
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
                .columns(COLUMNS[1..].iter().copied())
                .values_panic(insert_values(m))
                .to_owned(),
        ),
    )
    .await?;
    Ok(())
}

impl SqlStore {
    /// The public URL and queued/held status `Store::configure_outbox` was given, for emails
    /// the store queues itself (license warnings, calendar invitations).
    pub(crate) fn outbox_settings(&self) -> R<portico_services::records::OutboxSettings> {
        self.outbox
            .read()
            .map(|s| s.clone())
            .map_err(|_| StoreError::Backend("outbox settings lock poisoned".into()))
    }
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
            "template": m.body.template().as_str(),
            "language": m.body.language(),
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
        self.email_in(&mut conn, id).await
    }

    async fn email_in(&self, conn: &mut AnyConnection, id: EmailId) -> R<Option<OutboxMessage>> {
        let row = fetch_opt(
            conn,
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

impl SqlStore {
    pub(crate) async fn list_emails_q(
        &self,
        f: &OutboxFilter,
        page: &PageRequest,
    ) -> R<Page<OutboxMessage>> {
        let mut q = Query::select();
        q.columns(COLUMNS)
            .from(E::Table)
            .order_by(E::Seq, Order::Desc)
            .limit(page.limit as u64 + 1);
        if let Some(after) = &page.after {
            let seq: i64 = after.parse().map_err(|_| bad_cursor())?;
            q.and_where(Expr::col(E::Seq).lt(seq));
        }
        if let Some(st) = f.status {
            q.and_where(Expr::col(E::Status).eq(st.as_str()));
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let items = rows.iter().map(message).collect::<R<Vec<_>>>()?;
        Ok(paginate(items, page.limit, |m| m.seq.to_string()))
    }

    pub(crate) async fn claim_email_q(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> R<Option<OutboxMessage>> {
        let mut tx = self.begin_write().await?;
        let due = Cond::any()
            .add(
                Expr::col(E::Status)
                    .eq(EmailStatus::Queued.as_str())
                    .and(Expr::col(E::NextAttemptAt).lte(now.millis())),
            )
            .add(
                Expr::col(E::Status)
                    .eq(EmailStatus::Sending.as_str())
                    .and(Expr::col(E::LeaseUntil).lte(now.millis())),
            );
        let row = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(E::Table)
                    .cond_where(due)
                    .order_by(E::Seq, Order::Asc)
                    .limit(1)
                    .to_owned(),
            ),
        )
        .await?;
        let Some(mut m) = row.as_ref().map(message).transpose()? else {
            tx.commit().await.map_err(db_err)?;
            return Ok(None);
        };
        m.status = EmailStatus::Sending;
        m.lease_until = Some(lease_until);
        m.attempts += 1;
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(E::Table)
                    .value(E::Status, m.status.as_str())
                    .value(E::LeaseUntil, lease_until.millis())
                    .value(E::Attempts, m.attempts)
                    .and_where(Expr::col(E::Id).eq(m.id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(m))
    }

    pub(crate) async fn finish_email_q(
        &self,
        ctx: &AuditCtx,
        id: EmailId,
        lease_until: Timestamp,
        outcome: DeliveryOutcome,
    ) -> R<bool> {
        let mut tx = self.begin_write().await?;
        let mut q = Query::update();
        q.table(E::Table)
            .value(E::LeaseUntil, None::<i64>)
            .and_where(Expr::col(E::Id).eq(id.to_string()))
            .and_where(Expr::col(E::Status).eq(EmailStatus::Sending.as_str()))
            .and_where(Expr::col(E::LeaseUntil).eq(lease_until.millis()));
        let audit = match &outcome {
            DeliveryOutcome::Sent => {
                q.value(E::Status, EmailStatus::Sent.as_str())
                    .value(E::SentAt, ctx.at.millis())
                    .value(E::LastError, None::<String>);
                Some(AuditDraft::new("email.sent"))
            }
            DeliveryOutcome::Retry {
                error,
                next_attempt_at,
            } => {
                q.value(E::Status, EmailStatus::Queued.as_str())
                    .value(E::NextAttemptAt, next_attempt_at.millis())
                    .value(E::LastError, error.clone());
                None
            }
            DeliveryOutcome::Failed { error } => {
                q.value(E::Status, EmailStatus::Failed.as_str())
                    .value(E::LastError, error.clone());
                Some(AuditDraft::new("email.failed").changes(json!({ "error": error })))
            }
        };
        if exec(&mut tx, self.build(&q)).await? == 0 {
            // The lease ran out and another worker holds the message now: nothing to record.
            return Ok(false);
        }
        if let Some(draft) = audit {
            let m = self
                .email_in(&mut tx, id)
                .await?
                .ok_or(StoreError::NotFound("email"))?;
            self.append_in(&mut tx, ctx, outcome_draft(draft, &m))
                .await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    pub(crate) async fn store_email_bodies_q(
        &self,
        m: &OutboxMessage,
        lease_until: Timestamp,
    ) -> R<bool> {
        let mut conn = self.conn().await?;
        let n = exec(
            &mut conn,
            self.build(
                &Query::update()
                    .table(E::Table)
                    .value(E::Language, m.language.clone())
                    .value(E::Subject, m.subject.clone())
                    .value(E::TextBody, m.text_body.clone())
                    .value(E::HtmlBody, m.html_body.clone())
                    .value(E::Vars, None::<String>)
                    .and_where(Expr::col(E::Id).eq(m.id.to_string()))
                    .and_where(Expr::col(E::Status).eq(EmailStatus::Sending.as_str()))
                    .and_where(Expr::col(E::LeaseUntil).eq(lease_until.millis()))
                    .to_owned(),
            ),
        )
        .await?;
        Ok(n == 1)
    }

    pub(crate) async fn resend_email_q(&self, ctx: &AuditCtx, id: EmailId) -> R<OutboxMessage> {
        let mut tx = self.begin_write().await?;
        let before = self
            .email_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("email"))?;
        if matches!(before.status, EmailStatus::Queued | EmailStatus::Sending) {
            return Err(StoreError::Conflict {
                kind: "email-pending",
                message: "this email is already waiting to be sent".into(),
            });
        }
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(E::Table)
                    .value(E::Status, EmailStatus::Queued.as_str())
                    .value(E::Attempts, 0i64)
                    .value(E::NextAttemptAt, ctx.at.millis())
                    .value(E::LeaseUntil, None::<i64>)
                    .value(E::LastError, None::<String>)
                    .value(E::SentAt, None::<i64>)
                    .and_where(Expr::col(E::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        let mut draft = AuditDraft::new("email.resend")
            .target("email", id)
            .changes(json!({
                "template": before.template,
                "status": { "before": before.status.as_str(), "after": "queued" },
            }));
        if let Some(u) = before.to_user_id {
            draft = draft.subject(u);
        }
        self.append_in(&mut tx, ctx, draft).await?;
        let after = self
            .email_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("email"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }
}

/// `email.sent` / `email.failed`: the message, its template and the attempt; never the
/// address (it is in `email.queued`'s erasable personal data), a subject or a body.
fn outcome_draft(draft: AuditDraft, m: &OutboxMessage) -> AuditDraft {
    let mut changes = match draft.changes.clone() {
        serde_json::Value::Object(o) => o,
        _ => Default::default(),
    };
    changes.insert("template".into(), m.template.clone().into());
    changes.insert("attempts".into(), m.attempts.into());
    let mut d = draft.target("email", m.id).changes(changes.into());
    if let Some(u) = m.to_user_id {
        d = d.subject(u);
    }
    d
}
