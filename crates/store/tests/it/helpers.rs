//! A fresh, migrated store per test: a temporary SQLite file, or a new PostgreSQL database
//! when `PORTICO_TEST_POSTGRES_URL` is set. Fixtures build the records the tests write.

use portico_domain::Timestamp;
use portico_domain::access::Level;
use portico_domain::ids::{AssignmentId, OrgId, OverrideId, RoleId, UserId};
use portico_domain::user::UserStatus;
use portico_services::records::*;
use portico_services::{ServiceError, Store, StoreError};
use portico_store::SqlStore;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Db {
    pub store: SqlStore,
    pub backend: Backend,
    /// A second pool on the same database, for the tests' own checks.
    pub raw: sqlx::AnyPool,
    /// The super admin, created with the store.
    pub admin: UserRecord,
    /// The database's URL (PostgreSQL: dropped once the test has passed).
    pub url: String,
    dir: Option<tempfile::TempDir>,
}

/// Runs a test body (`|db: Db| async move { … }`) on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let mut db = $crate::helpers::Db::open($crate::helpers::Backend::Sqlite)
                    .await
                    .expect("sqlite store");
                // The body may capture only some fields of `db`: the directory must outlive it.
                let _dir = db.take_dir();
                ($body)(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::helpers::Db::open($crate::helpers::Backend::Postgres).await
                else {
                    return;
                };
                let url = db.url.clone();
                ($body)(db).await;
                $crate::helpers::drop_test_database(&url).await;
            }
        }
    };
}

/// Drops a PostgreSQL test database after its test passed (a failed test's is kept to look
/// at), so that a developer's cluster does not fill up run after run. Best effort.
pub async fn drop_test_database(url: &str) {
    let (Ok(admin_url), Some((_, name))) = (
        std::env::var("PORTICO_TEST_POSTGRES_URL"),
        url.rsplit_once('/'),
    ) else {
        return;
    };
    if !name.starts_with("portico_store_") {
        return;
    }
    if let Ok(admin) = SqlStore::connect(&admin_url, 1).await {
        let _ = admin
            .execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
        admin.close().await;
    }
}

/// A one-connection pool of the tests' own on the database at `url`.
pub async fn raw_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("second pool")
}

/// Opens an empty, unmigrated store; also returns its URL.
pub async fn open_store(backend: Backend) -> Option<(SqlStore, String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = SqlStore::open_sqlite_dir(dir.path())
                .await
                .expect("open sqlite");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("portico.db").display()
            );
            Some((store, url, Some(dir)))
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("PORTICO_TEST_POSTGRES_URL") else {
                if std::env::var("PORTICO_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!(
                        "PORTICO_TEST_REQUIRE_POSTGRES=1 but PORTICO_TEST_POSTGRES_URL is not set"
                    );
                }
                eprintln!("skipping the PostgreSQL run: PORTICO_TEST_POSTGRES_URL is not set");
                return None;
            };
            let suffix: String = UserId::generate()
                .to_string()
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let name = format!("portico_store_{suffix}");
            let admin = SqlStore::connect(&admin_url, 1)
                .await
                .expect("connect admin");
            admin
                .execute_raw(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            admin.close().await;
            let (prefix, _) = admin_url.rsplit_once('/').expect("url with a database");
            let url = format!("{prefix}/{name}");
            let store = SqlStore::connect(&url, 6)
                .await
                .expect("connect test database");
            Some((store, url, None))
        }
    }
}

impl Db {
    pub fn take_dir(&mut self) -> Option<tempfile::TempDir> {
        self.dir.take()
    }

    pub async fn open(backend: Backend) -> Option<Db> {
        let (store, url, dir) = open_store(backend).await?;
        store.migrate().await.expect("migrate");
        let raw = raw_pool(&url).await;
        let mut new = new_user("admin");
        new.is_super_admin = true;
        let admin = store.create_user(&ctx(), new).await.expect("super admin");
        Some(Db {
            store,
            backend,
            raw,
            admin,
            url,
            dir,
        })
    }

    pub fn ctx(&self) -> AuditCtx {
        AuditCtx {
            actor: Some(self.admin.id),
            ..ctx()
        }
    }

    pub async fn user(&self, name: &str) -> UserRecord {
        self.store
            .create_user(&self.ctx(), new_user(name))
            .await
            .expect("create user")
    }

    pub async fn org(&self, name: &str, parent: Option<OrgId>) -> OrgRecord {
        self.org_with(name, parent, vec![], BTreeMap::new()).await
    }

