//! Projects (PR1). Creating and deleting one changes what the access engine is built from
//! (a project is a scope), so both bump the access version in their transaction.

use crate::audit::paginate;
use crate::orgs::bad_cursor;
use crate::rows::{self, R};
use crate::schema::{
    PROJECT_COLUMNS, PermissionOverrides as PO, Projects as P, RoleAssignments as RA,
};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::ids::{OrgId, ProjectId};
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;

impl SqlStore {
    pub(crate) async fn project_in(
        &self,
        conn: &mut AnyConnection,
        id: ProjectId,
    ) -> R<Option<ProjectRecord>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(PROJECT_COLUMNS)
                    .from(P::Table)
                    .and_where(Expr::col(P::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(rows::project).transpose()
    }

    /// The organization a scope lies in (the organization itself, a project's organization),
    /// checking that it exists: NotFound otherwise. `None` for the platform.
    pub(crate) async fn scope_org_in(
        &self,
        conn: &mut AnyConnection,
        scope: ScopeRef,
    ) -> R<Option<OrgId>> {
        match scope {
            ScopeRef::Platform => Ok(None),
            ScopeRef::Org(o) => {
                self.require_org(conn, o).await?;
                Ok(Some(o))
            }
            ScopeRef::Project(p) => match self.project_in(conn, p).await? {
                Some(p) => Ok(Some(p.org_id)),
                None => Err(StoreError::NotFound("project")),
            },
        }
    }

    /// As [`Self::scope_org_in`] for audit entries of something being removed: a scope that
    /// no longer exists has no organization to name.
    pub(crate) async fn audit_org_in(
        &self,
        conn: &mut AnyConnection,
        scope: ScopeRef,
    ) -> R<Option<OrgId>> {
        Ok(match scope {
            ScopeRef::Platform => None,
            ScopeRef::Org(o) => Some(o),
            ScopeRef::Project(p) => self.project_in(conn, p).await?.map(|p| p.org_id),
        })
    }

    /// PR1: a project's course template must be a course activated for its organization.
    async fn require_course_for(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        course: portico_domain::ids::CourseId,
    ) -> R<()> {
        if self.course_activated_in(conn, org, course).await? {
            Ok(())
        } else {
            Err(StoreError::Rule(portico_domain::ValidationError::new(
                "course_template_id",
                "choose a course activated for the organization",
            )))
        }
    }

    pub(crate) async fn get_project_q(&self, id: ProjectId) -> R<Option<ProjectRecord>> {
        let mut conn = self.conn().await?;
        self.project_in(&mut conn, id).await
    }

    pub(crate) async fn create_project_q(
        &self,
        ctx: &AuditCtx,
        new: NewProject,
    ) -> R<ProjectRecord> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, new.org_id).await?;
        if let Some(c) = new.course_template_id {
            self.require_course_for(&mut tx, new.org_id, c).await?;
        }
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(P::Table)
                    .columns([
                        P::Id,
                        P::OrganizationId,
                        P::Name,
                        P::NameKey,
                        P::Status,
                        P::CreatedAt,
                        P::UpdatedAt,
                        P::Version,
                        P::CourseTemplateId,
                        P::StartsAt,
                        P::Location,
                    ])
                    .values_panic([
                        new.id.to_string().into(),
                        new.org_id.to_string().into(),
                        new.name.clone().into(),
                        new.name.to_lowercase().into(),
                        new.status.as_str().into(),
                        ctx.at.millis().into(),
                        ctx.at.millis().into(),
                        1i64.into(),
                        new.course_template_id.map(|c| c.to_string()).into(),
                        new.starts_at.map(|t| t.millis()).into(),
                        new.location.clone().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("project.create")
                .target("project", new.id)
                .org(new.org_id)
                .changes(json!({
                    "name": new.name,
                    "status": new.status.as_str(),
                    "course_template_id": new.course_template_id.map(|c| c.to_string()),
                    "starts_at": new.starts_at.map(|t| t.to_rfc3339()),
                    "location": new.location,
                })),
        )
        .await?;
        let p = self
            .project_in(&mut tx, new.id)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(p)
    }

