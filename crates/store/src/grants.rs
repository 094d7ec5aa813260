//! What users are given (P2–P8): role assignments, grants and denials, data filters and
//! relationships. Every write bumps the access version in its transaction.

use crate::rows::{self, R};
use crate::schema::{
    ASSIGNMENT_COLUMNS, DataFilters as F, OVERRIDE_COLUMNS, Organizations as O,
    PermissionOverrides as PO, RELATIONSHIP_COLUMNS, Relationships as RS, RoleAssignments as RA,
    Users as U,
};
use crate::{SqlStore, db_err, exec, fetch_all};
use portico_domain::access::DataFilter;
use portico_domain::ids::{AssignmentId, OrgId, OverrideId, UserId};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use serde_json::json;
use sqlx::AnyConnection;

/// The row of an assignment; `org` is the organization its scope lies in (a project's
/// organization for a project), so that deleting the organization deletes it.
pub(crate) fn assignment_values(a: &AssignmentRecord, org: Option<OrgId>) -> Vec<SimpleExpr> {
    vec![
        a.id.to_string().into(),
        a.user_id.to_string().into(),
        a.role_id.to_string().into(),
        a.scope.key().into(),
        org.map(|o| o.to_string()).into(),
        a.expires_at.map(|e| e.millis()).into(),
        a.created_at.millis().into(),
        a.created_by.map(|u| u.to_string()).into(),
    ]
}

/// The row of an override; `org` as for [`assignment_values`].
pub(crate) fn override_values(o: &OverrideRecord, org: Option<OrgId>) -> Vec<SimpleExpr> {
    vec![
        o.id.to_string().into(),
        o.user_id.to_string().into(),
        o.effect.as_str().into(),
        o.permission.clone().into(),
        o.scope.key().into(),
        org.map(|o| o.to_string()).into(),
        o.created_at.millis().into(),
    ]
}

fn filter_json(f: &DataFilter) -> R<String> {
    serde_json::to_string(f).map_err(|e| StoreError::Backend(format!("data filter: {e}")))
}

