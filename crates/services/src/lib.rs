//! Portico's use cases. Every operation takes a proof of who is calling (a capability from
//! [`auth`]) and goes through the [`store::Store`] trait; nothing here knows HTTP or SQL.
//!
//! Architecture invariant: the web console, the REST API and the CLI call these functions and
//! nothing below them, so the three interfaces share one set of rules.

pub mod access;
pub mod api_keys;
pub mod app_records;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod email;
pub mod enrollments;
pub mod error;
pub mod import;
pub mod licenses;
pub mod members;
mod mfa;
pub mod orgs;
pub mod projects;
pub mod records;
pub mod reports;
pub mod security;
pub mod sessions;
pub mod setup;
pub mod store;
pub mod templates;
pub mod users;

use std::sync::Arc;

pub use auth::{BackOffice, OrgScope, Principal, RequestMeta};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::ServiceConfig;
pub use error::{ServiceError, StoreError};
pub use store::Store;

/// The services, shared by every interface. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<ServiceConfig>,
    /// A hash to verify against when the user is unknown, made on first use.
    pub(crate) dummy_hash: Arc<std::sync::OnceLock<String>>,
    /// Password hashes run at most one per core: more at once only thrash the caches (each
    /// argon2id hash touches 19 MiB) and queue requests behind one another anyway.
    pub(crate) hash_slots: Arc<tokio::sync::Semaphore>,
    /// The access-control engine, rebuilt when the database's access version moves.
    pub(crate) access: Arc<access::AccessCache>,
    /// Wakes this process's email delivery worker when a message was queued.
    pub(crate) mail_wake: Arc<tokio::sync::Notify>,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: ServiceConfig) -> Self {
        store.configure_outbox(records::OutboxSettings {
            public_url: config.public_url.clone(),
            delivery: config.email_delivery,
        });
        Self {
            store,
            clock,
            config: Arc::new(config),
            dummy_hash: Arc::default(),
            access: Arc::new(access::AccessCache::new(
                portico_domain::access::Catalog::portico(),
            )),
            mail_wake: Arc::default(),
            hash_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        }
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub fn now(&self) -> portico_domain::Timestamp {
        self.clock.now()
    }

    /// Readiness: the database answers.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }
}
