//! The engine cache. Every request asks the store for the access version (one indexed
//! single-row read); when another transaction — in this process or any other `portico serve`
//! on the same database — has changed roles, assignments, overrides, filters or the
//! organization tree since the snapshot was built, the snapshot is rebuilt before the request
//! goes on. So a change takes effect on the very next request everywhere, and a check itself
//! is a few memory reads.

use super::snapshot::AccessSnapshot;
use crate::Services;
use crate::error::ServiceError;
use crate::records::{AccessData, AppPermissionRecord};
use portico_domain::access::{Catalog, CatalogEntry, LevelSet, Permission};
use std::sync::{Arc, RwLock};

pub struct AccessCache {
    current: RwLock<Arc<AccessSnapshot>>,
    /// One rebuild at a time; requests that find a rebuild under way wait for it.
    rebuild: tokio::sync::Mutex<()>,
    catalog: Arc<Catalog>,
}

impl AccessCache {
    pub fn new(catalog: Catalog) -> Self {
        let catalog = Arc::new(catalog);
        let empty = AccessData {
            version: -1,
            ..Default::default()
        };
        Self {
            current: RwLock::new(Arc::new(AccessSnapshot::build(empty, catalog.clone()))),
            rebuild: tokio::sync::Mutex::new(()),
            catalog,
        }
    }

    fn get(&self) -> Arc<AccessSnapshot> {
        self.current.read().expect("access cache lock").clone()
    }

    /// Portico's built-in catalogue (without applications' permissions: those are in each
    /// snapshot's `catalog`).
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }
}

/// A5: the snapshot's catalogue is Portico's followed by the permissions applications
/// registered, in registration order, so a built-in permission's index never moves. One that
/// no longer fits (a duplicate, past the capacity) is skipped rather than failing requests.
pub fn with_app_permissions(base: &Arc<Catalog>, perms: &[AppPermissionRecord]) -> Arc<Catalog> {
    if perms.is_empty() {
        return base.clone();
    }
    let mut c = (**base).clone();
    for p in perms {
        let Ok(permission) = Permission::parse(&p.key) else {
            continue;
        };
        let _ = c.register(CatalogEntry {
            permission,
            description: p.description.clone(),
            section: p.app_name.clone(),
            levels: LevelSet::of(&p.levels),
            application: Some(p.app_slug.clone()),
        });
    }
    Arc::new(c)
}

impl Services {
    /// Is `user` a back-office user right now (the console's and `/me`'s question)?
    pub async fn is_back_office(
        &self,
        user: portico_domain::ids::UserId,
    ) -> Result<bool, ServiceError> {
        Ok(self
            .access()
            .await?
            .is_back_office(user, self.now().millis()))
    }

    /// The current access snapshot, rebuilt first if the database has moved on.
    pub async fn access(&self) -> Result<Arc<AccessSnapshot>, ServiceError> {
        let version = self.store.access_version().await?;
        let snap = self.access.get();
        if snap.version >= version {
            return Ok(snap);
        }
        let _turn = self.access.rebuild.lock().await;
        let snap = self.access.get();
        if snap.version >= version {
            return Ok(snap);
        }
        let data = self.store.load_access().await?;
        let catalog = with_app_permissions(&self.access.catalog, &data.app_permissions);
        let fresh = if data.orgs.len() + data.assignments.len() > 20_000 {
            tokio::task::spawn_blocking(move || AccessSnapshot::build(data, catalog))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?
        } else {
            AccessSnapshot::build(data, catalog)
        };
        let fresh = Arc::new(fresh);
        *self.access.current.write().expect("access cache lock") = fresh.clone();
        Ok(fresh)
    }
}
