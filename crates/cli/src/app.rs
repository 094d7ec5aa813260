//! What every database command starts from: the store opened and migrated, the services
//! built, and the operator acting as the super admin. Also the CLI's one error type.

use crate::config::{Config, DatabaseTarget};
use portico_domain::ids::{RoleId, UserId};
use portico_domain::{Email, Username, ValidationError};
use portico_services::access::roles::RoleView;
use portico_services::records::{ScopeRef, UserRecord};
use portico_services::{BackOffice, ServiceError, Services, StoreError, SystemClock};
use portico_store::SqlStore;
use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;

/// A command failure: printed as `error: …` on standard error, exit status 1.
#[derive(Debug)]
pub struct CliError(pub String);

pub type CliResult<T = ExitCode> = Result<T, CliError>;

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CliError {
    pub fn new(m: impl Into<String>) -> Self {
        Self(m.into())
    }
}

impl From<ServiceError> for CliError {
    fn from(e: ServiceError) -> Self {
        match e {
            // The operator at the server's console may see the detail.
            ServiceError::Internal(m) => Self(format!("internal error: {m}")),
            other => Self(other.to_string()),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Backend(m) => Self(format!("database: {m}")),
            other => ServiceError::from(other).into(),
        }
    }
}

impl From<ValidationError> for CliError {
    fn from(e: ValidationError) -> Self {
        Self(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        Self(e.to_string())
    }
}

/// The opened database and the services over it.
pub struct App {
    pub store: Arc<SqlStore>,
    pub services: Services,
}

impl App {
    /// Opens the configured database and applies pending migrations (logged).
    pub async fn open(config: &Config) -> CliResult<Self> {
        let (store, _) = Self::open_with_migrations(config).await?;
        Ok(store)
    }

    /// Like [`App::open`], also returning the names of the migrations it applied.
    pub async fn open_with_migrations(config: &Config) -> CliResult<(Self, Vec<String>)> {
        let mut store = Self::connect(config).await?;
        let applied = store.migrate().await?;
        for m in &applied {
            tracing::info!(migration = %m, "applied migration");
        }
        if !applied.is_empty() {
            // Connections opened before the schema changed may keep what they knew of it
            // (statements, columns); start from new ones.
            store.close().await;
            store = Self::connect(config).await?;
        }
        let store = Arc::new(store);
        let services = Services::new(
            store.clone(),
            Arc::new(SystemClock),
            config.service_config(),
        );
        // Installations made before roles existed get the `basic` preset (once).
        if services.ensure_access_bootstrapped().await? {
            tracing::info!(
                "access control set up: the super admin and platform administrators hold basic.admin"
            );
        }
        Ok((Self { store, services }, applied))
    }

    async fn connect(config: &Config) -> CliResult<SqlStore> {
        match config.database() {
            DatabaseTarget::SqliteDir(dir) => SqlStore::open_sqlite_dir(&dir).await,
            DatabaseTarget::Url(url) => {
                if url.is_postgres() {
                    SqlStore::connect(url.expose(), config.database_max_connections).await
                } else {
                    // Like the data directory's database: created when missing.
                    let u = url.expose();
                    let u = if u.contains("mode=") {
                        u.to_string()
                    } else {
                        format!("{u}{}mode=rwc", if u.contains('?') { '&' } else { '?' })
                    };
                    SqlStore::connect(&u, 8).await
                }
            }
        }
        .map_err(|e| CliError(format!("cannot open the database: {e}")))
    }

    /// The operator acts as the super admin.
    pub async fn back_office(&self) -> CliResult<BackOffice> {
        let principal = self.services.cli_principal().await?;
        Ok(self.services.back_office(principal).await?)
    }

    /// Finds a user by id (`usr_…`), email or username.
    pub async fn find_user(&self, key: &str) -> CliResult<UserRecord> {
        let key = key.trim();
        let found = if let Ok(id) = UserId::parse(key) {
            self.services.store().get_user(id).await?
        } else {
            let lookup = if key.contains('@') {
                Email::parse(key)?.key().to_string()
            } else {
                Username::parse(key)?.key()
            };
            self.services
                .store()
                .find_login(&lookup)
                .await?
                .map(|(u, _)| u)
        };
        found.ok_or_else(|| CliError(format!("no user {key:?}")))
    }

    /// Finds a role by key (`basic.admin`, `custom.…`) or id (`rol_…`).
    pub fn find_role(&self, bo: &BackOffice, key: &str) -> CliResult<RoleView> {
        let key = key.trim();
        let id = match RoleId::parse(key) {
            Ok(id) => Some(id),
            Err(_) => bo.access().role_by_key(key).map(|r| r.id),
        }
        .ok_or_else(|| CliError(format!("no role {key:?}: see `portico role list`")))?;
        Ok(self.services.get_role(bo, id)?)
    }

    /// The scope an `--org SLUG_OR_ID` flag names: that organization (or, given a `prj_…`
    /// id, that project), or the platform.
    pub async fn scope(&self, bo: &BackOffice, org: Option<&str>) -> CliResult<ScopeRef> {
        Ok(match org.map(str::trim) {
            Some(p) if p.starts_with("prj_") => {
                let id = portico_domain::ids::ProjectId::parse(p)
                    .map_err(|_| CliError(format!("not a project id: {p:?}")))?;
                ScopeRef::Project(self.services.project_scope(bo, id).await?.project().id)
            }
            Some(o) => ScopeRef::Org(self.services.resolve_org(bo, o).await?.org_id()),
            None => ScopeRef::Platform,
        })
    }

    /// `platform`, or the organization's slug (its id when it cannot be read).
    pub async fn scope_label(&self, bo: &BackOffice, scope: ScopeRef) -> String {
        match scope {
            ScopeRef::Platform => "platform".into(),
            ScopeRef::Org(o) => match self.services.org_scope(bo, o).await {
                Ok(s) => s.org().slug.clone(),
                Err(_) => o.to_string(),
            },
            ScopeRef::Project(p) => match self.services.project_scope(bo, p).await {
                Ok(s) => format!("{} ({})", s.project().name, s.org_scope().org().slug),
                Err(_) => p.to_string(),
            },
        }
    }

    pub async fn close(&self) {
        self.store.close().await;
    }
}