impl SqlStore {
    pub(crate) async fn require_user(&self, conn: &mut AnyConnection, id: UserId) -> R<()> {
        if self
            .exists_in(conn, U::Table, Expr::col(U::Id).eq(id.to_string()))
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::NotFound("user"))
        }
    }

    pub(crate) async fn require_org(&self, conn: &mut AnyConnection, id: OrgId) -> R<()> {
        if self
            .exists_in(conn, O::Table, Expr::col(O::Id).eq(id.to_string()))
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::NotFound("organization"))
        }
    }

    /// `is_platform_admin` means "holds a role assignment at the platform".
    pub(crate) async fn recompute_platform_admin(
        &self,
        conn: &mut AnyConnection,
        user: UserId,
    ) -> R<()> {
        let u = user.to_string();
        exec(
            conn,
            self.raw(
                "UPDATE users SET is_platform_admin = EXISTS (SELECT 1 FROM role_assignments a \
                 WHERE a.user_id = ? AND a.scope = 'platform') WHERE id = ?",
                vec![u.clone().into(), u.into()],
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn assignments_where(
        &self,
        conn: &mut AnyConnection,
        cond: SimpleExpr,
    ) -> R<Vec<AssignmentRecord>> {
        fetch_all(
            conn,
            self.build(
                &Query::select()
                    .columns(ASSIGNMENT_COLUMNS)
                    .from(RA::Table)
                    .and_where(cond)
                    .order_by(RA::CreatedAt, Order::Asc)
                    .order_by(RA::Id, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(rows::assignment)
        .collect()
    }

    pub(crate) async fn overrides_where(
        &self,
        conn: &mut AnyConnection,
        cond: SimpleExpr,
    ) -> R<Vec<OverrideRecord>> {
        fetch_all(
            conn,
            self.build(
                &Query::select()
                    .columns(OVERRIDE_COLUMNS)
                    .from(PO::Table)
                    .and_where(cond)
                    .order_by(PO::CreatedAt, Order::Asc)
                    .order_by(PO::Id, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(rows::override_)
        .collect()
    }

    pub(crate) async fn add_assignment_q(
        &self,
        ctx: &AuditCtx,
        a: AssignmentRecord,
    ) -> R<AssignmentRecord> {
        let mut tx = self.begin_write().await?;
        self.require_user(&mut tx, a.user_id).await?;
        let role = self.role_in(&mut tx, a.role_id).await?;
        let org = self.scope_org_in(&mut tx, a.scope).await?;
        // L1, L2: a live role at an organization's own scope takes a back-office seat there.
        if let ScopeRef::Org(o) = a.scope
            && a.expires_at.is_none_or(|e| e > ctx.at)
        {
            self.take_seat_in(&mut tx, ctx, o, a.user_id, SeatKind::BackOffice)
                .await?;
        }
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(RA::Table)
                    .columns(ASSIGNMENT_COLUMNS)
                    .values_panic(assignment_values(&a, org))
                    .to_owned(),
            ),
        )
        .await?;
        if a.scope == ScopeRef::Platform {
            self.recompute_platform_admin(&mut tx, a.user_id).await?;
        }
        self.bump_access(&mut tx).await?;
        let mut d = AuditDraft::new("assignment.add")
            .target("role_assignment", a.id)
            .subject(a.user_id)
            .changes(json!({
                "role_id": role.id.to_string(),
                "role": role.key,
                "scope": a.scope,
                "expires_at": a.expires_at.map(|e| e.millis()),
            }));
        if let Some(o) = org {
            d = d.org(o);
        }
        self.append_in(&mut tx, ctx, d).await?;
        let stored = self
            .assignments_where(&mut tx, Expr::col(RA::Id).eq(a.id.to_string()))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("role assignment"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }

    pub(crate) async fn remove_assignment_q(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        id: AssignmentId,
    ) -> R<AssignmentRecord> {
        let mut tx = self.begin_write().await?;
        let cond = Expr::col(RA::Id)
            .eq(id.to_string())
            .and(Expr::col(RA::UserId).eq(user.to_string()));
        let a = self
            .assignments_where(&mut tx, cond.clone())
            .await?
            .pop()
            .ok_or(StoreError::NotFound("role assignment"))?;
        self.delete_where(&mut tx, RA::Table, cond).await?;
        if a.scope == ScopeRef::Platform {
            self.recompute_platform_admin(&mut tx, user).await?;
        }
        self.bump_access(&mut tx).await?;
        let mut d = AuditDraft::new("assignment.remove")
            .target("role_assignment", id)
            .subject(user)
            .changes(json!({ "role_id": a.role_id.to_string(), "scope": a.scope }));
        if let Some(o) = self.audit_org_in(&mut tx, a.scope).await? {
            d = d.org(o);
        }
        self.append_in(&mut tx, ctx, d).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(a)
    }

    pub(crate) async fn add_override_q(
        &self,
        ctx: &AuditCtx,
        o: OverrideRecord,
    ) -> R<OverrideRecord> {
        let mut tx = self.begin_write().await?;
        self.require_user(&mut tx, o.user_id).await?;
        let org = self.scope_org_in(&mut tx, o.scope).await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(PO::Table)
                    .columns(OVERRIDE_COLUMNS)
                    .values_panic(override_values(&o, org))
                    .to_owned(),
            ),
        )
        .await?;
        self.bump_access(&mut tx).await?;
        let mut d = AuditDraft::new("override.add")
            .target("permission_override", o.id)
            .subject(o.user_id)
            .changes(json!({
                "effect": o.effect.as_str(),
                "permission": o.permission,
                "scope": o.scope,
            }));
        if let Some(org) = org {
            d = d.org(org);
        }
        self.append_in(&mut tx, ctx, d).await?;
        let stored = self
            .overrides_where(&mut tx, Expr::col(PO::Id).eq(o.id.to_string()))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("permission override"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }

    pub(crate) async fn remove_override_q(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        id: OverrideId,
    ) -> R<OverrideRecord> {
        let mut tx = self.begin_write().await?;
        let cond = Expr::col(PO::Id)
            .eq(id.to_string())
            .and(Expr::col(PO::UserId).eq(user.to_string()));
        let o = self
            .overrides_where(&mut tx, cond.clone())
            .await?
            .pop()
            .ok_or(StoreError::NotFound("permission override"))?;
        self.delete_where(&mut tx, PO::Table, cond).await?;
        self.bump_access(&mut tx).await?;
        let mut d = AuditDraft::new("override.remove")
            .target("permission_override", id)
            .subject(user)
            .changes(json!({
                "effect": o.effect.as_str(),
                "permission": o.permission,
                "scope": o.scope,
            }));
        if let Some(org) = self.audit_org_in(&mut tx, o.scope).await? {
            d = d.org(org);
        }
        self.append_in(&mut tx, ctx, d).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(o)
    }

    /// Writes `filters` as the user's filters, in order (the caller's transaction).
    pub(crate) async fn insert_filters_in(
        &self,
        conn: &mut AnyConnection,
        user: UserId,
        filters: &[DataFilter],
    ) -> R<()> {
        if filters.is_empty() {
            return Ok(());
        }
        let mut q = Query::insert();
        q.into_table(F::Table)
            .columns([F::UserId, F::Position, F::Filter]);
        for (n, f) in filters.iter().enumerate() {
            q.values_panic([
                user.to_string().into(),
                (n as i64).into(),
                filter_json(f)?.into(),
            ]);
        }
        exec(conn, self.build(&q)).await?;
        Ok(())
    }

    pub(crate) async fn set_filters_q(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        filters: Vec<DataFilter>,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.require_user(&mut tx, user).await?;
        let before = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .column(F::Filter)
                    .from(F::Table)
                    .and_where(Expr::col(F::UserId).eq(user.to_string()))
                    .order_by(F::Position, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(|r| {
            let text = rows::s(r, "filter")?;
            Ok(serde_json::from_str::<serde_json::Value>(&text).unwrap_or(json!(text)))
        })
        .collect::<R<Vec<_>>>()?;
        self.delete_where(&mut tx, F::Table, Expr::col(F::UserId).eq(user.to_string()))
            .await?;
        self.insert_filters_in(&mut tx, user, &filters).await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("filters.set")
                .target("user", user)
                .subject(user)
                .changes(json!({ "before": before, "after": filters })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    // --- relationships (P8) ------------------------------------------------------------

    fn relationship_cond(r: &RelationshipRecord) -> SimpleExpr {
        Expr::col(RS::OrgId)
            .eq(r.org_id.to_string())
            .and(Expr::col(RS::Relation).eq(r.relation.as_str()))
            .and(Expr::col(RS::FromUserId).eq(r.from_user_id.to_string()))
            .and(Expr::col(RS::ToUserId).eq(r.to_user_id.to_string()))
    }

    fn relationship_audit(action: &'static str, r: &RelationshipRecord) -> AuditDraft {
        AuditDraft::new(action)
            .target("user", r.to_user_id)
            .org(r.org_id)
            .subject(r.to_user_id)
            .changes(json!({
                "relation": r.relation,
                "from_user_id": r.from_user_id.to_string(),
                "to_user_id": r.to_user_id.to_string(),
            }))
    }

    pub(crate) async fn add_relationship_q(&self, ctx: &AuditCtx, r: RelationshipRecord) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, r.org_id).await?;
        self.require_user(&mut tx, r.from_user_id).await?;
        self.require_user(&mut tx, r.to_user_id).await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(RS::Table)
                    .columns(RELATIONSHIP_COLUMNS)
                    .values_panic([
                        r.org_id.to_string().into(),
                        r.relation.clone().into(),
                        r.from_user_id.to_string().into(),
                        r.to_user_id.to_string().into(),
                        r.created_at.millis().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            Self::relationship_audit("relationship.add", &r),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn remove_relationship_q(
        &self,
        ctx: &AuditCtx,
        r: RelationshipRecord,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        let n = self
            .delete_where(&mut tx, RS::Table, Self::relationship_cond(&r))
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("relationship"));
        }
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            Self::relationship_audit("relationship.remove", &r),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }

    async fn relationships_where(&self, cond: SimpleExpr) -> R<Vec<RelationshipRecord>> {
        let mut conn = self.conn().await?;
        fetch_all(
            &mut conn,
            self.build(
                &Query::select()
                    .columns(RELATIONSHIP_COLUMNS)
                    .from(RS::Table)
                    .and_where(cond)
                    .order_by(RS::OrgId, Order::Asc)
                    .order_by(RS::Relation, Order::Asc)
                    .order_by(RS::FromUserId, Order::Asc)
                    .order_by(RS::ToUserId, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(rows::relationship)
        .collect()
    }

    pub(crate) async fn list_relationships_q(&self, org: OrgId) -> R<Vec<RelationshipRecord>> {
        self.relationships_where(Expr::col(RS::OrgId).eq(org.to_string()))
            .await
    }

    pub(crate) async fn relations_between_q(
        &self,
        from: UserId,
        to: UserId,
    ) -> R<Vec<RelationshipRecord>> {
        self.relationships_where(
            Expr::col(RS::FromUserId)
                .eq(from.to_string())
                .and(Expr::col(RS::ToUserId).eq(to.to_string())),
        )
        .await
    }
}
