//! C4: an organization's portfolio. Everything starts from an [`OrgScope`], so another
//! tenant's organization is "not found"; changes need `catalog.manage` there.

use super::{CourseFilter, CourseRecord, ProductFilter, ProductRecord};
use crate::Services;
use crate::auth::OrgScope;
use crate::error::ServiceError;
use portico_domain::catalog::ProductStatus;
use portico_domain::ids::{CourseId, ProductId};
use portico_domain::page::{Page, PageRequest};

/// Which list of an organization's catalog tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Portfolio {
    /// What the organization has activated (`catalog.view` there).
    Activated,
    /// What it could activate: published products / all courses not yet activated
    /// (`catalog.manage` there).
    Available,
}

impl Services {
    fn portfolio_check(scope: &OrgScope, which: Portfolio) -> Result<(), ServiceError> {
        match which {
            Portfolio::Activated => scope.require("catalog.view"),
            Portfolio::Available => scope.require("catalog.manage"),
        }
    }

    pub async fn org_products(
        &self,
        scope: &OrgScope,
        which: Portfolio,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ProductRecord>, ServiceError> {
        Self::portfolio_check(scope, which)?;
        let terms = q.and_then(portico_domain::search::query_terms);
        let filter = match which {
            Portfolio::Activated => ProductFilter {
                terms,
                activated_in: Some(scope.org_id()),
                ..Default::default()
            },
            Portfolio::Available => ProductFilter {
                terms,
                status: Some(ProductStatus::Published),
                not_activated_in: Some(scope.org_id()),
                ..Default::default()
            },
        };
        Ok(self.store.list_products(&filter, &page).await?)
    }

    pub async fn org_courses(
        &self,
        scope: &OrgScope,
        which: Portfolio,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<CourseRecord>, ServiceError> {
        Self::portfolio_check(scope, which)?;
        let terms = q.and_then(portico_domain::search::query_terms);
        let org = Some(scope.org_id());
        let filter = match which {
            Portfolio::Activated => CourseFilter {
                terms,
                activated_in: org,
                ..Default::default()
            },
            Portfolio::Available => CourseFilter {
                terms,
                not_activated_in: org,
                ..Default::default()
            },
        };
        Ok(self.store.list_courses(&filter, &page).await?)
    }

    /// Activates a published product for the organization (`catalog.manage` there).
    pub async fn activate_product(
        &self,
        scope: &OrgScope,
        id: ProductId,
    ) -> Result<ProductRecord, ServiceError> {
        scope.require("catalog.manage")?;
        let ctx = scope.actor().principal().audit_ctx(self);
        self.store
            .activate_product(&ctx, scope.org_id(), id)
            .await?;
        self.store
            .get_product(id)
            .await?
            .ok_or(ServiceError::NotFound("product"))
    }

    pub async fn deactivate_product(
        &self,
        scope: &OrgScope,
        id: ProductId,
    ) -> Result<(), ServiceError> {
        scope.require("catalog.manage")?;
        let ctx = scope.actor().principal().audit_ctx(self);
        Ok(self
            .store
            .deactivate_product(&ctx, scope.org_id(), id)
            .await?)
    }

    pub async fn activate_course(
        &self,
        scope: &OrgScope,
        id: CourseId,
    ) -> Result<CourseRecord, ServiceError> {
        scope.require("catalog.manage")?;
        let ctx = scope.actor().principal().audit_ctx(self);
        self.store.activate_course(&ctx, scope.org_id(), id).await?;
        self.store
            .get_course(id)
            .await?
            .ok_or(ServiceError::NotFound("course"))
    }

    pub async fn deactivate_course(
        &self,
        scope: &OrgScope,
        id: CourseId,
    ) -> Result<(), ServiceError> {
        scope.require("catalog.manage")?;
        let ctx = scope.actor().principal().audit_ctx(self);
        Ok(self
            .store
            .deactivate_course(&ctx, scope.org_id(), id)
            .await?)
    }
}
