//! The part of the storage trait for templates and texts ([`crate::Store`] extends it). Each
//! write is one transaction with its audit entry.

use super::platform::{PlatformKind, PlatformOverride, PlatformTemplateVersion};
use super::records::*;
use crate::records::AuditCtx;
use crate::store::StoreResult;
use async_trait::async_trait;
use portico_domain::ids::{EmailTemplateId, OrgId};

#[async_trait]
pub trait TemplateStore: Send + Sync {
    // --- platform templates (C5, S4) ---------------------------------------------------------
    /// The overrides of one family, of one key or all, by key and language.
    async fn platform_overrides(
        &self,
        kind: PlatformKind,
        key: Option<&str>,
    ) -> StoreResult<Vec<PlatformOverride>>;
    /// The edit counters of one family (of one key or all); a (key, language) never edited
    /// has none (version 0).
    async fn platform_template_versions(
        &self,
        kind: PlatformKind,
        key: Option<&str>,
    ) -> StoreResult<Vec<PlatformTemplateVersion>>;
    /// Creates or replaces the override of (kind, key, language); the new version. Refuses
    /// (Stale) an `expected_version` that is not the current one.
    async fn put_platform_override(
        &self,
        ctx: &AuditCtx,
        o: PlatformOverride,
        expected_version: Option<i64>,
    ) -> StoreResult<i64>;
    /// Removes it (back to the built-in); the new version, `None` when there was none.
    /// Refuses (Stale) an `expected_version` that is not the current one.
    async fn delete_platform_override(
        &self,
        ctx: &AuditCtx,
        kind: PlatformKind,
        key: &str,
        language: &str,
        expected_version: Option<i64>,
    ) -> StoreResult<Option<i64>>;

    // --- catalog email templates (C2) --------------------------------------------------------
    async fn list_catalog_emails(
        &self,
        filter: &TemplateFilter,
    ) -> StoreResult<Vec<CatalogEmailTemplate>>;
    async fn get_catalog_email(
        &self,
        id: EmailTemplateId,
    ) -> StoreResult<Option<CatalogEmailTemplate>>;
    /// Conflict `email-template-exists` when (key, language) is taken.
    async fn create_catalog_email(
        &self,
        ctx: &AuditCtx,
        id: EmailTemplateId,
        w: CatalogEmailWrite,
    ) -> StoreResult<CatalogEmailTemplate>;
    /// Refuses a stale `expected_version`.
    async fn update_catalog_email(
        &self,
        ctx: &AuditCtx,
        id: EmailTemplateId,
        expected_version: Option<i64>,
        w: CatalogEmailWrite,
    ) -> StoreResult<CatalogEmailTemplate>;
    /// Deletes it with every organization's switch.
    async fn delete_catalog_email(&self, ctx: &AuditCtx, id: EmailTemplateId) -> StoreResult<()>;

    // --- per organization (C4) ---------------------------------------------------------------
    /// Every catalog email template with whether the organization has it switched on.
    async fn org_catalog_emails(
        &self,
        org: OrgId,
        filter: &TemplateFilter,
    ) -> StoreResult<Vec<OrgEmailTemplate>>;
    /// Switches one on or off; false when it already was. NotFound for an unknown template.
    async fn set_org_catalog_email(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        id: EmailTemplateId,
        enabled: bool,
    ) -> StoreResult<bool>;

    // --- support text (S3) -------------------------------------------------------------------
    async fn support_text(&self) -> StoreResult<Option<SupportTextRecord>>;
    async fn set_support_text(&self, ctx: &AuditCtx, markdown: &str) -> StoreResult<()>;
}
