//! Bulk member import: batched look-ups, then one transaction of multi-row inserts with the
//! same rows a single `add_member` writes, one audit entry per row (plus one `member.import`
//! entry). The statements are built on a second thread while the first runs them; the audit
//! chain is extended in memory there and its head written once (`audit::Chain`); a plain value
//! that every row of a statement shares is a constant in its SQL instead of a parameter bound
//! on every row (`multi_insert`). On SQLite the import's connection gets a larger page cache
//! for the transaction, and the search index is filled once at the end instead of row by row
//! (migration 0021).

use crate::audit::{ALL_COLUMNS, Chain};
use crate::multi_insert::multi_insert;
use crate::rows::{self, R};
use crate::schema::{
    ASSIGNMENT_COLUMNS, AuditEvents as A, CredentialTokens as T, MembershipApplications as MA,
    Memberships as M, RoleAssignments as RA, Users as U,
};
use crate::seat_warnings::SeatChange;
use crate::users::{INSERT_USER_COLUMNS, user_values};
use crate::{Backend, SqlStore, db_err, exec, fetch_all, fetch_opt};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt, stream};
use portico_domain::ids::OrgId;
use portico_domain::user::MembershipKind;
use portico_services::StoreError;
use portico_services::import::{ImportLookup, ImportStore, ImportWrite, KnownUser};
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use sea_query_sqlx::SqlxValues;
use serde_json::json;
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, AssertSqlSafe, IntoArguments};

/// Rows per multi-row INSERT (the widest table has 18 columns: under SQLite's 32766
/// parameters and PostgreSQL's 65535).
pub(crate) const CHUNK: usize = 1000;
const LOOKUP_CHUNK: usize = 500;
/// Look-up chunks read at once, per kind of key.
const LOOKUP_PARALLEL: usize = 2;

#[async_trait]
impl ImportStore for SqlStore {
    async fn import_lookup(
        &self,
        org: OrgId,
        email_keys: &[String],
        username_keys: &[String],
    ) -> R<ImportLookup> {
        // Chunks of keys are looked up on LOOKUP_PARALLEL connections at once, the emails'
        // and the usernames' side by side: on SQLite each connection reads on its own thread.
        let emails: Vec<_> = email_keys
            .chunks(LOOKUP_CHUNK)
            .map(|chunk| self.lookup_emails(org, chunk))
            .collect();
        let names: Vec<_> = username_keys
            .chunks(LOOKUP_CHUNK)
            .map(|chunk| self.lookup_usernames(chunk))
            .collect();
        let emails = stream::iter(emails)
            .buffer_unordered(LOOKUP_PARALLEL)
            .try_collect::<Vec<_>>();
        let names = stream::iter(names)
            .buffer_unordered(LOOKUP_PARALLEL)
            .try_collect::<Vec<_>>();
        let (emails, names) = futures::future::try_join(emails, names).await?;
        Ok(ImportLookup {
            users: emails.into_iter().flatten().collect(),
            taken_usernames: names.into_iter().flatten().collect(),
        })
    }

    async fn import_members(
        &self,
        ctx: &AuditCtx,
        w: ImportWrite,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        let sqlite = self.backend_kind() == Backend::Sqlite;
        if sqlite {
            // A larger page cache for this transaction: the indexes keyed by user id take
            // their entries in random order, and a cache that spills writes pages to the
            // WAL that the next chunk changes again. Set back before this connection goes
            // back to the pool, whatever the outcome.
            let cache = format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}");
            exec(&mut tx, self.raw(&cache, vec![])).await?;
        }
        let written = self.import_in(&mut tx, ctx, w, progress).await;
        if sqlite {
            let cache = format!("PRAGMA cache_size = -{}", crate::CACHE_KIB);
            exec(&mut tx, self.raw(&cache, vec![])).await?;
        }
        written?;
        tx.commit().await.map_err(db_err)
    }
}

