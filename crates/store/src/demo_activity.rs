//! The demo's activity loader (`ReportStore::bulk_activity`): projects, enrollments, login
//! events and role assignments in multi-row statements, written once for both databases.

use crate::rows::R;
use crate::{SqlStore, db_err, exec};
use portico_domain::day::Day;
use portico_services::records::{AuditCtx, AuditDraft};
use portico_services::reports::ActivityBatch;
use sea_query::Value;
use serde_json::json;

impl SqlStore {
    /// Loads one batch of the demo's projects, enrollments, logins and role assignments in
    /// one transaction, with one audit entry for the batch.
    pub(crate) async fn load_demo_activity(&self, ctx: &AuditCtx, batch: ActivityBatch) -> R<()> {
        let mut tx = self.begin_write().await?;
        if !batch.projects.is_empty() || !batch.assignments.is_empty() {
            // Projects are scopes of the access engine, assignments its data.
            self.bump_access(&mut tx).await?;
        }
        let at = ctx.at.millis();
        for chunk in batch.projects.chunks(500) {
            let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 8);
            for p in chunk {
                v.extend([
                    p.id.to_string().into(),
                    p.org_id.to_string().into(),
                    p.name.clone().into(),
                    p.name.to_lowercase().into(),
                    p.status.as_str().into(),
                    at.into(),
                    at.into(),
                    1i64.into(),
                ]);
            }
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            exec(
                &mut tx,
                self.raw(
                    &format!(
                        "INSERT INTO projects (id, organization_id, name, name_key, status, \
                         created_at, updated_at, version) VALUES {rows}"
                    ),
                    v,
                ),
            )
            .await?;
        }
        for chunk in batch.enrollments.chunks(2000) {
            let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
            for (p, o, u, r) in chunk {
                v.extend([
                    p.to_string().into(),
                    o.to_string().into(),
                    u.to_string().into(),
                    r.to_string().into(),
                    at.into(),
                ]);
            }
            let rows = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            exec(
                &mut tx,
                self.raw(
                    &format!(
                        "INSERT INTO enrollments (project_id, org_id, user_id, role_id, \
                         created_at) VALUES {rows}"
                    ),
                    v,
                ),
            )
            .await?;
        }
        for chunk in batch.logins.chunks(3000) {
            let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
            // Each person's sequence number, read by the statement itself (no round trip).
            for (u, t) in chunk {
                v.extend([
                    u.to_string().into(),
                    t.millis().into(),
                    Day::of(*t).number().into(),
                ]);
            }
            let rows = vec!["((SELECT seq FROM users WHERE id = ?), ?, ?)"; chunk.len()].join(", ");
            exec(
                &mut tx,
                self.raw(
                    &format!("INSERT INTO login_events (user_seq, at, day) VALUES {rows}"),
                    v,
                ),
            )
            .await?;
        }
        for chunk in batch.assignments.chunks(1000) {
            let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
            for (u, r, scope, org) in chunk {
                v.extend([
                    portico_domain::ids::AssignmentId::generate()
                        .to_string()
                        .into(),
                    u.to_string().into(),
                    r.to_string().into(),
                    scope.key().into(),
                    org.to_string().into(),
                    at.into(),
                ]);
            }
            let rows = vec!["(?, ?, ?, ?, ?, NULL, ?, NULL)"; chunk.len()].join(", ");
            exec(
                &mut tx,
                self.raw(
                    &format!(
                        "INSERT INTO role_assignments (id, user_id, role_id, scope, org_id, \
                         expires_at, created_at, created_by) VALUES {rows}"
                    ),
                    v,
                ),
            )
            .await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("bulk.activity").changes(json!({
                "projects": batch.projects.len(),
                "enrollments": batch.enrollments.len(),
                "logins": batch.logins.len(),
                "assignments": batch.assignments.len(),
            })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }
}
