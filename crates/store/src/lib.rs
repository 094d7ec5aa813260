//! Portico's storage: one implementation of [`portico_services::Store`] for SQLite and
//! PostgreSQL. Statements are built with sea-query and rendered for the connected backend, so
//! the SQL is written once; the few places that must differ (full-text search, how a write
//! transaction takes its lock, the snapshot `load_access` reads in) are marked and kept in
//! `search.rs`, [`SqlStore::begin_write`] and `access.rs`.
//!
//! Architecture invariant: only this crate knows SQL. Every trait method is one transaction,
//! and every change appends its audit entry inside that transaction.

mod access;
mod access_users;
mod app_assignments;
mod applications;
mod audit;
mod bulk;
mod calendar;
mod catalog;
mod catalog_courses;
mod catalog_files;
mod catalog_impl;
mod credentials;
mod demo_activity;
mod enrollments;
mod grants;
mod import;
mod import_batches;
mod licenses;
mod memberships;
mod migrate;
mod multi_insert;
mod orgs;
mod outbox;
mod platform_templates;
mod projects;
mod report_pages;
mod reports;
mod rows;
mod schema;
mod search;
mod seat_warnings;
mod security;
mod sessions;
mod store_impl;
mod templates;
mod users;

use portico_services::StoreError;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Executor, Transaction};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Renders a sea-query statement for this backend (usable off the store, e.g. on the
    /// bulk import's statement-building thread).
    pub(crate) fn build<S: SqlxBinder>(self, stmt: &S) -> (String, SqlxValues) {
        match self {
            Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
            Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
        }
    }
}

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; writers of this process queue here instead of
    /// sleeping in SQLite's busy handler. (Other processes still meet `BEGIN IMMEDIATE`.)
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How a message this store queues by itself is made (a license warning); set by
    /// `Services::new` through `Store::configure_outbox`.
    outbox: std::sync::RwLock<portico_services::records::OutboxSettings>,
}

/// A write transaction, holding this process's SQLite write turn while it lives.
pub(crate) struct Tx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl SqlStore {
    /// Opens `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Backend(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    // A new database gets 8 KiB pages (SQLite's default is 4 KiB); an existing
                    // one keeps its page size, since SQLite ignores this once the file has
                    // content. Half as many pages to write, log and checkpoint for the same
                    // rows: a 100,000-row import's commit and checkpoint went from 0.95 s to
                    // 0.7 s (README, Bulk import).
                    conn.execute(AssertSqlSafe(format!("PRAGMA page_size = {PAGE_SIZE}")))
                        .await?;
                    conn.execute(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                         PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
                    )
                    .await?;
                    conn.execute(AssertSqlSafe(format!("PRAGMA cache_size = -{CACHE_KIB}")))
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(url).await.map_err(db_err)?;
        if backend == Backend::Sqlite {
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(db_err)?;
        }
        Ok(Self {
            pool,
            backend,
            write_lock: Default::default(),
            outbox: Default::default(),
        })
    }

    /// The zero-configuration database: `DIR/portico.db`, created if missing, WAL mode.
    pub async fn open_sqlite_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join("portico.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Self::connect(&url, 8).await
    }

    pub fn backend_kind(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        migrate::run(self).await
    }

    /// Runs a statement as written (maintenance, tests that tamper with rows on purpose).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Renders a sea-query statement for the connected backend.
    pub(crate) fn build<S: SqlxBinder>(&self, stmt: &S) -> (String, SqlxValues) {
        self.backend.build(stmt)
    }

    /// A hand-written statement with `?` placeholders, for the few queries sea-query cannot
    /// express portably (recursive CTEs); rendered with `$n` for PostgreSQL.
    pub(crate) fn raw(&self, sql: &str, values: Vec<sea_query::Value>) -> (String, SqlxValues) {
        let sql = match self.backend {
            Backend::Sqlite => sql.to_string(),
            Backend::Postgres => {
                let mut out = String::with_capacity(sql.len() + 8);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        };
        (sql, SqlxValues(sea_query::Values(values)))
    }

    /// Begins a write transaction that holds the write lock from its first statement, so its
    /// reads and checks cannot be invalidated by a concurrent writer before it commits.
    /// SQLite: `BEGIN IMMEDIATE`. PostgreSQL: lock the audit head row, which every change
    /// updates anyway (AU2's chain needs writes in one order).
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.write_turn().await;
                let tx = self
                    .pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(db_err)?;
                Ok(Tx { tx, _turn: turn })
            }
            Backend::Postgres => {
                let mut tx = self.pool.begin().await.map_err(db_err)?;
                sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                Ok(Tx { tx, _turn: None })
            }
        }
    }
}