impl SqlStore {
    /// The users known by one chunk of email keys, and whether each is already a member of
    /// `org`.
    async fn lookup_emails(&self, org: OrgId, chunk: &[String]) -> R<Vec<(String, KnownUser)>> {
        let mut conn = self.conn().await?;
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
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push((
                rows::s(r, "email_key")?,
                KnownUser {
                    id: rows::user_id(r, "id")?,
                    username: rows::s(r, "username")?,
                    member: false,
                    has_allowlist: rows::os(r, "ip_allowlist")?.is_some(),
                },
            ));
        }
        if out.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = out.iter().map(|(_, u)| u.id.to_string()).collect();
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
        for (_, u) in &mut out {
            u.member = member.contains(&u.id);
        }
        Ok(out)
    }

    /// Which of one chunk of username keys are taken.
    async fn lookup_usernames(&self, chunk: &[String]) -> R<Vec<String>> {
        let mut conn = self.conn().await?;
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
        rows.iter().map(|r| rows::s(r, "username_key")).collect()
    }
}

/// The import connection's page cache, in KiB (512 MiB). 100,000 new members write about
/// 285 MB of pages into a new database and 380 MB into one of a million users, where a
/// smaller cache spilled pages to the WAL that later chunks changed again (commit and
/// checkpoint 1.2–2.1 s against 0.8–1.2 s).
const IMPORT_CACHE_KIB: i64 = 524_288;

