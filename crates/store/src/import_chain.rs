//! The bulk import's audit entries: the chain (AU2) is extended in memory on the import's
//! building thread, one multi-row INSERT per chunk, and its head written back once.

use crate::audit::ALL_COLUMNS;
use crate::import::{CHUNK, insert};
use crate::rows::{self, R};
use crate::{Backend, SqlStore, exec, fetch_opt};
use portico_domain::audit::{ChainedFields, new_salt, pii_digest};
use portico_domain::ids::AuditId;
use portico_services::StoreError;
use portico_services::records::{AuditCtx, AuditDraft};
use sea_query::Query;
use sea_query_sqlx::SqlxValues;
use sqlx::AnyConnection;

/// The audit chain's head, extended in memory and written back once.
pub(crate) struct Chain {
    seq: i64,
    hash: String,
}

impl Chain {
    pub(crate) async fn start(conn: &mut AnyConnection, store: &SqlStore) -> R<Self> {
        let head = fetch_opt(
            conn,
            store.raw("SELECT seq, hash FROM audit_head WHERE id = 1", vec![]),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("audit head row is missing".into()))?;
        Ok(Self {
            seq: rows::i(&head, "seq")?,
            hash: rows::s(&head, "hash")?,
        })
    }

    /// Extends the chain in memory with `drafts`, pushing their multi-row inserts.
    pub(crate) fn append(
        &mut self,
        backend: Backend,
        ctx: &AuditCtx,
        drafts: &[AuditDraft],
        out: &mut Vec<(String, SqlxValues)>,
    ) {
        let actor = ctx.actor.map(|u| u.to_string());
        let impersonator = ctx.impersonator.map(|u| u.to_string());
        let ip = ctx.ip.map(|ip| ip.to_string());
        let user_agent: Option<String> = ctx
            .user_agent
            .as_ref()
            .map(|u| u.chars().take(300).collect());
        for chunk in drafts.chunks(CHUNK) {
            let mut q = Query::insert();
            q.into_table(crate::schema::AuditEvents::Table)
                .columns(ALL_COLUMNS);
            for d in chunk {
                let (pii, salt, digest) = match &d.pii {
                    Some(v) => {
                        let text = v.to_string();
                        let salt = new_salt();
                        let digest = pii_digest(&salt, &text);
                        (Some(text), Some(salt), Some(digest))
                    }
                    None => (None, None, None),
                };
                let f = ChainedFields {
                    seq: self.seq + 1,
                    id: AuditId::generate().to_string(),
                    at: ctx.at.millis(),
                    actor_user_id: actor.clone(),
                    impersonator_user_id: impersonator.clone(),
                    ip: ip.clone(),
                    user_agent: user_agent.clone(),
                    action: d.action.to_string(),
                    target_kind: d.target_kind.map(str::to_string),
                    target_id: d.target_id.clone(),
                    org_id: d.org_id.map(|o| o.to_string()),
                    subject_user_id: d.subject_user.map(|u| u.to_string()),
                    changes: d.changes.to_string(),
                    pii_digest: digest,
                    prev_hash: std::mem::take(&mut self.hash),
                };
                let hash = f.compute_hash();
                self.seq = f.seq;
                self.hash = hash.clone();
                q.values_panic([
                    f.seq.into(),
                    f.id.into(),
                    f.at.into(),
                    f.actor_user_id.into(),
                    f.impersonator_user_id.into(),
                    f.ip.into(),
                    f.user_agent.into(),
                    f.action.into(),
                    f.target_kind.into(),
                    f.target_id.into(),
                    f.org_id.into(),
                    f.subject_user_id.into(),
                    f.changes.into(),
                    pii.into(),
                    salt.into(),
                    f.pii_digest.into(),
                    f.prev_hash.into(),
                    hash.into(),
                ]);
            }
            out.push(insert(backend, &q));
        }
    }

    pub(crate) async fn finish(self, conn: &mut AnyConnection, store: &SqlStore) -> R<()> {
        exec(
            conn,
            store.raw(
                "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
                vec![self.seq.into(), self.hash.into()],
            ),
        )
        .await?;
        Ok(())
    }
}
