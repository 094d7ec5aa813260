//! Organizations (O1–O3).

use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::*;
use portico_domain::ids::OrgId;
use portico_domain::org::{Attributes, parse_tags};
use portico_domain::page::{Page, PageRequest};
use portico_domain::{OrgName, OrgStatus, Slug, ValidationError};
use std::collections::BTreeMap;

/// What a person or program sends to create an organization.
#[derive(Debug, Clone, Default)]
pub struct OrgInput {
    pub name: String,
    /// Made from the name when absent.
    pub slug: Option<String>,
    pub parent_id: Option<OrgId>,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, String>,
}

/// What may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct OrgUpdate {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub parent_id: Option<Option<OrgId>>,
    pub status: Option<OrgStatus>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<BTreeMap<String, String>>,
}

/// An organization with what its overview page shows (O2).
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgDetail {
    pub organization: OrgRecord,
    /// Nearest first.
    pub ancestors: Vec<OrgBrief>,
    pub overview: OrgOverview,
}

impl Services {
    /// Platform-wide counts (Home): only for a viewer who sees every organization and every
    /// user; a data filter or an organization-level role makes these totals someone else's.
    pub async fn platform_counts(&self, actor: &BackOffice) -> Result<Counts, ServiceError> {
        if !sees_whole_platform(actor) {
            return Err(ServiceError::Forbidden(
                "platform-wide counts need organizations.view and users.view everywhere".into(),
            ));
        }
        Ok(self.store.counts(self.now()).await?)
    }

