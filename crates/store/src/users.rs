//! Users, memberships' user side, and the bulk loader.

use crate::rows::{self, R};
use crate::schema::{
    ApiKeys, Memberships as M, Organizations as O, Sessions, USER_COLUMNS, Users as U,
};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::Timestamp;
use portico_domain::ids::{OrgId, UserId};
use portico_domain::user::UserStatus;
use portico_services::StoreError;
use portico_services::records::*;
use portico_services::users::UserPatch;
use sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use serde_json::json;
use sqlx::AnyConnection;

pub(crate) fn user_values(u: &NewUser, home: Option<OrgId>, at: Timestamp) -> Vec<SimpleExpr> {
    vec![
        u.id.to_string().into(),
        u.username.clone().into(),
        u.username_key.clone().into(),
        u.email.clone().into(),
        u.email_key.clone().into(),
        u.first_name.clone().into(),
        u.last_name.clone().into(),
        u.description.clone().into(),
        u.status.as_str().into(),
        u.password_hash.clone().into(),
        u.is_super_admin.into(),
        u.is_platform_admin.into(),
        home.map(|h| h.to_string()).into(),
        u.ip_allowlist.clone().into(),
        u.search_document.clone().into(),
        u.language.clone().into(),
        at.millis().into(),
        at.millis().into(),
        1i64.into(),
    ]
}

pub(crate) const INSERT_USER_COLUMNS: [U; 19] = [
    U::Id,
    U::Username,
    U::UsernameKey,
    U::Email,
    U::EmailKey,
    U::FirstName,
    U::LastName,
    U::Description,
    U::Status,
    U::PasswordHash,
    U::IsSuperAdmin,
    U::IsPlatformAdmin,
    U::HomeOrgId,
    U::IpAllowlist,
    U::SearchDocument,
    U::Language,
    U::CreatedAt,
    U::UpdatedAt,
    U::Version,
];

/// `(SELECT seq FROM users WHERE id = …)`, for rows that denormalise the user's sequence.
pub(crate) fn seq_of(user: UserId) -> SimpleExpr {
    SimpleExpr::SubQuery(
        None,
        Box::new(
            Query::select()
                .column(U::Seq)
                .from(U::Table)
                .and_where(Expr::col(U::Id).eq(user.to_string()))
                .to_owned()
                .into(),
        ),
    )
}

impl SqlStore {
    pub(crate) async fn insert_user_in(
        &self,
        conn: &mut AnyConnection,
        u: &NewUser,
        home: Option<OrgId>,
        at: Timestamp,
    ) -> R<UserRecord> {
        exec(
            conn,
            self.build(
                &Query::insert()
                    .into_table(U::Table)
                    .columns(INSERT_USER_COLUMNS)
                    .values_panic(user_values(u, home, at))
                    .to_owned(),
            ),
        )
        .await?;
        self.user_in(conn, u.id)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    /// The one user matching `cond`, if any.
    pub(crate) async fn user_where(
        &self,
        conn: &mut AnyConnection,
        cond: SimpleExpr,
    ) -> R<Option<UserRecord>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(USER_COLUMNS)
                    .from(U::Table)
                    .and_where(cond)
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    pub(crate) async fn user_in(
        &self,
        conn: &mut AnyConnection,
        id: UserId,
    ) -> R<Option<UserRecord>> {
        self.user_where(conn, Expr::col(U::Id).eq(id.to_string()))
            .await
    }

    pub(crate) async fn create_user_q(&self, ctx: &AuditCtx, new: NewUser) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let user = self.create_user_in(&mut tx, ctx, &new).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(user)
    }