/// A SQLite connection's page cache, in KiB (64 MiB). A bulk import raises its own
/// connection's for the length of its transaction (`import::IMPORT_CACHE_KIB`).
pub(crate) const CACHE_KIB: i64 = 65_536;

/// The page size of a new SQLite database, in bytes.
pub const PAGE_SIZE: u32 = 8192;

impl SqlStore {
    /// `DELETE FROM table WHERE cond`, rendered for the backend.
    pub(crate) async fn delete_where<T: sea_query::IntoIden>(
        &self,
        conn: &mut AnyConnection,
        table: T,
        cond: sea_query::SimpleExpr,
    ) -> Result<u64, StoreError> {
        exec(
            conn,
            self.build(
                &sea_query::Query::delete()
                    .from_table(table)
                    .and_where(cond)
                    .to_owned(),
            ),
        )
        .await
    }

    /// This process's turn to write (SQLite only; PostgreSQL has row locks).
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }
}

/// SQLite reports the columns of a violated unique index, not its name: the indexes by their
/// columns, so that `StoreError::Unique` names the constraint the same way on both backends.
const SQLITE_UNIQUE: &[(&str, &str)] = &[
    ("organizations.slug", "organizations_slug_key"),
    ("users.username_key", "users_username_key"),
    ("users.email_key", "users_email_key"),
    ("users.is_super_admin", "users_one_super_admin"),
    (
        "memberships.org_id, memberships.user_id",
        "memberships_pkey",
    ),
    ("roles.key", "roles_key_key"),
    ("applications.slug", "applications_slug_key"),
    ("applications.is_default", "applications_one_default"),
    (
        "organization_applications.org_id, organization_applications.app_id",
        "organization_applications_pkey",
    ),
    (
        "membership_applications.org_id, membership_applications.user_id, \
         membership_applications.app_id",
        "membership_applications_pkey",
    ),
    (
        "application_permissions.key",
        "application_permissions_pkey",
    ),
    ("roles.level, roles.name_key", "roles_name_key"),
    (
        "role_assignments.user_id, role_assignments.role_id, role_assignments.scope",
        "role_assignments_unique",
    ),
    (
        "permission_overrides.user_id, permission_overrides.permission, \
         permission_overrides.scope, permission_overrides.effect",
        "permission_overrides_unique",
    ),
    (
        "relationships.org_id, relationships.relation, relationships.from_user_id, \
         relationships.to_user_id",
        "relationships_pkey",
    ),
];

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        let what = match d.constraint() {
            Some(c) => c.to_owned(),
            None => {
                let m = d.message();
                let columns = m.strip_prefix("UNIQUE constraint failed: ").unwrap_or(m);
                SQLITE_UNIQUE
                    .iter()
                    .find(|(cols, _)| *cols == columns)
                    .map(|(_, name)| (*name).to_owned())
                    .unwrap_or_else(|| m.to_owned())
            }
        };
        return StoreError::Unique(what);
    }
    StoreError::Backend(e.to_string())
}

pub(crate) async fn fetch_all(
    conn: &mut AnyConnection,
    (sql, values): (String, SqlxValues),
) -> Result<Vec<AnyRow>, StoreError> {
    sqlx::query_with(AssertSqlSafe(sql), values)
        .fetch_all(conn)
        .await
        .map_err(db_err)
}

pub(crate) async fn fetch_opt(
    conn: &mut AnyConnection,
    (sql, values): (String, SqlxValues),
) -> Result<Option<AnyRow>, StoreError> {
    sqlx::query_with(AssertSqlSafe(sql), values)
        .fetch_optional(conn)
        .await
        .map_err(db_err)
}

pub(crate) async fn exec(
    conn: &mut AnyConnection,
    (sql, values): (String, SqlxValues),
) -> Result<u64, StoreError> {
    sqlx::query_with(AssertSqlSafe(sql), values)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
        .map_err(db_err)
}

impl SqlStore {
    pub(crate) async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        self.pool.acquire().await.map_err(db_err)
    }
}
