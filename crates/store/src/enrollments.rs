//! Enrollments (PR1). A participation record, not a grant: nothing here bumps the access
//! version. The membership foreign key removes an enrollment when its person leaves the
//! organization; the project's removes it with the project.

use crate::audit::paginate;
use crate::orgs::bad_cursor;
use crate::rows::{self, R};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use async_trait::async_trait;
use portico_domain::ValidationError;
use portico_domain::ids::{ProjectId, RoleId, UserId};
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::enrollments::{EnrollmentRow, EnrollmentStore, NewEnrollment};
use portico_services::records::{AuditCtx, AuditDraft};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const SELECT: &str = "SELECT e.project_id AS project_id, e.user_id AS user_id, e.role_id AS role_id, \
     e.created_at AS created_at, u.username AS username, u.username_key AS username_key, \
     u.first_name AS first_name, u.last_name AS last_name, u.email AS email, r.name AS role_name \
     FROM enrollments e JOIN users u ON u.id = e.user_id LEFT JOIN roles r ON r.id = e.role_id";

fn row(r: &AnyRow) -> R<EnrollmentRow> {
    let bad = |c: &str, e: String| StoreError::Backend(format!("column {c}: {e}"));
    Ok(EnrollmentRow {
        project_id: ProjectId::parse(&rows::s(r, "project_id")?)
            .map_err(|e| bad("project_id", e.to_string()))?,
        user_id: rows::user_id(r, "user_id")?,
        username: rows::s(r, "username")?,
        first_name: rows::s(r, "first_name")?,
        last_name: rows::s(r, "last_name")?,
        email: rows::s(r, "email")?,
        role_id: RoleId::parse(&rows::s(r, "role_id")?)
            .map_err(|e| bad("role_id", e.to_string()))?,
        role_name: rows::os(r, "role_name")?,
        created_at: rows::ts(r, "created_at")?,
    })
}

impl SqlStore {
    async fn enrollment_in(
        &self,
        conn: &mut AnyConnection,
        project: ProjectId,
        user: UserId,
    ) -> R<Option<EnrollmentRow>> {
        let sql = format!("{SELECT} WHERE e.project_id = ? AND e.user_id = ?");
        let r = fetch_opt(
            conn,
            self.raw(
                &sql,
                vec![project.to_string().into(), user.to_string().into()],
            ),
        )
        .await?;
        r.as_ref().map(row).transpose()
    }
}

#[async_trait]
impl EnrollmentStore for SqlStore {
    async fn list_enrollments(
        &self,
        project: ProjectId,
        page: &PageRequest,
    ) -> R<Page<EnrollmentRow>> {
        let mut sql = format!("{SELECT} WHERE e.project_id = ?");
        let mut values: Vec<sea_query::Value> = vec![project.to_string().into()];
        if let Some(after) = &page.after {
            let (key, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            sql.push_str(" AND (u.username_key > ? OR (u.username_key = ? AND u.id > ?))");
            values.extend([key.into(), key.into(), id.into()]);
        }
        sql.push_str(" ORDER BY u.username_key, u.id LIMIT ?");
        values.push((page.limit as i64 + 1).into());
        let mut conn = self.conn().await?;
        let rs = fetch_all(&mut conn, self.raw(&sql, values)).await?;
        let mut items = Vec::with_capacity(rs.len());
        for r in &rs {
            items.push((rows::s(r, "username_key")?, row(r)?));
        }
        let page = paginate(items, page.limit, |(k, e)| {
            format!("{k}\u{1f}{}", e.user_id)
        });
        Ok(Page {
            items: page.items.into_iter().map(|(_, e)| e).collect(),
            next: page.next,
        })
    }

    async fn get_enrollment(&self, project: ProjectId, user: UserId) -> R<Option<EnrollmentRow>> {
        let mut conn = self.conn().await?;
        self.enrollment_in(&mut conn, project, user).await
    }

    async fn enroll(&self, ctx: &AuditCtx, new: NewEnrollment) -> R<EnrollmentRow> {
        let mut tx = self.begin_write().await?;
        let project = self
            .project_in(&mut tx, new.project_id)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        let member = fetch_opt(
            &mut tx,
            self.raw(
                "SELECT 1 AS one FROM memberships WHERE org_id = ? AND user_id = ?",
                vec![
                    project.org_id.to_string().into(),
                    new.user_id.to_string().into(),
                ],
            ),
        )
        .await?;
        if member.is_none() {
            return Err(StoreError::Rule(ValidationError::new(
                "user",
                "is not a member of the project's organization",
            )));
        }
        if self
            .enrollment_in(&mut tx, new.project_id, new.user_id)
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict {
                kind: "already-enrolled",
                message: "this person is already enrolled in the project".into(),
            });
        }
        exec(
            &mut tx,
            self.raw(
                "INSERT INTO enrollments (project_id, org_id, user_id, role_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
                vec![
                    new.project_id.to_string().into(),
                    project.org_id.to_string().into(),
                    new.user_id.to_string().into(),
                    new.role_id.to_string().into(),
                    ctx.at.millis().into(),
                ],
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("enrollment.create")
                .target("project", new.project_id)
                .org(project.org_id)
                .subject(new.user_id)
                .changes(json!({ "role_id": new.role_id.to_string() })),
        )
        .await?;
        self.calendar_invite_in(&mut tx, ctx, &project, Some(new.user_id))
            .await?;
        let e = self
            .enrollment_in(&mut tx, new.project_id, new.user_id)
            .await?
            .ok_or(StoreError::NotFound("enrollment"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(e)
    }

    async fn unenroll(&self, ctx: &AuditCtx, project: ProjectId, user: UserId) -> R<EnrollmentRow> {
        let mut tx = self.begin_write().await?;
        let p = self
            .project_in(&mut tx, project)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        let e = self
            .enrollment_in(&mut tx, project, user)
            .await?
            .ok_or(StoreError::NotFound("enrollment"))?;
        exec(
            &mut tx,
            self.raw(
                "DELETE FROM enrollments WHERE project_id = ? AND user_id = ?",
                vec![project.to_string().into(), user.to_string().into()],
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("enrollment.delete")
                .target("project", project)
                .org(p.org_id)
                .subject(user)
                .changes(json!({ "role_id": e.role_id.to_string() })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(e)
    }

    async fn enrollment_counts(&self, projects: &[ProjectId]) -> R<Vec<(ProjectId, i64)>> {
        if projects.is_empty() {
            return Ok(vec![]);
        }
        // Kept by triggers on enrollments (migration 0019).
        let sql = format!(
            "SELECT id AS project_id, enrollment_count AS n FROM projects WHERE id IN ({})",
            placeholders(projects.len())
        );
        let values = projects.iter().map(|p| p.to_string().into()).collect();
        let mut conn = self.conn().await?;
        let rs = fetch_all(&mut conn, self.raw(&sql, values)).await?;
        rs.iter()
            .map(|r| {
                let id = ProjectId::parse(&rows::s(r, "project_id")?)
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                Ok((id, rows::i(r, "n")?))
            })
            .collect()
    }
}

/// `?, ?, ?` for an IN list of `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}
