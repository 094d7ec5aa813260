//! U8: single-use credential tokens (welcome and reset links, a login's second-factor
//! challenge) and the TOTP second factor. Only a token's SHA-256 is stored.

use crate::rows::{self, R};
use crate::schema::{CredentialTokens as T, USER_COLUMNS, UserMfa as F, Users as U};
use crate::{SqlStore, exec, fetch_opt};
use portico_domain::credential::TokenPurpose;
use portico_domain::ids::UserId;
use portico_domain::user::UserStatus;
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use serde_json::json;
use sqlx::AnyConnection;

impl SqlStore {
    /// Stores a token inside the caller's transaction, first removing the user's unused
    /// tokens of the same purpose: only the newest link works.
    pub(crate) async fn insert_token_in(&self, conn: &mut AnyConnection, t: &TokenInsert) -> R<()> {
        exec(
            conn,
            self.build(
                &Query::delete()
                    .from_table(T::Table)
                    .and_where(Expr::col(T::UserId).eq(t.user_id.to_string()))
                    .and_where(Expr::col(T::Purpose).eq(t.purpose.as_str()))
                    .and_where(Expr::col(T::UsedAt).is_null())
                    .to_owned(),
            ),
        )
        .await?;
        // Expired tokens of anyone are of no use: sweep them while we hold the write turn.
        exec(
            conn,
            self.build(
                &Query::delete()
                    .from_table(T::Table)
                    .and_where(Expr::col(T::ExpiresAt).lt(t.created_at.millis() - 30 * 86_400_000))
                    .to_owned(),
            ),
        )
        .await?;
        exec(
            conn,
            self.build(
                &Query::insert()
                    .into_table(T::Table)
                    .columns([
                        T::TokenHash,
                        T::UserId,
                        T::Purpose,
                        T::CreatedAt,
                        T::ExpiresAt,
                    ])
                    .values_panic([
                        t.token_hash.clone().into(),
                        t.user_id.to_string().into(),
                        t.purpose.as_str().into(),
                        t.created_at.millis().into(),
                        t.expires_at.millis().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn credential_token_q(&self, token_hash: &str) -> R<Option<TokenRecord>> {
        let mut conn = self.conn().await?;
        let mut q = Query::select();
        q.from(T::Table)
            .inner_join(
                U::Table,
                Expr::col((U::Table, U::Id)).equals((T::Table, T::UserId)),
            )
            .columns([
                (T::Table, T::Purpose),
                (T::Table, T::ExpiresAt),
                (T::Table, T::UsedAt),
            ])
            .and_where(Expr::col((T::Table, T::TokenHash)).eq(token_hash));
        for c in USER_COLUMNS {
            q.column((U::Table, c));
        }
        let Some(r) = fetch_opt(&mut conn, self.build(&q)).await? else {
            return Ok(None);
        };
        let purpose = TokenPurpose::parse(&rows::s(&r, "purpose")?)
            .ok_or_else(|| StoreError::Backend("unknown token purpose".into()))?;
        Ok(Some(TokenRecord {
            user: rows::user(&r)?,
            purpose,
            expires_at: rows::ts(&r, "expires_at")?,
            used_at: rows::ots(&r, "used_at")?,
        }))
    }

    pub(crate) async fn issue_token_q(
        &self,
        ctx: &AuditCtx,
        token: TokenInsert,
        email: Option<OutboxInsert>,
        audit: Option<AuditDraft>,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.insert_token_in(&mut tx, &token).await?;
        if let Some(m) = &email {
            crate::outbox::insert_in(&mut tx, self, m).await?;
        }
        if let Some(d) = audit {
            self.append_in(&mut tx, ctx, d).await?;
        }
        tx.commit().await.map_err(crate::db_err)
    }

    /// Uses a token once. The conditional update decides: of two requests racing with one
    /// link, one wins and the other finds it used.
    pub(crate) async fn redeem_token_q(
        &self,
        ctx: &AuditCtx,
        token_hash: &str,
        purpose: TokenPurpose,
        password_hash: Option<String>,
    ) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let row = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .columns([T::UserId, T::ExpiresAt, T::UsedAt])
                    .from(T::Table)
                    .and_where(Expr::col(T::TokenHash).eq(token_hash))
                    .and_where(Expr::col(T::Purpose).eq(purpose.as_str()))
                    .to_owned(),
            ),
        )
        .await?
        .ok_or(StoreError::Conflict {
            kind: "link-invalid",
            message: portico_domain::credential::TokenRefusal::Unknown
                .message()
                .into(),
        })?;
        let user_id = rows::user_id(&row, "user_id")?;
        if rows::ots(&row, "used_at")?.is_some() {
            return Err(StoreError::Conflict {
                kind: "link-used",
                message: portico_domain::credential::TokenRefusal::Used
                    .message()
                    .into(),
            });
        }
        if rows::ts(&row, "expires_at")? <= ctx.at {
            return Err(StoreError::Conflict {
                kind: "link-expired",
                message: portico_domain::credential::TokenRefusal::Expired
                    .message()
                    .into(),
            });
        }
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(T::Table)
                    .value(T::UsedAt, ctx.at.millis())
                    .and_where(Expr::col(T::TokenHash).eq(token_hash))
                    .and_where(Expr::col(T::UsedAt).is_null())
                    .to_owned(),
            ),
        )
        .await?;
        let user = match password_hash {
            Some(hash) => {
                let action = match purpose {
                    TokenPurpose::Welcome => "user.password_set",
                    _ => "user.password_reset",
                };
                // A reset ends every session: whoever knew the old password is out.
                let end_sessions = purpose == TokenPurpose::Reset;
                self.set_password_in(&mut tx, ctx, user_id, &hash, end_sessions, action)
                    .await?
            }
            None => self
                .user_in(&mut tx, user_id)
                .await?
                .ok_or(StoreError::NotFound("user"))?,
        };
        tx.commit().await.map_err(crate::db_err)?;
        Ok(user)
    }