    /// A user without a home organization and its `user.create` entry, inside `conn`'s
    /// transaction.
    pub(crate) async fn create_user_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        new: &NewUser,
    ) -> R<UserRecord> {
        let user = self.insert_user_in(conn, new, None, ctx.at).await?;
        self.append_in(
            conn,
            ctx,
            AuditDraft::new("user.create")
                .target("user", user.id)
                .subject(user.id)
                .changes(json!({
                    "status": user.status.as_str(),
                    "super_admin": user.is_super_admin,
                    "platform_admin": user.is_platform_admin,
                }))
                .pii(json!({ "username": user.username, "email": user.email })),
        )
        .await?;
        Ok(user)
    }

    pub(crate) async fn get_user_q(&self, id: UserId) -> R<Option<UserRecord>> {
        let mut conn = self.conn().await?;
        self.user_in(&mut conn, id).await
    }

    pub(crate) async fn super_admin_q(&self) -> R<Option<UserRecord>> {
        let mut conn = self.conn().await?;
        self.user_where(&mut conn, Expr::col(U::IsSuperAdmin).eq(true))
            .await
    }

    pub(crate) async fn find_login_q(&self, key: &str) -> R<Option<(UserRecord, Option<String>)>> {
        let mut conn = self.conn().await?;
        let col = if key.contains('@') {
            U::EmailKey
        } else {
            U::UsernameKey
        };
        let row = fetch_opt(
            &mut conn,
            self.build(
                &Query::select()
                    .columns(USER_COLUMNS)
                    .column(U::PasswordHash)
                    .from(U::Table)
                    .and_where(Expr::col(col).eq(key))
                    .to_owned(),
            ),
        )
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((rows::user(&r)?, rows::os(&r, "password_hash")?))),
        }
    }

    pub(crate) async fn user_memberships_q(&self, id: UserId) -> R<Vec<MembershipRecord>> {
        let mut conn = self.conn().await?;
        let rows = fetch_all(
            &mut conn,
            self.build(
                &Query::select()
                    .columns([(O::Table, O::Id), (O::Table, O::Name), (O::Table, O::Slug)])
                    .columns([(M::Table, M::Kind), (M::Table, M::CreatedAt)])
                    .from(M::Table)
                    .inner_join(
                        O::Table,
                        Expr::col((O::Table, O::Id)).equals((M::Table, M::OrgId)),
                    )
                    .and_where(Expr::col((M::Table, M::UserId)).eq(id.to_string()))
                    .order_by((O::Table, O::NameKey), Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MembershipRecord {
                    org: rows::org_brief(r)?,
                    kind: rows::kind(r, "kind")?,
                    created_at: rows::ts(r, "created_at")?,
                })
            })
            .collect()
    }

    async fn end_sessions_and_keys_in(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        at: Timestamp,
    ) -> R<()> {
        self.delete_sessions_of_in(conn, id).await?;
        exec(
            conn,
            self.build(
                &Query::update()
                    .table(ApiKeys::Table)
                    .value(ApiKeys::RevokedAt, at.millis())
                    .and_where(Expr::col(ApiKeys::UserId).eq(id))
                    .and_where(Expr::col(ApiKeys::RevokedAt).is_null())
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn set_user_status_q(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        status: UserStatus,
    ) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let before = self
            .user_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(U::Table)
                    .value(U::Status, status.as_str())
                    .value(U::UpdatedAt, ctx.at.millis())
                    .value(U::Version, Expr::col(U::Version).add(1))
                    .and_where(Expr::col(U::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        if status == UserStatus::Blocked {
            self.end_sessions_and_keys_in(&mut tx, &id.to_string(), ctx.at)
                .await?;
        }
        let action = if status == UserStatus::Blocked {
            "user.block"
        } else {
            "user.unblock"
        };
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(action)
                .target("user", id)
                .subject(id)
                .changes(json!({ "status": { "before": before.status.as_str(), "after": status.as_str() } })),
        )
        .await?;
        let after = self
            .user_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    /// The user's sessions, and the impersonation sessions they opened as someone else (P9).
    pub(crate) async fn delete_sessions_of_in(&self, conn: &mut AnyConnection, id: &str) -> R<()> {
        self.delete_where(
            conn,
            Sessions::Table,
            Expr::col(Sessions::UserId)
                .eq(id)
                .or(Expr::col(Sessions::ImpersonatorId).eq(id)),
        )
        .await?;
        Ok(())
    }

    /// Removes a user and everything that hangs off them, erasing their personal data from
    /// the audit log (U4, U5), and their emails in the outbox. Runs inside the caller's
    /// transaction.
    /// Role assignments, overrides, data filters and relationships go with the user (ON DELETE
    /// CASCADE).
    pub(crate) async fn delete_user_in(&self, conn: &mut AnyConnection, id: &str) -> R<()> {
        self.delete_sessions_of_in(conn, id).await?;
        crate::outbox::erase_user_in(conn, self, id).await?;
        self.delete_where(conn, ApiKeys::Table, Expr::col(ApiKeys::UserId).eq(id))
            .await?;
        self.delete_where(conn, M::Table, Expr::col(M::UserId).eq(id))
            .await?;
        self.delete_where(conn, U::Table, Expr::col(U::Id).eq(id))
            .await?;
        self.erase_pii_in(conn, id).await
    }

    pub(crate) async fn delete_user_q(&self, ctx: &AuditCtx, id: UserId) -> R<()> {
        let mut tx = self.begin_write().await?;
        let user = self
            .user_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let orgs: Vec<String> = self
            .user_memberships_in(&mut tx, id)
            .await?
            .into_iter()
            .map(|m| m.to_string())
            .collect();
        self.delete_user_in(&mut tx, &id.to_string()).await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("user.delete")
                .target("user", id)
                .subject(id)
                .changes(json!({ "memberships": orgs, "status": user.status.as_str() })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn user_memberships_in(
        &self,
        conn: &mut AnyConnection,
        id: UserId,
    ) -> R<Vec<OrgId>> {
        let rows = fetch_all(
            conn,
            self.build(
                &Query::select()
                    .column(M::OrgId)
                    .from(M::Table)
                    .and_where(Expr::col(M::UserId).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        rows.iter().map(|r| rows::org_id(r, "org_id")).collect()
    }

    pub(crate) async fn update_user_q(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        expected: Option<i64>,
        p: UserPatch,
    ) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let before = self
            .user_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        let mut q = Query::update();
        q.table(U::Table)
            .value(U::UpdatedAt, ctx.at.millis())
            .value(U::Version, before.version + 1)
            .and_where(Expr::col(U::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        let first = p
            .first_name
            .clone()
            .unwrap_or_else(|| before.first_name.clone());
        let last = p
            .last_name
            .clone()
            .unwrap_or_else(|| before.last_name.clone());
        if let Some(v) = &p.first_name {
            q.value(U::FirstName, v.clone());
        }
        if let Some(v) = &p.last_name {
            q.value(U::LastName, v.clone());
        }
        if p.first_name.is_some() || p.last_name.is_some() {
            q.value(
                U::SearchDocument,
                portico_domain::search::user_document(
                    &before.username,
                    &first,
                    &last,
                    &before.email,
                ),
            );
        }
        if let Some(v) = &p.description {
            q.value(U::Description, v.clone());
            changes.insert("description".into(), json!("changed"));
        }
        if let Some(v) = &p.language {
            q.value(U::Language, v.clone());
            changes.insert(
                "language".into(),
                json!({ "before": before.language, "after": v }),
            );
        }
        if let Some(v) = &p.ip_allowlist {
            q.value(U::IpAllowlist, v.clone());
            changes.insert(
                "ip_allowlist".into(),
                json!({ "before": before.ip_allowlist, "after": v }),
            );
        }
        exec(&mut tx, self.build(&q)).await?;
        let mut d = AuditDraft::new("user.update")
            .target("user", id)
            .subject(id)
            .changes(serde_json::Value::Object(changes));
        if p.first_name.is_some() || p.last_name.is_some() {
            d = d.pii(json!({
                "name": { "before": [before.first_name, before.last_name], "after": [first, last] }
            }));
        }
        self.append_in(&mut tx, ctx, d).await?;
        let after = self
            .user_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    pub(crate) async fn record_login_q(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        s: SessionRecord,
        throttle: LoginThrottleKeys,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.throttle_settle_in(&mut tx, &throttle).await?;
        self.insert_session_in(&mut tx, &s).await?;
        self.insert_login_event_in(&mut tx, id, ctx.at).await?;
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(U::Table)
                    .value(U::LastLoginAt, ctx.at.millis())
                    .value(U::Status, UserStatus::Active.as_str())
                    .and_where(Expr::col(U::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("login.success")
                .target("session", s.id)
                .subject(id),
        )
        .await?;
        // Expired sessions are swept by logins, so the table does not grow without bound.
        self.delete_where(
            &mut tx,
            Sessions::Table,
            Expr::col(Sessions::ExpiresAt).lt(ctx.at.millis()),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }
}
