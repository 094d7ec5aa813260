//! Access control (P1–P10): the access version, loading the engine's data, roles, bootstrap
//! and import. Assignments, overrides, filters and relationships are in `grants.rs`.

use crate::rows::{self, R};
use crate::schema::{
    ASSIGNMENT_COLUMNS, AccessState, DataFilters as F, OVERRIDE_COLUMNS, Organizations as O,
    PermissionOverrides as PO, ROLE_COLUMNS, RoleAssignments as RA, Roles, Users as U,
};
use crate::{Backend, SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::ids::{AssignmentId, RoleId};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, IntoIden, Order, Query, SimpleExpr, UpdateStatement};
use serde_json::json;
use sqlx::AnyConnection;

/// The comparison key of a role name: unique per level.
pub(crate) fn role_name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn role_values(r: &RoleRecord) -> Vec<SimpleExpr> {
    vec![
        r.id.to_string().into(),
        r.key.clone().into(),
        r.name.clone().into(),
        role_name_key(&r.name).into(),
        r.level.as_str().into(),
        r.description.clone().into(),
        rows::join_keys(&r.permissions).into(),
        r.reach.clone().into(),
        r.preset.into(),
        r.created_at.millis().into(),
        r.updated_at.millis().into(),
        r.version.into(),
    ]
}

fn in_use(n: i64) -> StoreError {
    StoreError::Conflict {
        kind: "role-in-use",
        message: format!(
            "this role is assigned to {n} user{}: remove its assignments first",
            if n == 1 { "" } else { "s" }
        ),
    }
}

fn preset_read_only() -> StoreError {
    StoreError::Conflict {
        kind: "preset-read-only",
        message: "preset roles are read-only".into(),
    }
}

/// [`SqlStore::bump_access`]'s statement, for a caller that runs its own (the bulk import).
pub(crate) fn bump_access_statement() -> UpdateStatement {
    Query::update()
        .table(AccessState::Table)
        .value(AccessState::Version, Expr::col(AccessState::Version).add(1))
        .and_where(Expr::col(AccessState::Id).eq(1))
        .to_owned()
}

impl SqlStore {
    /// Every transaction that changes what the engine is built from calls this, so that each
    /// server process notices on its next request and rebuilds its engine.
    pub(crate) async fn bump_access(&self, conn: &mut AnyConnection) -> R<()> {
        exec(conn, self.build(&bump_access_statement())).await?;
        Ok(())
    }