    /// Sets a password hash, activating an invited user; never records the hash in the audit.
    pub(crate) async fn set_password_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        id: UserId,
        hash: &str,
        end_sessions: bool,
        action: &'static str,
    ) -> R<UserRecord> {
        let before = self
            .user_in(conn, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let mut q = Query::update();
        q.table(U::Table)
            .value(U::PasswordHash, hash)
            .value(U::UpdatedAt, ctx.at.millis())
            .value(U::Version, Expr::col(U::Version).add(1))
            .and_where(Expr::col(U::Id).eq(id.to_string()));
        let activated = before.status == UserStatus::Invited;
        if activated {
            q.value(U::Status, UserStatus::Active.as_str());
        }
        exec(conn, self.build(&q)).await?;
        if end_sessions {
            self.delete_sessions_of_in(conn, &id.to_string()).await?;
        }
        let mut changes = json!({ "password": "changed", "sessions_ended": end_sessions });
        if activated {
            changes["status"] = json!({ "before": "invited", "after": "active" });
        }
        self.append_in(
            conn,
            ctx,
            AuditDraft::new(action)
                .target("user", id)
                .subject(id)
                .changes(changes),
        )
        .await?;
        self.user_in(conn, id)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    pub(crate) async fn set_password_q(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        hash: String,
        end_sessions: bool,
        email: Option<OutboxInsert>,
    ) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let u = self
            .set_password_in(&mut tx, ctx, id, &hash, end_sessions, "user.password_reset")
            .await?;
        if let Some(m) = &email {
            crate::outbox::insert_in(&mut tx, self, m).await?;
        }
        tx.commit().await.map_err(crate::db_err)?;
        Ok(u)
    }

    pub(crate) async fn mfa_q(&self, id: UserId) -> R<Option<MfaRecord>> {
        let mut conn = self.conn().await?;
        let r = fetch_opt(
            &mut conn,
            self.build(
                &Query::select()
                    .columns([F::Secret, F::CreatedAt, F::ConfirmedAt, F::LastStep])
                    .from(F::Table)
                    .and_where(Expr::col(F::UserId).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        r.map(|r| {
            Ok(MfaRecord {
                secret: rows::s(&r, "secret")?,
                created_at: rows::ts(&r, "created_at")?,
                confirmed_at: rows::ots(&r, "confirmed_at")?,
                last_step: rows::oi(&r, "last_step")?,
            })
        })
        .transpose()
    }

    /// Starts (or restarts) enrolment with a new secret; refused while a confirmed second
    /// factor exists (it must be removed first).
    pub(crate) async fn mfa_begin_q(&self, ctx: &AuditCtx, id: UserId, secret: String) -> R<()> {
        let mut tx = self.begin_write().await?;
        let confirmed = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .column(F::UserId)
                    .from(F::Table)
                    .and_where(Expr::col(F::UserId).eq(id.to_string()))
                    .and_where(Expr::col(F::ConfirmedAt).is_not_null())
                    .to_owned(),
            ),
        )
        .await?;
        if confirmed.is_some() {
            return Err(StoreError::Conflict {
                kind: "mfa-already-enabled",
                message: "a second factor is already set up: remove it first".into(),
            });
        }
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(F::Table)
                    .columns([F::UserId, F::Secret, F::CreatedAt])
                    .values_panic([id.to_string().into(), secret.into(), ctx.at.millis().into()])
                    .on_conflict(
                        OnConflict::column(F::UserId)
                            .update_columns([F::Secret, F::CreatedAt])
                            .to_owned(),
                    )
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("mfa.enrolment_started")
                .target("user", id)
                .subject(id),
        )
        .await?;
        tx.commit().await.map_err(crate::db_err)
    }

    pub(crate) async fn mfa_confirm_q(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        step: i64,
        email: Option<OutboxInsert>,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        let n = exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(F::Table)
                    .value(F::ConfirmedAt, ctx.at.millis())
                    .value(F::LastStep, step)
                    .and_where(Expr::col(F::UserId).eq(id.to_string()))
                    .and_where(Expr::col(F::ConfirmedAt).is_null())
                    .to_owned(),
            ),
        )
        .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                kind: "mfa-not-pending",
                message: "start the second-factor set-up first".into(),
            });
        }
        if let Some(m) = &email {
            crate::outbox::insert_in(&mut tx, self, m).await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("mfa.enabled")
                .target("user", id)
                .subject(id),
        )
        .await?;
        tx.commit().await.map_err(crate::db_err)
    }

    /// Records an accepted code's step. False when that step (or a later one) was already
    /// used: two requests replaying one code cannot both pass.
    pub(crate) async fn mfa_accept_step_q(&self, id: UserId, step: i64) -> R<bool> {
        let mut tx = self.begin_write().await?;
        let n = exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(F::Table)
                    .value(F::LastStep, step)
                    .and_where(Expr::col(F::UserId).eq(id.to_string()))
                    .and_where(Expr::col(F::ConfirmedAt).is_not_null())
                    .and_where(
                        Expr::col(F::LastStep)
                            .is_null()
                            .or(Expr::col(F::LastStep).lt(step)),
                    )
                    .to_owned(),
            ),
        )
        .await?;
        tx.commit().await.map_err(crate::db_err)?;
        Ok(n == 1)
    }

    pub(crate) async fn mfa_remove_q(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        email: Option<OutboxInsert>,
    ) -> R<bool> {
        let mut tx = self.begin_write().await?;
        let n = exec(
            &mut tx,
            self.build(
                &Query::delete()
                    .from_table(F::Table)
                    .and_where(Expr::col(F::UserId).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        if n > 0 {
            if let Some(m) = &email {
                crate::outbox::insert_in(&mut tx, self, m).await?;
            }
            self.append_in(
                &mut tx,
                ctx,
                AuditDraft::new("mfa.disabled")
                    .target("user", id)
                    .subject(id),
            )
            .await?;
        }
        tx.commit().await.map_err(crate::db_err)?;
        Ok(n > 0)
    }
}
