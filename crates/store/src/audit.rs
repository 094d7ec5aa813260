//! The audit chain's storage: appended inside each write transaction (which already holds
//! the write lock, see `begin_write`), listed with filters, verified end to end.

use crate::multi_insert::{CHUNK, multi_insert};
use crate::rows::{R, i, os, s, ts};
use crate::schema::{AuditEvents as A, AuditHead};
use crate::{SqlStore, exec, fetch_all, fetch_opt};
use portico_domain::audit::{
    ChainBreak, ChainVerifier, ChainedFields, StoredEntry, new_salt, pii_digest,
};
use portico_domain::ids::AuditId;
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::records::{AuditCtx, AuditDraft, AuditFilter, AuditRow, Reach};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::AnyConnection;

/// Every stored column of an entry, in insert order.
pub(crate) const ALL_COLUMNS: [A; 18] = [
    A::Seq,
    A::Id,
    A::At,
    A::ActorUserId,
    A::ImpersonatorUserId,
    A::Ip,
    A::UserAgent,
    A::Action,
    A::TargetKind,
    A::TargetId,
    A::OrgId,
    A::SubjectUserId,
    A::Changes,
    A::Pii,
    A::PiiSalt,
    A::PiiDigest,
    A::PrevHash,
    A::Hash,
];

/// The audit chain's head (AU2), extended in memory and written back once: a single change
/// appends one entry through it, the bulk import thousands.
pub(crate) struct Chain {
    seq: i64,
    hash: String,
}

impl Chain {
    /// Reads the head inside the caller's write transaction.
    pub(crate) async fn start(conn: &mut AnyConnection, store: &SqlStore) -> R<Self> {
        let head = fetch_opt(
            conn,
            store.build(
                &Query::select()
                    .columns([AuditHead::Seq, AuditHead::Hash])
                    .from(AuditHead::Table)
                    .and_where(Expr::col(AuditHead::Id).eq(1))
                    .to_owned(),
            ),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("audit head row is missing".into()))?;
        Ok(Self {
            seq: i(&head, "seq")?,
            hash: s(&head, "hash")?,
        })
    }

