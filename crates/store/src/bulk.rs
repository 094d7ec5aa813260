//! Home's counts and the bulk loader.

use crate::rows::{self, R};
use crate::schema::{Memberships as M, Organizations as O, Users as U};
use crate::users::{INSERT_USER_COLUMNS, user_values};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::Timestamp;
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;

impl SqlStore {
    pub(crate) async fn counts_q(&self, now: Timestamp) -> R<Counts> {
        let mut conn = self.conn().await?;
        let q: [(&str, Vec<sea_query::Value>); 5] = [
            ("SELECT COUNT(*) AS n FROM organizations", vec![]),
            ("SELECT COUNT(*) AS n FROM users", vec![]),
            (
                "SELECT COUNT(*) AS n FROM users WHERE status = 'blocked'",
                vec![],
            ),
            (
                "SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?",
                vec![now.millis().into()],
            ),
            ("SELECT seq AS n FROM audit_head WHERE id = 1", vec![]),
        ];
        let mut out = [0i64; 5];
        for (k, (sql, values)) in q.into_iter().enumerate() {
            let r = fetch_opt(&mut conn, self.raw(sql, values)).await?;
            out[k] = r.map(|r| rows::i(&r, "n")).transpose()?.unwrap_or(0);
        }
        Ok(Counts {
            organizations: out[0],
            users: out[1],
            blocked_users: out[2],
            active_sessions: out[3],
            audit_events: out[4],
        })
    }

    /// Bulk load in one transaction: multi-row inserts, no per-row audit entry (one summary
    /// entry instead).
    pub(crate) async fn bulk_insert_q(&self, at: Timestamp, batch: BulkBatch) -> R<()> {
        let mut tx = self.begin_write().await?;
        if !batch.orgs.is_empty() {
            self.bump_access(&mut tx).await?;
        }
        for chunk in batch.orgs.chunks(500) {
            let mut q = Query::insert();
            q.into_table(O::Table).columns([
                O::Id,
                O::Name,
                O::NameKey,
                O::Slug,
                O::ParentId,
                O::Status,
                O::Tags,
                O::Attributes,
                O::CreatedAt,
                O::UpdatedAt,
                O::Version,
            ]);
            for o in chunk {
                q.values_panic(crate::orgs::org_values(o, at));
            }
            exec(&mut tx, self.build(&q)).await?;
        }
        for chunk in batch.users.chunks(400) {
            let mut q = Query::insert();
            q.into_table(U::Table).columns(INSERT_USER_COLUMNS);
            for (u, home) in chunk {
                q.values_panic(user_values(u, *home, at));
            }
            exec(&mut tx, self.build(&q)).await?;
        }
        for chunk in batch.memberships.chunks(1000) {
            // One lookup per chunk for the users' sequence numbers (a sub-select per row
            // costs quadratically on SQLite).
            let ids: Vec<String> = chunk.iter().map(|(_, u, _)| u.to_string()).collect();
            let rows = fetch_all(
                &mut tx,
                self.build(
                    &Query::select()
                        .columns([U::Id, U::Seq])
                        .from(U::Table)
                        .and_where(Expr::col(U::Id).is_in(ids))
                        .to_owned(),
                ),
            )
            .await?;
            let mut seqs = std::collections::HashMap::with_capacity(rows.len());
            for r in &rows {
                seqs.insert(rows::s(r, "id")?, rows::i(r, "seq")?);
            }
            let mut q = Query::insert();
            q.into_table(M::Table).columns([
                M::OrgId,
                M::UserId,
                M::UserSeq,
                M::Kind,
                M::CreatedAt,
            ]);
            for (org, user, kind) in chunk {
                let user = user.to_string();
                let seq = *seqs.get(&user).ok_or(StoreError::NotFound("user"))?;
                q.values_panic([
                    org.to_string().into(),
                    user.into(),
                    seq.into(),
                    kind.as_str().into(),
                    at.millis().into(),
                ]);
            }
            exec(&mut tx, self.build(&q)).await?;
        }
        self.append_in(
            &mut tx,
            &AuditCtx {
                at,
                actor: None,
                impersonator: None,
                ip: None,
                user_agent: Some("portico-cli".into()),
            },
            AuditDraft::new("bulk.load").changes(json!({
                "organizations": batch.orgs.len(),
                "users": batch.users.len(),
                "memberships": batch.memberships.len(),
            })),
        )
        .await?;
        tx.commit().await.map_err(db_err)
    }
}
