//! Licenses (L1–L3): each organization's application and back-office seat limits.
//!
//! Usage (L1): a member with access to any application of the organization takes one
//! application seat; someone holding a live (unexpired) role assignment at the organization's
//! own scope takes one back-office seat; one with both takes two. The store counts and
//! enforces both inside the writing transaction (L2).

use crate::Services;
use crate::auth::OrgScope;
use crate::error::ServiceError;
use crate::records::*;

impl Services {
    /// After a write that may have taken seats or changed a limit: the store may have queued
    /// license warnings (C5) in it, so the delivery worker looks now rather than at its next
    /// poll.
    pub(crate) fn seats_written(&self) {
        self.email_queued();
    }

    /// Seats used and limits (`licenses.view` in the organization).
    pub async fn licenses(&self, scope: &OrgScope) -> Result<LicenseUsage, ServiceError> {
        scope.require("licenses.view")?;
        Ok(self.store.licenses(scope.org_id(), self.now()).await?)
    }

    /// Seats for the console (no permission needed beyond seeing the organization): whether
    /// "New user" can take an application seat (L3).
    pub async fn seats(&self, scope: &OrgScope) -> Result<LicenseUsage, ServiceError> {
        Ok(self.store.licenses(scope.org_id(), self.now()).await?)
    }

    /// Changes limits (`licenses.manage`, a platform permission); a limit below what is in
    /// use is refused (L3).
    pub async fn set_licenses(
        &self,
        scope: &OrgScope,
        patch: LicensePatch,
    ) -> Result<LicenseUsage, ServiceError> {
        scope.require("licenses.manage")?;
        Ok(self
            .store
            .set_licenses(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                patch,
            )
            .await
            .inspect(|_| self.seats_written())?)
    }
}
