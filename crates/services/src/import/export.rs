//! Exports of users and organizations (the CLI's `portico export`): whole tables, read page
//! by page through the same listings the console uses, audited as one entry each. The users
//! table has the import's columns, so an export can be imported again.

use super::csv_rows::COLUMNS;
use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::{AuditDraft, OrgFilter, ScopeRef};
use portico_domain::page::{MAX_LIMIT, PageRequest};
use serde_json::json;

/// A table to write out: a header and string cells (neutralised by the writer, if CSV).
#[derive(Debug, Clone)]
pub struct ExportTable {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Services {
    /// Users: an organization's members (with their organization role and applications), or
    /// every user the caller may see. `progress` gets the rows read so far.
    pub async fn export_users(
        &self,
        actor: &BackOffice,
        org: Option<&OrgScope>,
        format: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ExportTable, ServiceError> {
        let mut rows = Vec::new();
        let mut page = PageRequest::first(MAX_LIMIT);
        loop {
            let next = match org {
                Some(scope) => {
                    let p = self.list_members(scope, None, page.clone()).await?;
                    let access = actor.access();
                    let now = self.now();
                    for m in p.items {
                        let role = access
                            .assignments_of(m.user.id)
                            .iter()
                            .filter(|a| a.scope == scope.scope())
                            .filter(|a| a.expires_at.is_none_or(|e| e > now))
                            .find_map(|a| access.role(a.role_id))
                            .map(|r| r.key.clone())
                            .unwrap_or_default();
                        let apps: Vec<&str> =
                            m.applications.iter().map(|a| a.slug.as_str()).collect();
                        rows.push(vec![
                            m.user.email,
                            m.user.username,
                            m.user.first_name,
                            m.user.last_name,
                            m.user.language.unwrap_or_default(),
                            role,
                            apps.join(";"),
                            m.user.ip_allowlist.unwrap_or_default().replace(", ", ";"),
                        ]);
                    }
                    p.next
                }
                None => {
                    let p = self.search_users(actor, None, page.clone()).await?;
                    for u in p.items {
                        rows.push(vec![
                            u.email,
                            u.username,
                            u.first_name,
                            u.last_name,
                            u.language.unwrap_or_default(),
                            String::new(),
                            String::new(),
                            u.ip_allowlist.unwrap_or_default().replace(", ", ";"),
                        ]);
                    }
                    p.next
                }
            };
            progress(rows.len() as u64);
            match next {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        let mut d = AuditDraft::new("users.export")
            .changes(json!({ "rows": rows.len(), "format": format }));
        if let Some(s) = org {
            d = d.org(s.org_id()).target("organization", s.org_id());
        }
        self.store
            .append_audit(&actor.principal().audit_ctx(self), d)
            .await?;
        Ok(ExportTable {
            header: COLUMNS.to_vec(),
            rows,
        })
    }

    /// Organizations the caller may see (`organizations.view`).
    pub async fn export_organizations(
        &self,
        actor: &BackOffice,
        format: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ExportTable, ServiceError> {
        if !actor.can("organizations.view", ScopeRef::Platform)
            && actor.reach("organizations.view") == crate::records::Reach::Orgs(Vec::new())
        {
            return Err(ServiceError::Forbidden(
                "exporting organizations needs organizations.view".into(),
            ));
        }
        let mut rows = Vec::new();
        let mut page = PageRequest::first(MAX_LIMIT);
        loop {
            let p = self
                .list_orgs(actor, OrgFilter::default(), page.clone())
                .await?;
            for o in p.items {
                rows.push(vec![
                    o.id.to_string(),
                    o.name,
                    o.slug,
                    o.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                    o.status.as_str().to_string(),
                    o.tags.join(";"),
                    o.created_at.to_rfc3339(),
                ]);
            }
            progress(rows.len() as u64);
            match p.next {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        self.store
            .append_audit(
                &actor.principal().audit_ctx(self),
                AuditDraft::new("organizations.export")
                    .changes(json!({ "rows": rows.len(), "format": format })),
            )
            .await?;
        Ok(ExportTable {
            header: vec![
                "id",
                "name",
                "slug",
                "parent_id",
                "status",
                "tags",
                "created_at",
            ],
            rows,
        })
    }
}
