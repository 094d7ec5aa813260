//! Applications (A1–A5): definitions, assignment to organizations, per-membership access
//! and registered permissions. Every write is one transaction with its audit entry; taking an
//! application seat is checked inside it (`licenses.rs`).

use crate::audit::paginate;
use crate::orgs::bad_cursor;
use crate::rows::{self, R};
use crate::schema::{
    APP_COLUMNS, ApplicationPermissions as AP, Applications as A, MembershipApplications as MA,
    OrganizationApplications as OA,
};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::ids::AppId;
use portico_domain::page::{Page, PageRequest};
use portico_domain::{SeatLimit, ValidationError};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;

const APP_PERMISSIONS_SQL: &str = "SELECT p.key, p.app_id, p.description, p.levels, p.created_at, \
    a.slug AS app_slug, a.name AS app_name FROM application_permissions p \
    JOIN applications a ON a.id = p.app_id";

fn app_select() -> sea_query::SelectStatement {
    Query::select()
        .columns(APP_COLUMNS)
        .from(A::Table)
        .to_owned()
}

impl SqlStore {
    pub(crate) async fn app_in(&self, conn: &mut AnyConnection, id: AppId) -> R<Option<AppRecord>> {
        let row = fetch_opt(
            conn,
            self.build(
                &app_select()
                    .and_where(Expr::col(A::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(rows::app).transpose()
    }

    pub(crate) async fn require_app_in(&self, conn: &mut AnyConnection, id: AppId) -> R<AppRecord> {
        self.app_in(conn, id)
            .await?
            .ok_or(StoreError::NotFound("application"))
    }

    pub(crate) async fn get_app_q(&self, id: AppId) -> R<Option<AppRecord>> {
        let mut conn = self.conn().await?;
        self.app_in(&mut conn, id).await
    }

    pub(crate) async fn list_apps_q(&self, page: &PageRequest) -> R<Page<AppRecord>> {
        let mut q = app_select();
        q.order_by(A::NameKey, Order::Asc)
            .order_by(A::Id, Order::Asc)
            .limit(page.limit as u64 + 1);
        if let Some(after) = &page.after {
            let (name, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            q.cond_where(
                Cond::any()
                    .add(Expr::col(A::NameKey).gt(name))
                    .add(Expr::col(A::NameKey).eq(name).and(Expr::col(A::Id).gt(id))),
            );
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let items = rows.iter().map(rows::app).collect::<R<Vec<_>>>()?;
        Ok(paginate(items, page.limit, |a| {
            format!("{}\u{1f}{}", a.name.to_lowercase(), a.id)
        }))
    }

    pub(crate) async fn create_app_q(&self, ctx: &AuditCtx, new: NewApp) -> R<AppSaved> {
        let mut tx = self.begin_write().await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(A::Table)
                    .columns([
                        A::Id,
                        A::Name,
                        A::NameKey,
                        A::Slug,
                        A::Description,
                        A::Status,
                        A::AutoAssigned,
                        A::IsDefault,
                        A::CreatedAt,
                        A::UpdatedAt,
                        A::Version,
                    ])
                    .values_panic([
                        new.id.to_string().into(),
                        new.name.clone().into(),
                        new.name.to_lowercase().into(),
                        new.slug.clone().into(),
                        new.description.clone().into(),
                        new.status.as_str().into(),
                        new.auto_assigned.into(),
                        new.is_default.into(),
                        ctx.at.millis().into(),
                        ctx.at.millis().into(),
                        1i64.into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        let report = if new.auto_assigned {
            Some(self.auto_assign_in(&mut tx, ctx, new.id).await?)
        } else {
            None
        };
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("application.create")
                .target("application", new.id)
                .changes(json!({
                    "name": new.name, "slug": new.slug, "status": new.status.as_str(),
                    "auto_assigned": new.auto_assigned, "is_default": new.is_default,
                    "auto_assignment": report,
                })),
        )
        .await?;
        let app = self.require_app_in(&mut tx, new.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(AppSaved {
            app,
            auto_assignment: report,
        })
    }

    pub(crate) async fn update_app_q(
        &self,
        ctx: &AuditCtx,
        id: AppId,
        expected: Option<i64>,
        p: AppPatch,
    ) -> R<AppSaved> {
        let mut tx = self.begin_write().await?;
        let before = self.require_app_in(&mut tx, id).await?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        let mut q = Query::update();
        q.table(A::Table)
            .value(A::UpdatedAt, ctx.at.millis())
            .value(A::Version, before.version + 1)
            .and_where(Expr::col(A::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        let mut change = |k: &str, b: serde_json::Value, a: serde_json::Value| {
            if a != b {
                changes.insert(k.into(), json!({ "before": b, "after": a }));
            }
        };
        if let Some(v) = &p.name {
            q.value(A::Name, v.clone())
                .value(A::NameKey, v.to_lowercase());
            change("name", json!(before.name), json!(v));
        }
        if let Some(v) = &p.slug {
            q.value(A::Slug, v.clone());
            change("slug", json!(before.slug), json!(v));
        }
        if let Some(v) = &p.description {
            q.value(A::Description, v.clone());
            change("description", json!(before.description), json!(v));
        }
        if let Some(v) = p.status {
            q.value(A::Status, v.as_str());
            change("status", json!(before.status.as_str()), json!(v.as_str()));
        }
        if let Some(v) = p.auto_assigned {
            q.value(A::AutoAssigned, v);
            change("auto_assigned", json!(before.auto_assigned), json!(v));
        }
        if let Some(v) = p.is_default {
            q.value(A::IsDefault, v);
            change("is_default", json!(before.is_default), json!(v));
        }
        exec(&mut tx, self.build(&q)).await?;
        let report = if p.auto_assigned == Some(true) && !before.auto_assigned {
            let r = self.auto_assign_in(&mut tx, ctx, id).await?;
            changes.insert("auto_assignment".into(), json!(r));
            Some(r)
        } else {
            None
        };
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("application.update")
                .target("application", id)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        let app = self.require_app_in(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(AppSaved {
            app,
            auto_assignment: report,
        })
    }

    async fn app_delete_preview_in(&self, conn: &mut AnyConnection, id: AppId) -> R<AppDeleted> {
        let app = self.require_app_in(conn, id).await?;
        let count = |table: &str| {
            self.raw(
                &format!("SELECT COUNT(*) AS n FROM {table} WHERE app_id = ?"),
                vec![id.to_string().into()],
            )
        };
        let n = |r: Option<sqlx::any::AnyRow>| -> R<i64> {
            r.map(|r| rows::i(&r, "n"))
                .transpose()
                .map(|v| v.unwrap_or(0))
        };
        let organizations = n(fetch_opt(conn, count("organization_applications")).await?)?;
        let members = n(fetch_opt(conn, count("membership_applications")).await?)?;
        let permissions = n(fetch_opt(conn, count("application_permissions")).await?)?;
        Ok(AppDeleted {
            app,
            organizations,
            members,
            permissions,
        })
    }

    pub(crate) async fn app_delete_preview_q(&self, id: AppId) -> R<AppDeleted> {
        let mut conn = self.conn().await?;
        self.app_delete_preview_in(&mut conn, id).await
    }

    pub(crate) async fn delete_app_q(&self, ctx: &AuditCtx, id: AppId) -> R<AppDeleted> {
        let mut tx = self.begin_write().await?;
        let p = self.app_delete_preview_in(&mut tx, id).await?;
        let ids = id.to_string();
        self.delete_where(&mut tx, MA::Table, Expr::col(MA::AppId).eq(ids.clone()))
            .await?;
        self.delete_where(&mut tx, OA::Table, Expr::col(OA::AppId).eq(ids.clone()))
            .await?;
        self.delete_where(&mut tx, AP::Table, Expr::col(AP::AppId).eq(ids.clone()))
            .await?;
        self.delete_where(&mut tx, A::Table, Expr::col(A::Id).eq(ids))
            .await?;
        if p.permissions > 0 {
            // Its permissions leave the catalogue: every process rebuilds.
            self.bump_access(&mut tx).await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("application.delete")
                .target("application", id)
                .changes(json!({
                    "name": p.app.name, "slug": p.app.slug,
                    "organizations": p.organizations, "members": p.members,
                    "permissions": p.permissions,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(p)
    }

    pub(crate) async fn app_permissions_in(
        &self,
        conn: &mut AnyConnection,
        app: Option<AppId>,
    ) -> R<Vec<AppPermissionRecord>> {
        let (sql, values) = match app {
            Some(a) => (
                format!("{APP_PERMISSIONS_SQL} WHERE p.app_id = ? ORDER BY p.seq"),
                vec![a.to_string().into()],
            ),
            None => (format!("{APP_PERMISSIONS_SQL} ORDER BY p.seq"), vec![]),
        };
        let rows = fetch_all(conn, self.raw(&sql, values)).await?;
        rows.iter().map(rows::app_permission).collect()
    }

    pub(crate) async fn app_permissions_q(
        &self,
        app: Option<AppId>,
    ) -> R<Vec<AppPermissionRecord>> {
        let mut conn = self.conn().await?;
        self.app_permissions_in(&mut conn, app).await
    }

    pub(crate) async fn register_app_permission_q(
        &self,
        ctx: &AuditCtx,
        p: AppPermissionRecord,
        capacity: usize,
    ) -> R<AppPermissionRecord> {
        let mut tx = self.begin_write().await?;
        self.require_app_in(&mut tx, p.app_id).await?;
        let r = fetch_opt(
            &mut tx,
            self.raw(
                "SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS top FROM application_permissions",
                vec![],
            ),
        )
        .await?;
        let (n, top) = match &r {
            Some(r) => (rows::i(r, "n")?, rows::i(r, "top")?),
            None => (0, 0),
        };
        if n as usize >= capacity {
            return Err(StoreError::Rule(ValidationError::new(
                "key",
                format!(
                    "the permission catalogue is full: {n} application permissions are registered and no more fit"
                ),
            )));
        }
        let levels = p
            .levels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(AP::Table)
                    .columns([
                        AP::Key,
                        AP::AppId,
                        AP::Description,
                        AP::Levels,
                        AP::CreatedAt,
                        AP::Seq,
                    ])
                    .values_panic([
                        p.key.clone().into(),
                        p.app_id.to_string().into(),
                        p.description.clone().into(),
                        levels.clone().into(),
                        ctx.at.millis().into(),
                        (top + 1).into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        // The permission joins the catalogue: every process rebuilds its snapshot.
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("application.permission.register")
                .target("application", p.app_id)
                .changes(json!({ "key": p.key, "levels": levels, "description": p.description })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(AppPermissionRecord {
            created_at: ctx.at,
            ..p
        })
    }
}

/// A seat limit as stored (NULL = unlimited).
pub(crate) fn limit_value(l: Option<SeatLimit>) -> Option<i64> {
    l.map(SeatLimit::get)
}