impl SqlStore {
    /// Everything the import writes, inside the caller's transaction.
    async fn import_in(
        &self,
        tx: &mut AnyConnection,
        ctx: &AuditCtx,
        w: ImportWrite,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> R<()> {
        let seats = Seats {
            org: w.org,
            app: w.app_seats,
            office: w.office_seats,
        };
        self.import_seats_in(tx, seats, ctx).await?;
        let chain = Chain::start(tx, self).await?;
        let sqlite = self.backend_kind() == Backend::Sqlite;
        let mut indexed_up_to = 0;
        if sqlite {
            // Foreign keys checked once at commit (a failure still refuses the whole import),
            // so no INSERT may abort half-way and need its own statement journal. SQLite turns
            // this off again at the end of the transaction.
            exec(tx, self.raw("PRAGMA defer_foreign_keys = ON", vec![])).await?;
            // The search index is filled once at the end (migration 0021).
            indexed_up_to = self.defer_search_index(tx).await?;
        }
        // A back-office seat per role the import assigns: the engine must be rebuilt.
        if w.office_seats > 0 {
            self.bump_access(tx).await?;
        }
        // The statements are built (values, audit hashes) on a blocking thread while this task
        // runs them: on SQLite the database's own work and the building overlap on two cores.
        // Nothing built depends on what the database answers (memberships take the users'
        // sequence numbers with INSERT … SELECT), so the builder never waits for a reply.
        let (send, mut batches) = tokio::sync::mpsc::channel(4);
        let backend = self.backend_kind();
        let bctx = ctx.clone();
        let builder =
            tokio::task::spawn_blocking(move || build_batches(backend, &bctx, w, chain, &send));
        while let Some((statements, done)) = batches.recv().await {
            for (sql, args) in statements {
                sqlx::query_with(AssertSqlSafe(sql), args)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            progress(done);
        }
        let chain = builder
            .await
            .map_err(|e| StoreError::Backend(format!("import builder failed: {e}")))??;
        chain.finish(tx, self).await?;
        if sqlite {
            self.index_new_users(tx, indexed_up_to).await?;
        }
        Ok(())
    }

    /// SQLite: stops `users_fts_insert` for the rest of this transaction and returns the
    /// highest user sequence number so far (every user after it is the import's).
    async fn defer_search_index(&self, tx: &mut AnyConnection) -> R<i64> {
        exec(
            tx,
            self.raw(
                "UPDATE search_index_deferral SET deferred = 1 WHERE id = 1",
                vec![],
            ),
        )
        .await?;
        let r = fetch_opt(
            tx,
            self.raw("SELECT COALESCE(MAX(seq), 0) AS seq FROM users", vec![]),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("no answer for the users' last seq".into()))?;
        rows::i(&r, "seq")
    }

    /// SQLite: indexes every user created after `after` for search in one statement, and
    /// lets `users_fts_insert` run again before the transaction commits.
    async fn index_new_users(&self, tx: &mut AnyConnection, after: i64) -> R<()> {
        exec(
            tx,
            self.raw(
                "INSERT INTO users_fts (rowid, search_document) \
                 SELECT seq, search_document FROM users WHERE seq > ?",
                vec![after.into()],
            ),
        )
        .await?;
        exec(
            tx,
            self.raw(
                "UPDATE search_index_deferral SET deferred = 0 WHERE id = 1",
                vec![],
            ),
        )
        .await?;
        Ok(())
    }
}

/// Renders one of the import's INSERTs. On SQLite as `INSERT OR FAIL`: a violated constraint
/// stops the statement where it is instead of undoing that statement alone, so SQLite keeps no
/// statement journal (it would otherwise copy every page a multi-row INSERT touches). The
/// import is all or nothing anyway: the error ends it and the whole transaction is rolled back.
/// (Not `OR ROLLBACK`: SQLite would end the transaction under sqlx's feet.)
pub(crate) fn insert<S: sea_query_sqlx::SqlxBinder>(
    backend: Backend,
    q: &S,
) -> (String, SqlxValues) {
    let (sql, values) = backend.build(q);
    match backend {
        Backend::Sqlite => (
            sql.replacen("INSERT INTO", "INSERT OR FAIL INTO", 1),
            values,
        ),
        Backend::Postgres => (sql, values),
    }
}

/// One chunk's statements, and how many rows are written once they have run.
struct Batch {
    statements: Vec<(String, SqlxValues)>,
    done: u64,
}

impl Batch {
    /// Binds the values here, on the building thread, so the writer only sends them.
    fn bind(self) -> (Vec<(String, AnyArguments)>, u64) {
        let statements = self
            .statements
            .into_iter()
            .map(|(sql, values)| (sql, IntoArguments::<sqlx::Any>::into_arguments(values)))
            .collect();
        (statements, self.done)
    }
}

/// Builds every statement of the import, chunk by chunk, and hands them to the writer. New
/// users get one `user.create` entry (their membership and applications in its changes, their
/// personal data in its erasable payload); known users one `member.add`; roles one
/// `assignment.add` each; the import one `member.import`.
fn build_batches(
    backend: Backend,
    ctx: &AuditCtx,
    w: ImportWrite,
    mut chain: Chain,
    send: &tokio::sync::mpsc::Sender<(Vec<(String, AnyArguments)>, u64)>,
) -> R<Chain> {
    let org = w.org;
    let org_s = org.to_string();
    let at = ctx.at.millis();
    let mut done = 0u64;
    for planned in w.chunks {
        let mut new_users = planned.new_users.iter();
        for chunk in planned.members.chunks(CHUNK) {
            let mut statements = Vec::with_capacity(8);
            let created: Vec<_> = new_users
                .by_ref()
                .take(
                    chunk
                        .iter()
                        .filter(|m| m.kind == MembershipKind::Internal)
                        .count(),
                )
                .collect();
            if !created.is_empty() {
                let rows = created
                    .iter()
                    .map(|(u, _)| user_values(u, Some(org), ctx.at))
                    .collect();
                let q = multi_insert(U::Table, INSERT_USER_COLUMNS, rows);
                statements.push(insert(backend, &q));
                let rows = created
                    .iter()
                    .map(|(_, wl)| {
                        let t = &wl.token;
                        vec![
                            t.token_hash.clone().into(),
                            t.user_id.to_string().into(),
                            t.purpose.as_str().into(),
                            t.created_at.millis().into(),
                            t.expires_at.millis().into(),
                        ]
                    })
                    .collect();
                let columns = [
                    T::TokenHash,
                    T::UserId,
                    T::Purpose,
                    T::CreatedAt,
                    T::ExpiresAt,
                ];
                statements.push(insert(backend, &multi_insert(T::Table, columns, rows)));
                let rows = created
                    .iter()
                    .map(|(_, wl)| crate::outbox::insert_values(&wl.email).to_vec())
                    .collect();
                let q = multi_insert(
                    crate::outbox::EmailOutbox::Table,
                    crate::outbox::COLUMNS[1..].iter().copied(),
                    rows,
                );
                statements.push(insert(backend, &q));
            }
            // Memberships, with each user's sequence number read by the statement itself.
            for kind in [MembershipKind::Internal, MembershipKind::External] {
                let ids: Vec<String> = chunk
                    .iter()
                    .filter(|m| m.kind == kind)
                    .map(|m| m.user.to_string())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let q = Query::insert()
                    .into_table(M::Table)
                    .columns([M::OrgId, M::UserId, M::UserSeq, M::Kind, M::CreatedAt])
                    .select_from(
                        Query::select()
                            .expr(Expr::val(org_s.clone()))
                            .columns([U::Id, U::Seq])
                            .expr(Expr::val(kind.as_str()))
                            .expr(Expr::val(at))
                            .from(U::Table)
                            .and_where(Expr::col(U::Id).is_in(ids))
                            .to_owned(),
                    )
                    .map_err(|e| StoreError::Backend(e.to_string()))?
                    .to_owned();
                statements.push(insert(backend, &q));
            }
            let grants: Vec<_> = chunk
                .iter()
                .flat_map(|m| m.applications.iter().map(move |a| (m.user, *a)))
                .collect();
            for g in grants.chunks(CHUNK) {
                let rows = g
                    .iter()
                    .map(|(u, a)| {
                        vec![
                            org_s.clone().into(),
                            u.to_string().into(),
                            a.to_string().into(),
                            at.into(),
                        ]
                    })
                    .collect();
                let columns = [MA::OrgId, MA::UserId, MA::AppId, MA::GrantedAt];
                statements.push(insert(backend, &multi_insert(MA::Table, columns, rows)));
            }
            let assignments: Vec<_> = chunk.iter().filter_map(|m| m.assignment.as_ref()).collect();
            if !assignments.is_empty() {
                let rows = assignments
                    .iter()
                    .map(|(a, _)| {
                        crate::grants::assignment_values(a, Some(org))
                            .into_iter()
                            .collect()
                    })
                    .collect();
                let q = multi_insert(RA::Table, ASSIGNMENT_COLUMNS, rows);
                statements.push(insert(backend, &q));
            }
            let mut audit = Vec::with_capacity(chunk.len());
            let mut created = created.iter();
            for m in chunk {
                let applications: Vec<String> =
                    m.applications.iter().map(|a| a.to_string()).collect();
                if m.kind == MembershipKind::Internal {
                    let (u, _) = created.next().ok_or_else(|| {
                        StoreError::Backend("import: a new user is missing".into())
                    })?;
                    audit.push(
                        AuditDraft::new("user.create")
                            .target("user", u.id)
                            .org(org)
                            .subject(u.id)
                            .changes(json!({
                                "status": u.status.as_str(), "home_org_id": org_s,
                                "kind": "internal", "outcome": AddOutcome::Created,
                                "applications": applications, "import": true,
                            }))
                            .pii(json!({
                                "username": u.username, "email": u.email,
                                "first_name": u.first_name, "last_name": u.last_name,
                            })),
                    );
                } else {
                    audit.push(
                        AuditDraft::new("member.add")
                            .target("user", m.user)
                            .org(org)
                            .subject(m.user)
                            .changes(json!({
                                "kind": m.kind.as_str(), "outcome": AddOutcome::AddedExternal,
                                "import": true, "applications": applications,
                            })),
                    );
                }
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
            statements.extend(
                chain
                    .append_rows(ctx, &audit)
                    .into_iter()
                    .map(|rows| insert(backend, &multi_insert(A::Table, ALL_COLUMNS, rows))),
            );
            done += chunk.len() as u64;
            if send
                .blocking_send(Batch { statements, done }.bind())
                .is_err()
            {
                // The writer stopped (its error is the one reported); nothing more to build.
                return Ok(chain);
            }
        }
    }
    if done != w.rows {
        // The planning thread ended early (it panicked): nothing may be committed.
        return Err(StoreError::Backend(format!(
            "import: {done} of {} rows were planned",
            w.rows
        )));
    }
    let summary = AuditDraft::new("member.import")
        .target("organization", org)
        .org(org)
        .changes(w.summary.clone());
    let statements = chain
        .append(ctx, &[summary])
        .iter()
        .map(|q| insert(backend, q))
        .collect();
    let _ = send.blocking_send(Batch { statements, done }.bind());
    Ok(chain)
}

/// The seats an import takes in its organization.
struct Seats {
    org: OrgId,
    app: i64,
    office: i64,
}

impl SqlStore {
    /// L1, L2: the whole import must fit the seats left, counted inside the transaction; a
    /// warning level it reaches is handled as for a single add (C5, `seats_changed_in`).
    async fn import_seats_in(&self, conn: &mut AnyConnection, w: Seats, ctx: &AuditCtx) -> R<()> {
        let at = ctx.at;
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
                w.app,
                SeatKind::Application,
            ),
            (
                rows::oi(&r, "office_seat_limit")?,
                w.office,
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
            let change = SeatChange {
                kind,
                limit: Some(limit),
                before: used,
                after: used + need,
            };
            self.seats_changed_in(conn, ctx, w.org, change).await?;
        }
        Ok(())
    }
}
