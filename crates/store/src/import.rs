//! Bulk member import: batched look-ups, then one transaction of multi-row inserts with the
//! same rows and audit entries a single `add_member` writes (plus one `member.import` entry).
//! The audit chain is extended in memory and its head written once.

use crate::audit::ALL_COLUMNS;
use crate::rows::{self, R};
use crate::schema::{
    ASSIGNMENT_COLUMNS, CredentialTokens as T, MembershipApplications as MA, Memberships as M,
    RoleAssignments as RA, Users as U,
};
use crate::users::{INSERT_USER_COLUMNS, user_values};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use async_trait::async_trait;
use portico_domain::audit::{ChainedFields, new_salt, pii_digest};
use portico_domain::ids::{AuditId, OrgId};
use portico_services::StoreError;
use portico_services::import::{ImportLookup, ImportStore, ImportWrite, KnownUser};
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Rows per multi-row INSERT (the widest table has 18 columns: under SQLite's 32766
/// parameters and PostgreSQL's 65535).
const CHUNK: usize = 1000;
const LOOKUP_CHUNK: usize = 500;

#[async_trait]
impl ImportStore for SqlStore {
    async fn import_lookup(
        &self,
        org: OrgId,
        email_keys: &[String],
        username_keys: &[String],
    ) -> R<ImportLookup> {
        let mut conn = self.conn().await?;
        let mut out = ImportLookup::default();
        for chunk in email_keys.chunks(LOOKUP_CHUNK) {
            let rows = fetch_all(
                &mut conn,
                self.build(
                    &Query::select()
                        .columns([U::Id, U::Username, U::EmailKey, U::IpAllowlist])
                        .from(U::Table)
                        .and_where(Expr::col(U::EmailKey).is_in(chunk.iter().cloned()))
                        .to_owned(),
                ),
            )
            .await?;
            let mut ids = Vec::with_capacity(rows.len());
            for r in &rows {
                let id = rows::user_id(r, "id")?;
                ids.push(id.to_string());
                out.users.insert(
                    rows::s(r, "email_key")?,
                    KnownUser {
                        id,
                        username: rows::s(r, "username")?,
                        member: false,
                        has_allowlist: rows::os(r, "ip_allowlist")?.is_some(),
                    },
                );
            }
            if ids.is_empty() {
                continue;
            }
            let members = fetch_all(
                &mut conn,
                self.build(
                    &Query::select()
                        .column(M::UserId)
                        .from(M::Table)
                        .and_where(Expr::col(M::OrgId).eq(org.to_string()))
                        .and_where(Expr::col(M::UserId).is_in(ids))
                        .to_owned(),
                ),
            )
            .await?;
            let member: std::collections::HashSet<_> = members
                .iter()
                .map(|r| rows::user_id(r, "user_id"))
                .collect::<R<_>>()?;
            for u in out.users.values_mut() {
                if member.contains(&u.id) {
                    u.member = true;
                }
            }
        }
        for chunk in username_keys.chunks(LOOKUP_CHUNK) {
            let rows = fetch_all(
                &mut conn,
                self.build(
                    &Query::select()
                        .column(U::UsernameKey)
                        .from(U::Table)
                        .and_where(Expr::col(U::UsernameKey).is_in(chunk.iter().cloned()))
                        .to_owned(),
                ),
            )
            .await?;
            for r in &rows {
                out.taken_usernames.insert(rows::s(r, "username_key")?);
            }
        }
        Ok(out)
    }

    async fn import_members(
        &self,
        ctx: &AuditCtx,
        w: ImportWrite,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        let org = w.org;
        self.import_seats_in(&mut tx, &w, ctx.at).await?;
        let mut chain = Chain::start(&mut tx, self).await?;
        let mut new_users = w.new_users.iter();
        let mut done = 0u64;
        if w.members.iter().any(|m| m.assignment.is_some()) {
            self.bump_access(&mut tx).await?;
        }
        for chunk in w.members.chunks(CHUNK) {
            let created: Vec<_> = new_users
                .by_ref()
                .take(
                    chunk
                        .iter()
                        .filter(|m| m.kind.as_str() == "internal")
                        .count(),
                )
                .collect();
            let mut audit = Vec::with_capacity(chunk.len() * 2);
            if !created.is_empty() {
                let mut q = Query::insert();
                q.into_table(U::Table).columns(INSERT_USER_COLUMNS);
                for (u, _) in &created {
                    q.values_panic(user_values(u, Some(org), ctx.at));
                }
                exec(&mut tx, self.build(&q)).await?;
                let mut q = Query::insert();
                q.into_table(T::Table).columns([
                    T::TokenHash,
                    T::UserId,
                    T::Purpose,
                    T::CreatedAt,
                    T::ExpiresAt,
                ]);
                for (_, wl) in &created {
                    let t = &wl.token;
                    q.values_panic([
                        t.token_hash.clone().into(),
                        t.user_id.to_string().into(),
                        t.purpose.as_str().into(),
                        t.created_at.millis().into(),
                        t.expires_at.millis().into(),
                    ]);
                }
                exec(&mut tx, self.build(&q)).await?;
                let mut q = Query::insert();
                q.into_table(crate::outbox::EmailOutbox::Table)
                    .columns(crate::outbox::COLUMNS[1..].iter().copied());
                for (_, wl) in &created {
                    q.values_panic(crate::outbox::insert_values(&wl.email));
                }
                exec(&mut tx, self.build(&q)).await?;
                for (u, _) in &created {
                    audit.push(
                        AuditDraft::new("user.create")
                            .target("user", u.id)
                            .org(org)
                            .subject(u.id)
                            .changes(json!({ "status": u.status.as_str(), "home_org_id": org.to_string() }))
                            .pii(json!({
                                "username": u.username, "email": u.email,
                                "first_name": u.first_name, "last_name": u.last_name,
                            })),
                    );
                }
            }
            // The users' sequence numbers, one look-up per chunk.
            let ids: Vec<String> = chunk.iter().map(|m| m.user.to_string()).collect();
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
            let mut seqs = HashMap::with_capacity(rows.len());
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
            for m in chunk {
                let user = m.user.to_string();
                let seq = *seqs.get(&user).ok_or(StoreError::NotFound("user"))?;
                q.values_panic([
                    org.to_string().into(),
                    user.into(),
                    seq.into(),
                    m.kind.as_str().into(),
                    ctx.at.millis().into(),
                ]);
            }
            exec(&mut tx, self.build(&q)).await?;
            let grants: Vec<_> = chunk
                .iter()
                .flat_map(|m| m.applications.iter().map(move |a| (m.user, *a)))
                .collect();
            for g in grants.chunks(CHUNK) {
                let mut q = Query::insert();
                q.into_table(MA::Table)
                    .columns([MA::OrgId, MA::UserId, MA::AppId, MA::GrantedAt]);
                for (u, a) in g {
                    q.values_panic([
                        org.to_string().into(),
                        u.to_string().into(),
                        a.to_string().into(),
                        ctx.at.millis().into(),
                    ]);
                }
                exec(&mut tx, self.build(&q)).await?;
            }
            let assignments: Vec<_> = chunk.iter().filter_map(|m| m.assignment.as_ref()).collect();
            if !assignments.is_empty() {
                let mut q = Query::insert();
                q.into_table(RA::Table).columns(ASSIGNMENT_COLUMNS);
                for (a, _) in &assignments {
                    q.values_panic(crate::grants::assignment_values(a, Some(org)));
                }
                exec(&mut tx, self.build(&q)).await?;
            }
            for m in chunk {
                let outcome = if m.kind.as_str() == "internal" {
                    AddOutcome::Created
                } else {
                    AddOutcome::AddedExternal
                };
                audit.push(
                    AuditDraft::new("member.add")
                        .target("user", m.user)
                        .org(org)
                        .subject(m.user)
                        .changes(json!({
                            "kind": m.kind.as_str(), "outcome": outcome, "import": true,
                            "applications": m.applications.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                        })),
                );
                if let Some((a, key)) = &m.assignment {
                    audit.push(
                        AuditDraft::new("assignment.add")
                            .target("role_assignment", a.id)
                            .org(org)
                            .subject(a.user_id)
                            .changes(json!({
                                "role_id": a.role_id.to_string(),
                                "role": key,
                                "scope": a.scope,
                                "expires_at": null,
                            })),
                    );
                }
            }
            chain.append(&mut tx, self, ctx, audit).await?;
            done += chunk.len() as u64;
            progress(done);
        }
        chain
            .append(
                &mut tx,
                self,
                ctx,
                vec![
                    AuditDraft::new("member.import")
                        .target("organization", org)
                        .org(org)
                        .changes(w.summary.clone()),
                ],
            )
            .await?;
        chain.finish(&mut tx, self).await?;
        tx.commit().await.map_err(db_err)
    }
}

impl SqlStore {
    /// L1, L2: the whole import must fit the seats left, counted inside the transaction.
    async fn import_seats_in(
        &self,
        conn: &mut AnyConnection,
        w: &ImportWrite,
        at: portico_domain::Timestamp,
    ) -> R<()> {
        let r = fetch_opt(
            conn,
            self.raw(
                "SELECT name, app_seat_limit, office_seat_limit FROM organizations WHERE id = ?",
                vec![w.org.to_string().into()],
            ),
        )
        .await?
        .ok_or(StoreError::NotFound("organization"))?;
        let name = rows::s(&r, "name")?;
        let limits = [
            (
                rows::oi(&r, "app_seat_limit")?,
                w.app_seats,
                SeatKind::Application,
            ),
            (
                rows::oi(&r, "office_seat_limit")?,
                w.office_seats,
                SeatKind::BackOffice,
            ),
        ];
        for (limit, need, kind) in limits {
            let Some(limit) = limit else { continue };
            if need == 0 {
                continue;
            }
            let used = self.seats_used_in(conn, w.org, kind, at).await?;
            if used + need > limit {
                return Err(StoreError::Limit {
                    kind: "seat-limit-reached",
                    message: format!(
                        "the import needs {need} {} seats but only {} of {limit} are free in {name}",
                        kind.label(),
                        Ord::max(limit - used, 0)
                    ),
                    limit,
                    used,
                });
            }
        }
        Ok(())
    }
}

/// The audit chain's head, extended in memory and written back once.
struct Chain {
    seq: i64,
    hash: String,
}

impl Chain {
    async fn start(conn: &mut AnyConnection, store: &SqlStore) -> R<Self> {
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

    async fn append(
        &mut self,
        conn: &mut AnyConnection,
        store: &SqlStore,
        ctx: &AuditCtx,
        drafts: Vec<AuditDraft>,
    ) -> R<()> {
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
                    actor_user_id: ctx.actor.map(|u| u.to_string()),
                    impersonator_user_id: ctx.impersonator.map(|u| u.to_string()),
                    ip: ctx.ip.map(|ip| ip.to_string()),
                    user_agent: ctx
                        .user_agent
                        .as_ref()
                        .map(|u| u.chars().take(300).collect()),
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
            exec(conn, store.build(&q)).await?;
        }
        Ok(())
    }

    async fn finish(self, conn: &mut AnyConnection, store: &SqlStore) -> R<()> {
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
