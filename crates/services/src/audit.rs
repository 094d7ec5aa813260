//! Reading and verifying the audit trail (AU1–AU2). Appending happens inside each store write.

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{AuditDraft, AuditFilter, AuditRow, Reach};
use portico_domain::audit::ChainBreak;
use portico_domain::page::{MAX_LIMIT, Page, PageRequest};
use serde_json::json;

/// AU2: platform auditors see every entry; organization administrators the entries of the
/// organizations where they hold the permission.
fn audit_reach(actor: &BackOffice, perm: &str) -> Result<Reach, ServiceError> {
    match actor.reach(perm) {
        Reach::Orgs(v) if v.is_empty() => Err(ServiceError::Forbidden(format!(
            "you need the permission {perm}"
        ))),
        r => Ok(r),
    }
}

impl Services {
    pub async fn list_audit(
        &self,
        actor: &BackOffice,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRow>, ServiceError> {
        let reach = audit_reach(actor, "audit.view")?;
        Ok(self.store.list_audit(&filter, &page, &reach).await?)
    }

    /// Every entry matching `filter`, newest first, up to `max_rows`, read a page at a time.
    /// An export is itself a security event (AU1): it is appended as `audit.export` with the
    /// filters and the number of rows, after the rows are read (so it is not in its own export).
    pub async fn export_audit(
        &self,
        actor: &BackOffice,
        filter: AuditFilter,
        max_rows: usize,
    ) -> Result<Vec<AuditRow>, ServiceError> {
        let reach = audit_reach(actor, "audit.export")?;
        let mut rows = Vec::new();
        let mut page = PageRequest::first(MAX_LIMIT);
        let mut truncated = false;
        loop {
            let remaining = max_rows - rows.len();
            page.limit = MAX_LIMIT.min(u32::try_from(remaining).unwrap_or(MAX_LIMIT));
            if page.limit == 0 {
                // The cap is reached; one more row would mean the export is incomplete.
                page.limit = 1;
                truncated = !self
                    .store
                    .list_audit(&filter, &page, &reach)
                    .await?
                    .items
                    .is_empty();
                break;
            }
            let p = self.store.list_audit(&filter, &page, &reach).await?;
            rows.extend(p.items);
            match p.next {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        let filters = json!({
            "action": filter.action_prefix,
            "organization_id": filter.org.map(|o| o.to_string()),
            "user_id": filter.user.map(|u| u.to_string()),
        });
        self.store
            .append_audit(
                &actor.principal().audit_ctx(self),
                AuditDraft::new("audit.export").changes(json!({
                    "filters": filters,
                    "rows": rows.len(),
                    "truncated": truncated,
                })),
            )
            .await?;
        Ok(rows)
    }

    /// `portico audit verify`: `Ok(n)` entries intact, or the first broken entry.
    pub async fn verify_audit(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Result<u64, ChainBreak>, ServiceError> {
        Ok(self.store.verify_audit(progress).await?)
    }
}
