//! Bulk member import: batched look-ups, then one transaction of multi-row inserts with the
//! same rows a single `add_member` writes, one audit entry per row (plus one `member.import`
//! entry). The statements are built on a second thread while the first runs them
//! (`import_batches`). On SQLite the import's connection gets a larger page cache
//! for the transaction, and the search index is filled once at the end instead of row by row
//! (migration 0021).

use crate::audit::Chain;
use crate::import_batches::build_batches;
use crate::rows::{self, R};
use crate::schema::{Memberships as M, Users as U};
use crate::seat_warnings::SeatChange;
use crate::{Backend, SqlStore, db_err, exec, fetch_all, fetch_opt};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt, stream};
use portico_domain::ids::OrgId;
use portico_services::StoreError;
use portico_services::import::{ImportLookup, ImportStore, ImportWrite, KnownUser};
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use sqlx::{AnyConnection, AssertSqlSafe};

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