    /// Chains `drafts` after the head in memory; their rows ([`ALL_COLUMNS`]) in chunks of at
    /// most [`CHUNK`], for [`multi_insert`].
    pub(crate) fn append(&mut self, ctx: &AuditCtx, drafts: &[AuditDraft]) -> Vec<Vec<Vec<Expr>>> {
        let actor = ctx.actor.map(|u| u.to_string());
        let impersonator = ctx.impersonator.map(|u| u.to_string());
        let ip = ctx.ip.map(|ip| ip.to_string());
        let user_agent: Option<String> = ctx
            .user_agent
            .as_ref()
            .map(|u| u.chars().take(300).collect());
        let mut out = Vec::with_capacity(drafts.len().div_ceil(CHUNK));
        for chunk in drafts.chunks(CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
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
                rows.push(vec![
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
            out.push(rows);
        }
        out
    }

    /// Writes the new head back (same transaction).
    pub(crate) async fn finish(self, conn: &mut AnyConnection, store: &SqlStore) -> R<()> {
        exec(
            conn,
            store.build(
                &Query::update()
                    .table(AuditHead::Table)
                    .value(AuditHead::Seq, self.seq)
                    .value(AuditHead::Hash, self.hash)
                    .and_where(Expr::col(AuditHead::Id).eq(1))
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }
}

impl SqlStore {
    pub(crate) async fn append_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        d: AuditDraft,
    ) -> R<()> {
        let mut chain = Chain::start(conn, self).await?;
        for rows in chain.append(ctx, std::slice::from_ref(&d)) {
            exec(conn, self.build(&multi_insert(A::Table, ALL_COLUMNS, rows))).await?;
        }
        chain.finish(conn, self).await
    }

    /// U5: erases the personal payload of every entry about `user`. The chain keeps the digest.
    pub(crate) async fn erase_pii_in(&self, conn: &mut AnyConnection, user: &str) -> R<()> {
        exec(
            conn,
            self.build(
                &Query::update()
                    .table(A::Table)
                    .value(A::Pii, Option::<String>::None)
                    .value(A::PiiSalt, Option::<String>::None)
                    .and_where(Expr::col(A::SubjectUserId).eq(user))
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn append_audit_tx(&self, ctx: &AuditCtx, d: AuditDraft) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.append_in(&mut tx, ctx, d).await?;
        tx.commit().await.map_err(crate::db_err)
    }

    pub(crate) async fn list_audit_q(
        &self,
        f: &AuditFilter,
        page: &PageRequest,
        reach: &Reach,
    ) -> R<Page<AuditRow>> {
        let mut q = Query::select();
        match reach {
            Reach::All => {}
            Reach::Orgs(ids) if ids.is_empty() => {
                return Ok(Page {
                    items: vec![],
                    next: None,
                });
            }
            Reach::Orgs(ids) => {
                q.and_where(Expr::col(A::OrgId).is_in(ids.iter().map(|o| o.to_string())));
            }
        }
        q.columns([
            A::Seq,
            A::Id,
            A::At,
            A::ActorUserId,
            A::ImpersonatorUserId,
            A::Ip,
            A::UserAgent,
            A::Action,
            A::TargetKind,
            A::TargetId,
            A::OrgId,
            A::SubjectUserId,
            A::Changes,
            A::Pii,
            A::PiiDigest,
        ])
        .from(A::Table)
        .order_by(A::Seq, Order::Desc)
        .limit(page.limit as u64 + 1);
        if let Some(after) = &page.after {
            let seq: i64 = after.parse().map_err(|_| {
                StoreError::Rule(portico_domain::ValidationError::new("cursor", "not valid"))
            })?;
            q.and_where(Expr::col(A::Seq).lt(seq));
        }
        if let Some(p) = &f.action_prefix {
            // Actions are dotted words ("user.block"); a prefix is matched as a range.
            q.and_where(Expr::col(A::Action).gte(p.as_str()));
            q.and_where(Expr::col(A::Action).lt(format!("{p}\u{10FFFF}")));
        }
        if let Some(o) = f.org {
            q.and_where(Expr::col(A::OrgId).eq(o.to_string()));
        }
        if let Some(u) = f.user {
            let u = u.to_string();
            q.cond_where(
                sea_query::Cond::any()
                    .add(Expr::col(A::SubjectUserId).eq(u.clone()))
                    .add(Expr::col(A::ActorUserId).eq(u)),
            );
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let pii = os(r, "pii")?;
            let personal_erased = pii.is_none() && os(r, "pii_digest")?.is_some();
            items.push(AuditRow {
                seq: i(r, "seq")?,
                id: s(r, "id")?,
                at: ts(r, "at")?,
                actor_user_id: os(r, "actor_user_id")?,
                impersonator_user_id: os(r, "impersonator_user_id")?,
                ip: os(r, "ip")?,
                user_agent: os(r, "user_agent")?,
                action: s(r, "action")?,
                target_kind: os(r, "target_kind")?,
                target_id: os(r, "target_id")?,
                org_id: os(r, "org_id")?,
                subject_user_id: os(r, "subject_user_id")?,
                changes: serde_json::from_str(&s(r, "changes")?).unwrap_or_default(),
                personal: pii.and_then(|p| serde_json::from_str(&p).ok()),
                personal_erased,
            });
        }
        Ok(paginate(items, page.limit, |e| e.seq.to_string()))
    }

    pub(crate) async fn verify_audit_q(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> R<Result<u64, ChainBreak>> {
        let mut conn = self.conn().await?;
        let head = fetch_opt(
            &mut conn,
            self.build(
                &Query::select()
                    .columns([AuditHead::Seq, AuditHead::Hash])
                    .from(AuditHead::Table)
                    .and_where(Expr::col(AuditHead::Id).eq(1))
                    .to_owned(),
            ),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("audit head row is missing".into()))?;
        let (head_seq, head_hash) = (i(&head, "seq")?, s(&head, "hash")?);
        let mut v = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let rows = fetch_all(
                &mut conn,
                self.build(
                    &Query::select()
                        .columns(ALL_COLUMNS)
                        .from(A::Table)
                        .and_where(Expr::col(A::Seq).gt(after))
                        .order_by(A::Seq, Order::Asc)
                        .limit(5000)
                        .to_owned(),
                ),
            )
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = StoredEntry {
                    fields: ChainedFields {
                        seq: i(r, "seq")?,
                        id: s(r, "id")?,
                        at: i(r, "at")?,
                        actor_user_id: os(r, "actor_user_id")?,
                        impersonator_user_id: os(r, "impersonator_user_id")?,
                        ip: os(r, "ip")?,
                        user_agent: os(r, "user_agent")?,
                        action: s(r, "action")?,
                        target_kind: os(r, "target_kind")?,
                        target_id: os(r, "target_id")?,
                        org_id: os(r, "org_id")?,
                        subject_user_id: os(r, "subject_user_id")?,
                        changes: s(r, "changes")?,
                        pii_digest: os(r, "pii_digest")?,
                        prev_hash: s(r, "prev_hash")?,
                    },
                    hash: s(r, "hash")?,
                    pii: os(r, "pii")?,
                    pii_salt: os(r, "pii_salt")?,
                };
                after = e.fields.seq;
                if let Err(b) = v.check(&e) {
                    return Ok(Err(b));
                }
            }
            progress(v.checked, Ord::max(head_seq, 0) as u64);
        }
        Ok(v.finish(head_seq, &head_hash))
    }
}

/// Cuts a `limit + 1` result to a page, with the sort key of its last row as the cursor.
pub(crate) fn paginate<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(key) } else { None };
    Page { items, next }
}