    async fn access_version_in(&self, conn: &mut AnyConnection) -> R<i64> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .column(AccessState::Version)
                    .from(AccessState::Table)
                    .and_where(Expr::col(AccessState::Id).eq(1))
                    .to_owned(),
            ),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("access state row is missing".into()))?;
        rows::i(&row, "version")
    }

    pub(crate) async fn access_version_q(&self) -> R<i64> {
        let mut conn = self.conn().await?;
        self.access_version_in(&mut conn).await
    }

    /// Is there a row in `table` matching `cond`?
    pub(crate) async fn exists_in<T: IntoIden>(
        &self,
        conn: &mut AnyConnection,
        table: T,
        cond: SimpleExpr,
    ) -> R<bool> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .expr_as(Expr::val(1), "one")
                    .from(table)
                    .and_where(cond)
                    .limit(1)
                    .to_owned(),
            ),
        )
        .await?;
        Ok(row.is_some())
    }

    pub(crate) async fn role_where(
        &self,
        conn: &mut AnyConnection,
        cond: SimpleExpr,
    ) -> R<Option<RoleRecord>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(ROLE_COLUMNS)
                    .from(Roles::Table)
                    .and_where(cond)
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(rows::role).transpose()
    }

    pub(crate) async fn role_in(&self, conn: &mut AnyConnection, id: RoleId) -> R<RoleRecord> {
        self.role_where(conn, Expr::col(Roles::Id).eq(id.to_string()))
            .await?
            .ok_or(StoreError::NotFound("role"))
    }

    async fn insert_roles_in(&self, conn: &mut AnyConnection, roles: &[RoleRecord]) -> R<()> {
        for chunk in roles.chunks(200) {
            let mut q = Query::insert();
            q.into_table(Roles::Table).columns(ROLE_COLUMNS);
            for r in chunk {
                q.values_panic(role_values(r));
            }
            exec(conn, self.build(&q)).await?;
        }
        Ok(())
    }

    /// Everything the engine is built from, as one snapshot: the version is read first, so
    /// the rows are at least as new as the version they are cached under.
    pub(crate) async fn load_access_q(&self) -> R<AccessData> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN").await,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
            }
        }
        .map_err(db_err)?;
        let version = self.access_version_in(&mut tx).await?;
        let org_rows = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .columns([O::Id, O::ParentId, O::Tags, O::Attributes])
                    .from(O::Table)
                    .to_owned(),
            ),
        )
        .await?;
        let mut orgs = Vec::with_capacity(org_rows.len());
        for r in &org_rows {
            orgs.push(AccessOrg {
                id: rows::org_id(r, "id")?,
                parent_id: rows::oorg_id(r, "parent_id")?,
                tags: serde_json::from_str(&rows::s(r, "tags")?)
                    .map_err(|e| StoreError::Backend(format!("column tags: {e}")))?,
                attributes: serde_json::from_str(&rows::s(r, "attributes")?)
                    .map_err(|e| StoreError::Backend(format!("column attributes: {e}")))?,
            });
        }
        let project_rows = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .columns([
                        crate::schema::Projects::Id,
                        crate::schema::Projects::OrganizationId,
                    ])
                    .from(crate::schema::Projects::Table)
                    .order_by(crate::schema::Projects::Id, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        let mut projects = Vec::with_capacity(project_rows.len());
        for r in &project_rows {
            projects.push(AccessProject {
                id: portico_domain::ids::ProjectId::parse(&rows::s(r, "id")?)
                    .map_err(|e| StoreError::Backend(format!("column id: {e}")))?,
                org_id: rows::org_id(r, "organization_id")?,
            });
        }
        let roles = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .columns(ROLE_COLUMNS)
                    .from(Roles::Table)
                    .order_by(Roles::Level, Order::Asc)
                    .order_by(Roles::NameKey, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(rows::role)
        .collect::<R<Vec<_>>>()?;
        let assignments = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .columns(ASSIGNMENT_COLUMNS)
                    .from(RA::Table)
                    .order_by(RA::UserId, Order::Asc)
                    .order_by(RA::Id, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(rows::assignment)
        .collect::<R<Vec<_>>>()?;
        let overrides = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .columns(OVERRIDE_COLUMNS)
                    .from(PO::Table)
                    .order_by(PO::UserId, Order::Asc)
                    .order_by(PO::Id, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(rows::override_)
        .collect::<R<Vec<_>>>()?;
        let filter_rows = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .columns([F::UserId, F::Filter])
                    .from(F::Table)
                    .order_by(F::UserId, Order::Asc)
                    .order_by(F::Position, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        let mut filters = Vec::with_capacity(filter_rows.len());
        for r in &filter_rows {
            let f = serde_json::from_str(&rows::s(r, "filter")?)
                .map_err(|e| StoreError::Backend(format!("column filter: {e}")))?;
            filters.push((rows::user_id(r, "user_id")?, f));
        }
        let super_admin = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .column(U::Id)
                    .from(U::Table)
                    .and_where(Expr::col(U::IsSuperAdmin).eq(true))
                    .to_owned(),
            ),
        )
        .await?
        .map(|r| rows::user_id(&r, "id"))
        .transpose()?;
        let app_permissions = self.app_permissions_in(&mut tx, None).await?;
        let policies = self.policies_in(&mut tx).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(AccessData {
            policies,
            app_permissions,
            version,
            orgs,
            projects,
            roles,
            assignments,
            overrides,
            filters,
            super_admin,
        })
    }

    pub(crate) async fn bootstrap_access_q(
        &self,
        ctx: &AuditCtx,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> R<bool> {
        let mut tx = self.begin_write().await?;
        let done = self
            .bootstrap_access_in(&mut tx, ctx, roles, admin_role)
            .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(done)
    }

    /// `portico init`: the super admin and the preset's roles in one transaction, so a failure
    /// in between cannot leave a super admin without the chosen preset.
    pub(crate) async fn init_installation_q(
        &self,
        ctx: &AuditCtx,
        new: NewUser,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> R<UserRecord> {
        let mut tx = self.begin_write().await?;
        let user = self.create_user_in(&mut tx, ctx, &new).await?;
        if !self
            .bootstrap_access_in(&mut tx, ctx, roles, admin_role)
            .await?
        {
            return Err(StoreError::Conflict {
                kind: "roles-exist",
                message: "this installation has roles already; import a preset with `portico role import`"
                    .into(),
            });
        }
        tx.commit().await.map_err(db_err)?;
        self.user_in(&mut *self.conn().await?, user.id)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    async fn bootstrap_access_in(
        &self,
        tx: &mut AnyConnection,
        ctx: &AuditCtx,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> R<bool> {
        let row = fetch_opt(tx, self.raw("SELECT COUNT(*) AS n FROM roles", vec![])).await?;
        if row.map(|r| rows::i(&r, "n")).transpose()?.unwrap_or(0) > 0 {
            return Ok(false);
        }
        if !roles.iter().any(|r| r.id == admin_role) {
            return Err(StoreError::NotFound("role"));
        }
        self.insert_roles_in(tx, &roles).await?;
        let admins = fetch_all(
            tx,
            self.build(
                &Query::select()
                    .column(U::Id)
                    .from(U::Table)
                    .cond_where(
                        Expr::col(U::IsSuperAdmin)
                            .eq(true)
                            .or(Expr::col(U::IsPlatformAdmin).eq(true)),
                    )
                    .order_by(U::Seq, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(|r| rows::user_id(r, "id"))
        .collect::<R<Vec<_>>>()?;
        for chunk in admins.chunks(500) {
            let mut q = Query::insert();
            q.into_table(RA::Table).columns(ASSIGNMENT_COLUMNS);
            for u in chunk {
                q.values_panic([
                    AssignmentId::generate().to_string().into(),
                    u.to_string().into(),
                    admin_role.to_string().into(),
                    ScopeRef::Platform.key().into(),
                    Option::<String>::None.into(),
                    Option::<i64>::None.into(),
                    ctx.at.millis().into(),
                    ctx.actor.map(|a| a.to_string()).into(),
                ]);
            }
            exec(tx, self.build(&q)).await?;
            let ids: Vec<String> = chunk.iter().map(|u| u.to_string()).collect();
            exec(
                tx,
                self.build(
                    &Query::update()
                        .table(U::Table)
                        .value(U::IsPlatformAdmin, true)
                        .and_where(Expr::col(U::Id).is_in(ids.clone()))
                        .to_owned(),
                ),
            )
            .await?;
            exec(
                tx,
                self.build(
                    &Query::update()
                        .table(U::Table)
                        .value(U::IpAllowlist, "*")
                        .and_where(Expr::col(U::Id).is_in(ids))
                        .cond_where(
                            Expr::col(U::IpAllowlist)
                                .is_null()
                                .or(Expr::col(U::IpAllowlist).eq("")),
                        )
                        .to_owned(),
                ),
            )
            .await?;
        }
        self.bump_access(tx).await?;
        self.append_in(
            tx,
            ctx,
            AuditDraft::new("access.bootstrap").changes(json!({
                "roles": roles.iter().map(|r| &r.key).collect::<Vec<_>>(),
                "admin_role": admin_role.to_string(),
                "administrators": admins.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            })),
        )
        .await?;
        Ok(true)
    }

    pub(crate) async fn import_roles_q(&self, ctx: &AuditCtx, roles: Vec<RoleRecord>) -> R<usize> {
        let mut tx = self.begin_write().await?;
        let taken: std::collections::HashSet<String> = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .column(Roles::Key)
                    .from(Roles::Table)
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(|r| rows::s(r, "key"))
        .collect::<R<_>>()?;
        let new: Vec<RoleRecord> = roles
            .into_iter()
            .filter(|r| !taken.contains(&r.key))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        self.insert_roles_in(&mut tx, &new).await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("roles.import").changes(json!({
                "keys": new.iter().map(|r| &r.key).collect::<Vec<_>>(),
            })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(new.len())
    }

    pub(crate) async fn create_role_q(&self, ctx: &AuditCtx, role: RoleRecord) -> R<RoleRecord> {
        let mut tx = self.begin_write().await?;
        self.insert_roles_in(&mut tx, std::slice::from_ref(&role))
            .await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("role.create")
                .target("role", role.id)
                .changes(json!({
                    "key": role.key,
                    "name": role.name,
                    "level": role.level.as_str(),
                    "description": role.description,
                    "permissions": role.permissions,
                    "reach": role.reach,
                })),
        )
        .await?;
        let stored = self.role_in(&mut tx, role.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }

    pub(crate) async fn update_role_q(
        &self,
        ctx: &AuditCtx,
        id: RoleId,
        expected: Option<i64>,
        p: RolePatch,
    ) -> R<RoleRecord> {
        let mut tx = self.begin_write().await?;
        let before = self.role_in(&mut tx, id).await?;
        if before.preset {
            return Err(preset_read_only());
        }
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        let mut q = Query::update();
        q.table(Roles::Table)
            .value(Roles::UpdatedAt, ctx.at.millis())
            .value(Roles::Version, before.version + 1)
            .and_where(Expr::col(Roles::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        let mut change = |k: &str, b: serde_json::Value, a: serde_json::Value| {
            if a != b {
                changes.insert(k.into(), json!({ "before": b, "after": a }));
            }
        };
        if let Some(v) = &p.name {
            q.value(Roles::Name, v.clone())
                .value(Roles::NameKey, role_name_key(v));
            change("name", json!(before.name), json!(v));
        }
        if let Some(v) = &p.description {
            q.value(Roles::Description, v.clone());
            change("description", json!(before.description), json!(v));
        }
        if let Some(v) = &p.permissions {
            q.value(Roles::Permissions, rows::join_keys(v));
            change("permissions", json!(before.permissions), json!(v));
        }
        exec(&mut tx, self.build(&q)).await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("role.update")
                .target("role", id)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        let after = self.role_in(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    pub(crate) async fn delete_role_q(&self, ctx: &AuditCtx, id: RoleId) -> R<RoleRecord> {
        let mut tx = self.begin_write().await?;
        let role = self.role_in(&mut tx, id).await?;
        if role.preset {
            return Err(preset_read_only());
        }
        let row = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .expr_as(Expr::cust("COUNT(DISTINCT user_id)"), "n")
                    .from(RA::Table)
                    .and_where(Expr::col(RA::RoleId).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        let holders = row.map(|r| rows::i(&r, "n")).transpose()?.unwrap_or(0);
        if holders > 0 {
            return Err(in_use(holders));
        }
        self.delete_where(
            &mut tx,
            Roles::Table,
            Expr::col(Roles::Id).eq(id.to_string()),
        )
        .await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("role.delete")
                .target("role", id)
                .changes(json!({
                    "key": role.key,
                    "name": role.name,
                    "level": role.level.as_str(),
                    "permissions": role.permissions,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(role)
    }
}
