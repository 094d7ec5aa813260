//! [`CatalogStore`], forwarded to `catalog.rs` and `catalog_courses.rs`.

use crate::SqlStore;
use crate::rows::R;
use async_trait::async_trait;
use portico_domain::ids::{CourseId, OrgId, ProductId};
use portico_domain::page::{Page, PageRequest};
use portico_services::catalog::*;
use portico_services::records::AuditCtx;

#[async_trait]
impl CatalogStore for SqlStore {
    async fn list_products(&self, f: &ProductFilter, page: &PageRequest) -> R<Page<ProductRecord>> {
        self.list_products_q(f, page).await
    }
    async fn get_product(&self, id: ProductId) -> R<Option<ProductRecord>> {
        self.get_product_q(id).await
    }
    async fn create_product(&self, ctx: &AuditCtx, new: NewProduct) -> R<ProductRecord> {
        self.create_product_q(ctx, new).await
    }
    async fn update_product(
        &self,
        ctx: &AuditCtx,
        id: ProductId,
        expected: Option<i64>,
        patch: ProductPatch,
    ) -> R<ProductRecord> {
        self.update_product_q(ctx, id, expected, patch).await
    }
    async fn delete_product(&self, ctx: &AuditCtx, id: ProductId) -> R<ProductRecord> {
        self.delete_product_q(ctx, id).await
    }
    async fn put_product_file(
        &self,
        ctx: &AuditCtx,
        id: ProductId,
        expected: Option<i64>,
        meta: FileMeta,
        data: Vec<u8>,
    ) -> R<ProductRecord> {
        self.put_product_file_q(ctx, id, expected, meta, data).await
    }
    async fn product_file(&self, id: ProductId) -> R<Option<(FileMeta, Vec<u8>)>> {
        self.product_file_q(id).await
    }
    async fn list_courses(&self, f: &CourseFilter, page: &PageRequest) -> R<Page<CourseRecord>> {
        self.list_courses_q(f, page).await
    }
    async fn get_course(&self, id: CourseId) -> R<Option<CourseRecord>> {
        self.get_course_q(id).await
    }
    async fn create_course(&self, ctx: &AuditCtx, new: NewCourse) -> R<CourseRecord> {
        self.create_course_q(ctx, new).await
    }
    async fn update_course(
        &self,
        ctx: &AuditCtx,
        id: CourseId,
        expected: Option<i64>,
        patch: CoursePatch,
    ) -> R<CourseRecord> {
        self.update_course_q(ctx, id, expected, patch).await
    }
    async fn delete_course(&self, ctx: &AuditCtx, id: CourseId) -> R<CourseRecord> {
        self.delete_course_q(ctx, id).await
    }
    async fn activate_product(&self, ctx: &AuditCtx, org: OrgId, id: ProductId) -> R<()> {
        self.activate_product_q(ctx, org, id).await
    }
    async fn deactivate_product(&self, ctx: &AuditCtx, org: OrgId, id: ProductId) -> R<()> {
        self.deactivate_product_q(ctx, org, id).await
    }
    async fn activate_course(&self, ctx: &AuditCtx, org: OrgId, id: CourseId) -> R<()> {
        self.activate_course_q(ctx, org, id).await
    }
    async fn deactivate_course(&self, ctx: &AuditCtx, org: OrgId, id: CourseId) -> R<()> {
        self.deactivate_course_q(ctx, org, id).await
    }
}
