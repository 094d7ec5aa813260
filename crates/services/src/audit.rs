//! Reading and verifying the audit trail (AU1–AU2). Appending happens inside each store write.

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{AuditFilter, AuditRow};
use portico_domain::audit::ChainBreak;
use portico_domain::page::{Page, PageRequest};

impl Services {
    pub async fn list_audit(
        &self,
        _actor: &BackOffice,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRow>, ServiceError> {
        Ok(self.store.list_audit(&filter, &page).await?)
    }

    /// `portico audit verify`: `Ok(n)` entries intact, or the first broken entry.
    pub async fn verify_audit(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Result<u64, ChainBreak>, ServiceError> {
        Ok(self.store.verify_audit(progress).await?)
    }
}