    pub(crate) async fn list_projects_q(
        &self,
        org: OrgId,
        page: &PageRequest,
    ) -> R<Page<ProjectRecord>> {
        let mut q = Query::select();
        q.columns(PROJECT_COLUMNS)
            .from(P::Table)
            .and_where(Expr::col(P::OrganizationId).eq(org.to_string()))
            .order_by(P::NameKey, Order::Asc)
            .order_by(P::Id, Order::Asc)
            .limit(page.limit as u64 + 1);
        if let Some(after) = &page.after {
            let (name, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            q.cond_where(
                Cond::any()
                    .add(Expr::col(P::NameKey).gt(name))
                    .add(Expr::col(P::NameKey).eq(name).and(Expr::col(P::Id).gt(id))),
            );
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let items = rows.iter().map(rows::project).collect::<R<Vec<_>>>()?;
        Ok(paginate(items, page.limit, |p| {
            format!("{}\u{1f}{}", p.name.to_lowercase(), p.id)
        }))
    }

    pub(crate) async fn update_project_q(
        &self,
        ctx: &AuditCtx,
        id: ProjectId,
        expected: Option<i64>,
        p: ProjectPatch,
    ) -> R<ProjectRecord> {
        let mut tx = self.begin_write().await?;
        let before = self
            .project_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        let mut q = Query::update();
        q.table(P::Table)
            .value(P::UpdatedAt, ctx.at.millis())
            .value(P::Version, before.version + 1)
            .and_where(Expr::col(P::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        if let Some(v) = &p.name {
            q.value(P::Name, v.clone())
                .value(P::NameKey, v.to_lowercase());
            if *v != before.name {
                changes.insert("name".into(), json!({ "before": before.name, "after": v }));
            }
        }
        if let Some(v) = p.status {
            q.value(P::Status, v.as_str());
            if v != before.status {
                changes.insert(
                    "status".into(),
                    json!({ "before": before.status.as_str(), "after": v.as_str() }),
                );
            }
        }
        if let Some(v) = p.course_template_id {
            if let Some(c) = v {
                self.require_course_for(&mut tx, before.org_id, c).await?;
            }
            q.value(P::CourseTemplateId, v.map(|c| c.to_string()));
            if v != before.course_template_id {
                changes.insert(
                    "course_template_id".into(),
                    json!({
                        "before": before.course_template_id.map(|c| c.to_string()),
                        "after": v.map(|c| c.to_string()),
                    }),
                );
            }
        }
        if let Some(v) = p.starts_at {
            q.value(P::StartsAt, v.map(|t| t.millis()));
            if v != before.starts_at {
                changes.insert(
                    "starts_at".into(),
                    json!({
                        "before": before.starts_at.map(|t| t.to_rfc3339()),
                        "after": v.map(|t| t.to_rfc3339()),
                    }),
                );
            }
        }
        if let Some(v) = &p.location {
            q.value(P::Location, v.clone());
            if *v != before.location {
                changes.insert(
                    "location".into(),
                    json!({ "before": before.location, "after": v }),
                );
            }
        }
        exec(&mut tx, self.build(&q)).await?;
        let after = self
            .project_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        // A new time or place (or a project made active again) is news to everyone enrolled.
        let moved = after.starts_at != before.starts_at
            || after.location != before.location
            || after.status != before.status;
        if moved && after.starts_at.is_some() {
            let n = self.calendar_invite_in(&mut tx, ctx, &after, None).await?;
            if n > 0 {
                changes.insert("invitations".into(), json!(n));
            }
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("project.update")
                .target("project", id)
                .org(before.org_id)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    pub(crate) async fn delete_project_q(
        &self,
        ctx: &AuditCtx,
        id: ProjectId,
    ) -> R<ProjectDeleted> {
        let mut tx = self.begin_write().await?;
        let project = self
            .project_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        let key = ScopeRef::Project(id).key();
        let assignments = self
            .delete_where(&mut tx, RA::Table, Expr::col(RA::Scope).eq(key.clone()))
            .await?;
        let overrides = self
            .delete_where(&mut tx, PO::Table, Expr::col(PO::Scope).eq(key))
            .await?;
        self.delete_where(&mut tx, P::Table, Expr::col(P::Id).eq(id.to_string()))
            .await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("project.delete")
                .target("project", id)
                .org(project.org_id)
                .changes(json!({
                    "name": project.name,
                    "assignments": assignments,
                    "overrides": overrides,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ProjectDeleted {
            project,
            assignments: assignments as i64,
            overrides: overrides as i64,
        })
    }
}
