//! Access control's user operations: moving the super-admin flag (P7), copying a user with
//! their access (U7), and impersonation sessions (P9).

use crate::grants::{assignment_values, override_values};
use crate::rows::{self, R};
use crate::schema::{
    ASSIGNMENT_COLUMNS, OVERRIDE_COLUMNS, PermissionOverrides as PO, RoleAssignments as RA,
    Sessions as S, Users as U,
};
use crate::{SqlStore, db_err, exec, fetch_opt};
use portico_domain::ValidationError;
use portico_domain::ids::{AssignmentId, OverrideId, UserId};
use portico_domain::user::UserStatus;
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;

impl SqlStore {
    pub(crate) async fn transfer_super_admin_q(
        &self,
        ctx: &AuditCtx,
        from: UserId,
        to: UserId,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        let current = self
            .user_where(&mut tx, Expr::col(U::IsSuperAdmin).eq(true))
            .await?;
        if current.map(|u| u.id) != Some(from) {
            return Err(StoreError::Conflict {
                kind: "not-super-admin",
                message: "only the current super admin can hand the role over".into(),
            });
        }
        let target = self
            .user_in(&mut tx, to)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        if target.id == from {
            return Err(StoreError::Rule(ValidationError::new(
                "user",
                "this user is already the super admin",
            )));
        }
        if target.status != UserStatus::Active || !target.is_platform_admin {
            return Err(StoreError::Rule(ValidationError::new(
                "user",
                "the new super admin must be an active platform administrator",
            )));
        }
        // One super admin at a time (users_one_super_admin): clear first, then set.
        for (id, flag) in [(from, false), (to, true)] {
            exec(
                &mut tx,
                self.build(
                    &Query::update()
                        .table(U::Table)
                        .value(U::IsSuperAdmin, flag)
                        .value(U::UpdatedAt, ctx.at.millis())
                        .and_where(Expr::col(U::Id).eq(id.to_string()))
                        .to_owned(),
                ),
            )
            .await?;
        }
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("super_admin.transfer")
                .target("user", to)
                .subject(to)
                .changes(json!({ "from": from.to_string(), "to": to.to_string() })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn copy_user_q(
        &self,
        ctx: &AuditCtx,
        source: UserId,
        new: NewUser,
        copy_filters: bool,
    ) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let src = self
            .user_in(&mut tx, source)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let mut new = new;
        new.is_super_admin = false;
        new.is_platform_admin = false;
        let id = new.id;
        let ids = id.to_string();
        self.insert_user_in(&mut tx, &new, src.home_org_id, ctx.at)
            .await?;
        // L1, L2: the copy takes the seats the source holds.
        self.copy_seats_in(&mut tx, ctx, source, id).await?;
        let memberships = exec(
            &mut tx,
            self.raw(
                "INSERT INTO memberships (org_id, user_id, user_seq, kind, created_at) \
                 SELECT m.org_id, ?, (SELECT seq FROM users WHERE id = ?), m.kind, ? \
                 FROM memberships m WHERE m.user_id = ?",
                vec![
                    ids.clone().into(),
                    ids.clone().into(),
                    ctx.at.millis().into(),
                    source.to_string().into(),
                ],
            ),
        )
        .await?;
        let assignments = self
            .assignments_where(&mut tx, Expr::col(RA::UserId).eq(source.to_string()))
            .await?;
        if !assignments.is_empty() {
            let mut q = Query::insert();
            q.into_table(RA::Table).columns(ASSIGNMENT_COLUMNS);
            for a in &assignments {
                let org = self.audit_org_in(&mut tx, a.scope).await?;
                q.values_panic(assignment_values(
                    &AssignmentRecord {
                        id: AssignmentId::generate(),
                        user_id: id,
                        created_at: ctx.at,
                        created_by: ctx.actor,
                        ..a.clone()
                    },
                    org,
                ));
            }
            exec(&mut tx, self.build(&q)).await?;
        }
        let overrides = self
            .overrides_where(&mut tx, Expr::col(PO::UserId).eq(source.to_string()))
            .await?;
        if !overrides.is_empty() {
            let mut q = Query::insert();
            q.into_table(PO::Table).columns(OVERRIDE_COLUMNS);
            for o in &overrides {
                let org = self.audit_org_in(&mut tx, o.scope).await?;
                q.values_panic(override_values(
                    &OverrideRecord {
                        id: OverrideId::generate(),
                        user_id: id,
                        created_at: ctx.at,
                        ..o.clone()
                    },
                    org,
                ));
            }
            exec(&mut tx, self.build(&q)).await?;
        }
        // A3: the copy's memberships give the same applications.
        let applications = exec(
            &mut tx,
            self.raw(
                "INSERT INTO membership_applications (org_id, user_id, app_id, granted_at) \
                 SELECT ma.org_id, ?, ma.app_id, ? FROM membership_applications ma \
                 WHERE ma.user_id = ?",
                vec![
                    ids.clone().into(),
                    ctx.at.millis().into(),
                    source.to_string().into(),
                ],
            ),
        )
        .await?;
        let filters = if copy_filters {
            exec(
                &mut tx,
                self.raw(
                    "INSERT INTO data_filters (user_id, position, filter) \
                     SELECT ?, f.position, f.filter FROM data_filters f WHERE f.user_id = ?",
                    vec![ids.clone().into(), source.to_string().into()],
                ),
            )
            .await?
        } else {
            0
        };
        self.recompute_platform_admin(&mut tx, id).await?;
        self.bump_access(&mut tx).await?;
        let user = self
            .user_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("user.copy")
                .target("user", id)
                .subject(id)
                .changes(json!({
                    "source": source.to_string(),
                    "status": user.status.as_str(),
                    "home_org_id": user.home_org_id.map(|o| o.to_string()),
                    "platform_admin": user.is_platform_admin,
                    "copied": {
                        "memberships": memberships,
                        "assignments": assignments.len(),
                        "overrides": overrides.len(),
                        "filters": filters,
                        "applications": applications,
                    },
                }))
                .pii(json!({ "username": user.username, "email": user.email })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(user)
    }

    pub(crate) async fn start_impersonation_q(
        &self,
        ctx: &AuditCtx,
        session: SessionRecord,
        reason: &str,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.require_user(&mut tx, session.user_id).await?;
        self.insert_session_in(&mut tx, &session).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("impersonation.start")
                .target("session", session.id)
                .subject(session.user_id)
                .changes(json!({
                    "reason": reason,
                    "expires_at": session.expires_at.millis(),
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn end_impersonation_q(&self, ctx: &AuditCtx, token_hash: &str) -> R<()> {
        let mut tx = self.begin_write().await?;
        let row = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .columns([S::Id, S::UserId, S::ImpersonatorId])
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
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("impersonation.end")
                .target("session", rows::s(&row, "id")?)
                .subject(rows::user_id(&row, "user_id")?)
                .changes(json!({ "impersonator_id": rows::os(&row, "impersonator_id")? })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }
}
