//! Sessions, API keys and the login throttle.

use crate::rows::{self, R};
use crate::schema::{ApiKeys as K, LoginThrottle as T, Sessions as S, USER_COLUMNS, Users as U};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::Timestamp;
use portico_domain::ids::{ApiKeyId, UserId};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde_json::json;

const SESSION_ALIASES: [(S, &str); 12] = [
    (S::Id, "s_id"),
    (S::TokenHash, "s_token_hash"),
    (S::UserId, "s_user_id"),
    (S::CsrfToken, "s_csrf_token"),
    (S::CreatedAt, "s_created_at"),
    (S::LastSeenAt, "s_last_seen_at"),
    (S::ExpiresAt, "s_expires_at"),
    (S::Ip, "s_ip"),
    (S::UserAgent, "s_user_agent"),
    (S::ImpersonatorId, "s_impersonator_id"),
    (S::ImpersonationReason, "s_impersonation_reason"),
    (S::IdleSecs, "s_idle_secs"),
];

const KEY_ALIASES: [(K, &str); 11] = [
    (K::Id, "k_id"),
    (K::UserId, "k_user_id"),
    (K::Name, "k_name"),
    (K::SecretHash, "k_secret_hash"),
    (K::CreatedAt, "k_created_at"),
    (K::ExpiresAt, "k_expires_at"),
    (K::LastUsedAt, "k_last_used_at"),
    (K::RevokedAt, "k_revoked_at"),
    (K::Permissions, "k_permissions"),
    (K::OrgId, "k_org_id"),
    (K::IpAllowlist, "k_ip_allowlist"),
];