    pub async fn create_org(
        &self,
        actor: &BackOffice,
        input: OrgInput,
    ) -> Result<OrgRecord, ServiceError> {
        let name = OrgName::parse(&input.name)?;
        let slug = match input
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Slug::parse(s)?,
            None => Slug::from_name(name.as_str()).ok_or_else(|| {
                ValidationError::new(
                    "slug",
                    "choose a slug: the name has no letters to make one from",
                )
            })?,
        };
        let tags = parse_tags(input.tags.iter().map(String::as_str))?;
        let attributes = Attributes::parse(input.attributes)?;
        match input.parent_id {
            Some(parent) => {
                if !actor.sees_org(parent) {
                    return Err(ValidationError::new(
                        "parent",
                        "the parent organization does not exist",
                    )
                    .into());
                }
                actor.require("organizations.create", ScopeRef::Org(parent))?;
                self.store.get_org(parent).await?.ok_or_else(|| {
                    ValidationError::new("parent", "the parent organization does not exist")
                })?;
            }
            None => actor.require("organizations.create", ScopeRef::Platform)?,
        }
        let new = NewOrg {
            id: OrgId::generate(),
            name: name.as_str().to_string(),
            slug: slug.as_str().to_string(),
            parent_id: input.parent_id,
            tags: tags.iter().map(|t| t.as_str().to_string()).collect(),
            attributes: attributes.as_map().clone(),
        };
        Ok(self
            .store
            .create_org(&actor.principal().audit_ctx(self), new)
            .await?)
    }

    /// Organizations where the caller holds `organizations.view` (P5 filters included).
    pub async fn list_orgs(
        &self,
        actor: &BackOffice,
        filter: OrgFilter,
        page: PageRequest,
    ) -> Result<Page<OrgRecord>, ServiceError> {
        let reach = actor.reach("organizations.view");
        Ok(self.store.list_orgs(&filter, &page, &reach).await?)
    }

    pub async fn org_detail(&self, scope: &OrgScope) -> Result<OrgDetail, ServiceError> {
        scope.require("organizations.view")?;
        let id = scope.org_id();
        Ok(OrgDetail {
            organization: scope.org().clone(),
            ancestors: self.store.org_ancestors(id).await?,
            overview: self.store.org_overview(id).await?,
        })
    }

    /// O1 + P6 for moving an organization: `organizations.create` where it goes, and nobody
    /// who holds something at the new place may gain, over this subtree, permissions the
    /// caller lacks here (people with roles above the new parent reach the moved subtree).
    async fn check_move(
        &self,
        scope: &OrgScope,
        new_parent: Option<OrgId>,
    ) -> Result<(), ServiceError> {
        let actor = scope.actor();
        let access = actor.access();
        let dest = match new_parent {
            Some(p) => {
                if p == scope.org_id() || access.is_within(p, scope.org_id()) {
                    return Err(portico_domain::org::check_no_cycle(&p, &[p])
                        .unwrap_err()
                        .into());
                }
                if !actor.sees_org(p) {
                    return Err(ValidationError::new(
                        "parent",
                        "the parent organization does not exist",
                    )
                    .into());
                }
                ScopeRef::Org(p)
            }
            None => ScopeRef::Platform,
        };
        actor.require("organizations.create", dest)?;
        let here = scope.scope();
        let mine = actor.effective(here);
        let now = actor.now();
        for u in access.users_with_access() {
            let gain = access
                .effective(u, dest, now)
                .difference(&access.effective(u, here, now))
                .intersection(
                    &access
                        .catalog
                        .valid_at(portico_domain::access::Level::Organization),
                );
            let missing = gain.difference(&mine);
            if !missing.is_empty() && !actor.is_super_admin() {
                return Err(ServiceError::Forbidden(format!(
                    "moving it there would give others permissions over it that you lack here ({})",
                    access.catalog.keys(&missing).join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Looks an organization up by id or slug.
    pub async fn resolve_org(
        &self,
        actor: &BackOffice,
        key: &str,
    ) -> Result<OrgScope, ServiceError> {
        if let Ok(id) = OrgId::parse(key) {
            return self.org_scope(actor, id).await;
        }
        let org = self
            .store
            .get_org_by_slug(key)
            .await?
            .ok_or(ServiceError::NotFound("organization"))?;
        self.scope_for(actor, org)
    }

    pub async fn update_org(
        &self,
        scope: &OrgScope,
        expected_version: Option<i64>,
        update: OrgUpdate,
    ) -> Result<OrgRecord, ServiceError> {
        let patch = OrgPatch {
            name: update
                .name
                .map(|n| OrgName::parse(&n).map(|n| n.as_str().to_string()))
                .transpose()?,
            slug: update
                .slug
                .map(|s| Slug::parse(&s).map(|s| s.as_str().to_string()))
                .transpose()?,
            parent_id: update.parent_id,
            status: update.status,
            tags: update
                .tags
                .map(|t| {
                    parse_tags(t.iter().map(String::as_str))
                        .map(|v| v.iter().map(|t| t.as_str().to_string()).collect())
                })
                .transpose()?,
            attributes: update
                .attributes
                .map(|a| Attributes::parse(a).map(|a| a.as_map().clone()))
                .transpose()?,
        };
        scope.require("organizations.edit")?;
        if let Some(new_parent) = patch.parent_id
            && new_parent != scope.org().parent_id
        {
            self.check_move(scope, new_parent).await?;
        }
        Ok(self
            .store
            .update_org(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                expected_version,
                patch,
            )
            .await?)
    }

    pub async fn org_delete_preview(
        &self,
        scope: &OrgScope,
    ) -> Result<OrgDeletePreview, ServiceError> {
        scope.require("organizations.delete")?;
        Ok(self.store.org_delete_preview(scope.org_id()).await?)
    }

    /// O3: only the super admin deletes a top-level organization. The deletion removes the
    /// internal users of the whole subtree (U4), so it is also an act on each of them (P6):
    /// refused if one holds more than the caller, or is the caller.
    pub async fn delete_org(&self, scope: &OrgScope) -> Result<OrgDeletePreview, ServiceError> {
        scope.require("organizations.delete")?;
        if scope.org().parent_id.is_none() && !scope.actor().is_super_admin() {
            return Err(ServiceError::Forbidden(
                "only the super admin may delete a top-level organization".into(),
            ));
        }
        let actor = scope.actor();
        let access = actor.access();
        if actor
            .user()
            .home_org_id
            .is_some_and(|h| access.is_within(h, scope.org_id()))
        {
            return Err(ServiceError::Forbidden(
                "this would delete your own account: you are an internal member here".into(),
            ));
        }
        let holders: Vec<_> = access.users_with_access().collect();
        for id in holders {
            if let Some(u) = self.store.get_user(id).await?
                && u.home_org_id
                    .is_some_and(|h| access.is_within(h, scope.org_id()))
            {
                self.check_act_on(actor, &u, portico_domain::access::UserAction::Delete)
                    .await?;
            }
        }
        Ok(self
            .store
            .delete_org(&scope.actor().principal().audit_ctx(self), scope.org_id())
            .await?)
    }
}

/// Whether `actor` sees every organization and every user (no data filter, no narrower scope).
pub fn sees_whole_platform(actor: &BackOffice) -> bool {
    actor.reach("organizations.view") == Reach::All && actor.reach("users.view") == Reach::All
}