    pub async fn org_with(
        &self,
        name: &str,
        parent: Option<OrgId>,
        tags: Vec<String>,
        attributes: BTreeMap<String, String>,
    ) -> OrgRecord {
        self.store
            .create_org(
                &self.ctx(),
                NewOrg {
                    id: OrgId::generate(),
                    name: name.into(),
                    slug: name.to_lowercase().replace(' ', "-"),
                    parent_id: parent,
                    tags,
                    attributes,
                },
            )
            .await
            .expect("create org")
    }

    /// Adds a new internal member (a new user, email unknown) or an external one.
    pub async fn member(&self, org: OrgId, name: &str) -> UserRecord {
        self.store
            .add_member(
                &self.ctx(),
                org,
                NewMember {
                    user: new_user(name),
                    username_fallbacks: vec![],
                    welcome: None,
                    applications: None,
                },
            )
            .await
            .expect("add member")
            .0
    }

    pub async fn role(&self, key: &str, level: Level, permissions: &[&str]) -> RoleRecord {
        self.store
            .create_role(&self.ctx(), role(key, level, permissions, false))
            .await
            .expect("create role")
    }

    pub async fn assign(&self, user: UserId, role: RoleId, scope: ScopeRef) -> AssignmentRecord {
        self.store
            .add_assignment(
                &self.ctx(),
                AssignmentRecord {
                    created_by: Some(self.admin.id),
                    ..assignment(user, role, scope, None)
                },
            )
            .await
            .expect("add assignment")
    }

    pub async fn version(&self) -> i64 {
        self.store.access_version().await.expect("access version")
    }

    /// The single integer a query returns (`SELECT COUNT(*) …`, a flag).
    pub async fn int(&self, sql: &str) -> i64 {
        use sqlx::Row;
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&self.raw)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.try_get::<i64, _>(0)
            .or_else(|_| row.try_get::<bool, _>(0).map(i64::from))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn count(&self, table: &str, cond: &str) -> i64 {
        let w = if cond.is_empty() {
            String::new()
        } else {
            format!(" WHERE {cond}")
        };
        self.int(&format!("SELECT COUNT(*) FROM {table}{w}")).await
    }

    pub async fn audits(&self, action: &str) -> i64 {
        self.count("audit_events", &format!("action = '{action}'"))
            .await
    }
}

pub fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    )
}

pub fn ctx() -> AuditCtx {
    AuditCtx {
        at: now(),
        actor: None,
        impersonator: None,
        ip: None,
        user_agent: Some("store-tests".into()),
    }
}

pub fn new_user(name: &str) -> NewUser {
    let email = format!("{name}@example.com");
    NewUser {
        id: UserId::generate(),
        username: name.into(),
        username_key: name.to_lowercase(),
        email: email.clone(),
        email_key: email.to_lowercase(),
        first_name: format!("First{name}"),
        last_name: format!("Last{name}"),
        description: String::new(),
        status: UserStatus::Active,
        password_hash: None,
        is_super_admin: false,
        is_platform_admin: false,
        ip_allowlist: None,
        language: None,
        search_document: portico_domain::search::user_document(
            name,
            &format!("First{name}"),
            &format!("Last{name}"),
            &email,
        ),
    }
}

pub fn role(key: &str, level: Level, permissions: &[&str], preset: bool) -> RoleRecord {
    let at = now();
    RoleRecord {
        id: RoleId::generate(),
        key: key.into(),
        name: format!("Role {key}"),
        level,
        description: format!("The {key} role"),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        reach: "scope".into(),
        preset,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

pub fn assignment(
    user: UserId,
    role: RoleId,
    scope: ScopeRef,
    expires_at: Option<Timestamp>,
) -> AssignmentRecord {
    AssignmentRecord {
        id: AssignmentId::generate(),
        user_id: user,
        role_id: role,
        scope,
        expires_at,
        created_at: now(),
        created_by: None,
    }
}

pub fn grant(
    user: UserId,
    permission: &str,
    scope: ScopeRef,
    effect: OverrideEffect,
) -> OverrideRecord {
    OverrideRecord {
        id: OverrideId::generate(),
        user_id: user,
        effect,
        permission: permission.into(),
        scope,
        created_at: now(),
    }
}

/// The problem kind the services layer shows for a store error.
pub fn kind_of(e: StoreError) -> &'static str {
    match ServiceError::from(e) {
        ServiceError::Conflict { kind, .. } => kind,
        other => panic!("not a conflict: {other:?}"),
    }
}

pub fn unique(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Unique(c)) => c,
        other => panic!("expected a unique violation, got {other:?}"),
    }
}