impl SqlStore {
    /// Stores a session (a login's or an impersonation's) inside the caller's transaction.
    pub(crate) async fn insert_session_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        s: &SessionRecord,
    ) -> R<()> {
        exec(
            conn,
            self.build(
                &Query::insert()
                    .into_table(S::Table)
                    .columns(SESSION_ALIASES.map(|(c, _)| c))
                    .values_panic([
                        s.id.to_string().into(),
                        s.token_hash.clone().into(),
                        s.user_id.to_string().into(),
                        s.csrf_token.clone().into(),
                        s.created_at.millis().into(),
                        s.last_seen_at.millis().into(),
                        s.expires_at.millis().into(),
                        s.ip.clone().into(),
                        s.user_agent.clone().into(),
                        s.impersonator_id.map(|u| u.to_string()).into(),
                        s.impersonation_reason.clone().into(),
                        s.idle_secs.into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn get_session_q(
        &self,
        token_hash: &str,
    ) -> R<Option<(SessionRecord, UserRecord)>> {
        let mut q = Query::select();
        q.columns(USER_COLUMNS.map(|c| (U::Table, c)));
        for (c, a) in SESSION_ALIASES {
            q.expr_as(Expr::col((S::Table, c)), a);
        }
        q.from(S::Table)
            .inner_join(
                U::Table,
                Expr::col((U::Table, U::Id)).equals((S::Table, S::UserId)),
            )
            .and_where(Expr::col((S::Table, S::TokenHash)).eq(token_hash));
        let mut conn = self.conn().await?;
        match fetch_opt(&mut conn, self.build(&q)).await? {
            None => Ok(None),
            Some(r) => Ok(Some((rows::session(&r)?, rows::user(&r)?))),
        }
    }

    pub(crate) async fn touch_session_q(&self, token_hash: &str, at: Timestamp) -> R<()> {
        let mut conn = self.conn().await?;
        exec(
            &mut conn,
            self.build(
                &Query::update()
                    .table(S::Table)
                    .value(S::LastSeenAt, at.millis())
                    .and_where(Expr::col(S::TokenHash).eq(token_hash))
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn delete_session_q(&self, ctx: &AuditCtx, token_hash: &str) -> R<()> {
        let mut tx = self.begin_write().await?;
        let row = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .columns([S::Id, S::UserId])
                    .from(S::Table)
                    .and_where(Expr::col(S::TokenHash).eq(token_hash))
                    .to_owned(),
            ),
        )
        .await?;
        let Some(row) = row else {
            return Ok(());
        };
        self.delete_where(&mut tx, S::Table, Expr::col(S::TokenHash).eq(token_hash))
            .await?;
        let action = if ctx.actor.is_some() {
            "logout"
        } else {
            "session.expired"
        };
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(action)
                .target("session", rows::s(&row, "id")?)
                .subject(rows::user_id(&row, "user_id")?),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn create_api_key_q(&self, ctx: &AuditCtx, k: ApiKeyRecord) -> R<()> {
        let mut tx = self.begin_write().await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(K::Table)
                    .columns([
                        K::Id,
                        K::UserId,
                        K::Name,
                        K::SecretHash,
                        K::CreatedAt,
                        K::ExpiresAt,
                        K::Permissions,
                        K::OrgId,
                        K::IpAllowlist,
                    ])
                    .values_panic([
                        k.id.to_string().into(),
                        k.user_id.to_string().into(),
                        k.name.clone().into(),
                        k.secret_hash.clone().into(),
                        k.created_at.millis().into(),
                        k.expires_at.map(|e| e.millis()).into(),
                        k.permissions.as_deref().map(rows::join_keys).into(),
                        k.org_id.map(|o| o.to_string()).into(),
                        k.ip_allowlist.clone().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("api_key.create")
                .target("api_key", k.id)
                .subject(k.user_id)
                .changes(json!({
                    "name": k.name,
                    "expires_at": k.expires_at.map(|e| e.millis()),
                    "permissions": k.permissions,
                    "org_id": k.org_id.map(|o| o.to_string()),
                    "ip_allowlist": k.ip_allowlist,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    fn key_select() -> sea_query::SelectStatement {
        let mut q = Query::select();
        for (c, a) in KEY_ALIASES {
            q.expr_as(Expr::col((K::Table, c)), a);
        }
        q.from(K::Table).to_owned()
    }

    pub(crate) async fn get_api_key_q(
        &self,
        id: ApiKeyId,
    ) -> R<Option<(ApiKeyRecord, UserRecord)>> {
        let mut q = Self::key_select();
        q.columns(USER_COLUMNS.map(|c| (U::Table, c)))
            .inner_join(
                U::Table,
                Expr::col((U::Table, U::Id)).equals((K::Table, K::UserId)),
            )
            .and_where(Expr::col((K::Table, K::Id)).eq(id.to_string()));
        let mut conn = self.conn().await?;
        match fetch_opt(&mut conn, self.build(&q)).await? {
            None => Ok(None),
            Some(r) => Ok(Some((rows::api_key(&r, "k_")?, rows::user(&r)?))),
        }
    }

    pub(crate) async fn list_api_keys_q(&self, user: Option<UserId>) -> R<Vec<ApiKeyRecord>> {
        let mut q = Self::key_select();
        q.order_by((K::Table, K::CreatedAt), Order::Desc)
            .limit(1000);
        if let Some(u) = user {
            q.and_where(Expr::col((K::Table, K::UserId)).eq(u.to_string()));
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        rows.iter().map(|r| rows::api_key(r, "k_")).collect()
    }

    pub(crate) async fn revoke_api_key_q(&self, ctx: &AuditCtx, id: ApiKeyId) -> R<ApiKeyRecord> {
        let mut tx = self.begin_write().await?;
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(K::Table)
                    .value(K::RevokedAt, ctx.at.millis())
                    .and_where(Expr::col(K::Id).eq(id.to_string()))
                    .and_where(Expr::col(K::RevokedAt).is_null())
                    .to_owned(),
            ),
        )
        .await?;
        let mut q = Self::key_select();
        q.and_where(Expr::col((K::Table, K::Id)).eq(id.to_string()));
        let rec = fetch_opt(&mut tx, self.build(&q))
            .await?
            .ok_or(StoreError::NotFound("API key"))
            .and_then(|r| rows::api_key(&r, "k_"))?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("api_key.revoke")
                .target("api_key", id)
                .subject(rec.user_id),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(rec)
    }

    pub(crate) async fn touch_api_key_q(&self, id: ApiKeyId, at: Timestamp) -> R<()> {
        let mut conn = self.conn().await?;
        exec(
            &mut conn,
            self.build(
                &Query::update()
                    .table(K::Table)
                    .value(K::LastUsedAt, at.millis())
                    .and_where(Expr::col(K::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    /// One atomic upsert for all keys: a window older than `window_secs` restarts at 1,
    /// otherwise the count goes up by one. Parallel attempts each see their own count.
    pub(crate) async fn throttle_hit_q(
        &self,
        keys: &[String],
        now: Timestamp,
        window_secs: i64,
    ) -> R<Vec<i64>> {
        let cutoff = now.millis() - window_secs * 1000;
        let stale = Expr::col((T::Table, T::WindowStart)).lt(cutoff);
        let mut q = Query::insert();
        q.into_table(T::Table)
            .columns([T::Key, T::WindowStart, T::Attempts]);
        for k in keys {
            q.values_panic([k.as_str().into(), now.millis().into(), 1i64.into()]);
        }
        q.on_conflict(
            OnConflict::column(T::Key)
                .value(
                    T::Attempts,
                    Expr::case(stale.clone(), 1i64)
                        .finally(Expr::col((T::Table, T::Attempts)).add(1)),
                )
                .value(
                    T::WindowStart,
                    Expr::case(stale, now.millis()).finally(Expr::col((T::Table, T::WindowStart))),
                )
                .to_owned(),
        )
        .returning(Query::returning().columns([T::Key, T::Attempts]));
        let _turn = self.write_turn().await;
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let mut counts = std::collections::HashMap::new();
        for r in &rows {
            counts.insert(rows::s(r, "key")?, rows::i(r, "attempts")?);
        }
        keys.iter()
            .map(|k| {
                counts
                    .get(k)
                    .copied()
                    .ok_or_else(|| StoreError::Backend("throttle upsert returned no row".into()))
            })
            .collect()
    }

    /// After a successful login: the account and its second step start afresh, the address gets
    /// its attempt back.
    pub(crate) async fn throttle_settle_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        keys: &LoginThrottleKeys,
    ) -> R<()> {
        self.delete_where(
            conn,
            T::Table,
            Expr::col(T::Key).is_in([keys.account.as_str(), keys.second_factor.as_str()]),
        )
        .await?;
        if let Some(address) = &keys.address {
            exec(
                conn,
                self.build(
                    &Query::update()
                        .table(T::Table)
                        .value(T::Attempts, Expr::col(T::Attempts).sub(1))
                        .and_where(Expr::col(T::Key).eq(address.as_str()))
                        .and_where(Expr::col(T::Attempts).gt(0))
                        .to_owned(),
                ),
            )
            .await?;
        }
        Ok(())
    }
}
