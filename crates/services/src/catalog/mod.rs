//! Catalog (C1, C3, C4): the platform's products and course templates, kept with
//! `catalog.view` / `catalog.manage` at the platform, and each organization's portfolio of
//! activated products and courses, kept with `catalog.manage` in that organization.
//!
//! Decisions: deleting a product that a course outline names is refused (409
//! `product-in-use`, naming the courses); its activations go with it. Deleting a course that a
//! project uses is refused (409 `course-in-use`); deactivating a course that a project of the
//! organization uses likewise. Only published products can be activated.

pub mod org;
pub mod records;

use crate::Services;
use crate::auth::BackOffice;
use crate::error::{ServiceError, StoreError};
use crate::records::{AuditCtx, ScopeRef};
use async_trait::async_trait;
use portico_domain::ValidationError;
use portico_domain::catalog::{
    Language, ProductStatus, ProductType, Title, check_content, check_upload, parse_description,
    safe_file_name,
};
use portico_domain::ids::{CourseId, OrgId, ProductId};
use portico_domain::page::{Page, PageRequest};
pub use records::*;

type R<T> = Result<T, StoreError>;

/// The catalog's storage; [`crate::Store`] extends it. Each method is one transaction with its
/// audit entry.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> R<Page<ProductRecord>>;
    async fn get_product(&self, id: ProductId) -> R<Option<ProductRecord>>;
    async fn create_product(&self, ctx: &AuditCtx, new: NewProduct) -> R<ProductRecord>;
    async fn update_product(
        &self,
        ctx: &AuditCtx,
        id: ProductId,
        expected_version: Option<i64>,
        patch: ProductPatch,
    ) -> R<ProductRecord>;
    /// Refused while a course outline names the product; activations go with it.
    async fn delete_product(&self, ctx: &AuditCtx, id: ProductId) -> R<ProductRecord>;
    /// Replaces the product's file (and bumps its version).
    async fn put_product_file(
        &self,
        ctx: &AuditCtx,
        id: ProductId,
        expected_version: Option<i64>,
        meta: FileMeta,
        data: Vec<u8>,
    ) -> R<ProductRecord>;
    async fn product_file(&self, id: ProductId) -> R<Option<(FileMeta, Vec<u8>)>>;

    async fn list_courses(
        &self,
        filter: &CourseFilter,
        page: &PageRequest,
    ) -> R<Page<CourseRecord>>;
    async fn get_course(&self, id: CourseId) -> R<Option<CourseRecord>>;
    /// Every product of the outline must exist.
    async fn create_course(&self, ctx: &AuditCtx, new: NewCourse) -> R<CourseRecord>;
    async fn update_course(
        &self,
        ctx: &AuditCtx,
        id: CourseId,
        expected_version: Option<i64>,
        patch: CoursePatch,
    ) -> R<CourseRecord>;
    /// Refused while a project uses the course; activations go with it.
    async fn delete_course(&self, ctx: &AuditCtx, id: CourseId) -> R<CourseRecord>;

    /// C4: only a published product; activating twice is a conflict.
    async fn activate_product(&self, ctx: &AuditCtx, org: OrgId, id: ProductId) -> R<()>;
    async fn deactivate_product(&self, ctx: &AuditCtx, org: OrgId, id: ProductId) -> R<()>;
    async fn activate_course(&self, ctx: &AuditCtx, org: OrgId, id: CourseId) -> R<()>;
    /// Refused while a project of the organization uses the course.
    async fn deactivate_course(&self, ctx: &AuditCtx, org: OrgId, id: CourseId) -> R<()>;
}

/// What a person or program sends to create a product.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub product_type: String,
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    /// `draft` when absent.
    pub status: Option<ProductStatus>,
    pub content: Option<serde_json::Value>,
}

/// What may change; `None` leaves a field alone, `content: Some(None)` clears the content.
#[derive(Debug, Clone, Default)]
pub struct ProductUpdate {
    pub product_type: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub status: Option<ProductStatus>,
    pub content: Option<Option<serde_json::Value>>,
}

#[derive(Debug, Clone, Default)]
pub struct CourseInput {
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub outline: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CourseUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub outline: Option<Vec<String>>,
}

/// An upload as received: the declared media type, the client's file name and the bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub media_type: String,
    pub file_name: String,
    pub data: Vec<u8>,
}

/// What a products list shows: words of the title, and filters (absent or blank = any).
#[derive(Debug, Clone, Default)]
pub struct ProductSearch {
    pub q: Option<String>,
    pub product_type: Option<String>,
    pub language: Option<String>,
    pub status: Option<ProductStatus>,
}

/// What a courses list shows: words of the title and a language (absent or blank = any).
#[derive(Debug, Clone, Default)]
pub struct CourseSearch {
    pub q: Option<String>,
    pub language: Option<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn title(raw: &str) -> Result<String, ServiceError> {
    Ok(Title::parse(raw)?.as_str().to_string())
}
fn language(raw: &str) -> Result<String, ServiceError> {
    Ok(Language::parse(raw)?.as_str().to_string())
}
fn content(v: Option<serde_json::Value>) -> Result<Option<serde_json::Value>, ServiceError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => {
            check_content(&v)?;
            Ok(Some(v))
        }
    }
}

/// An outline: product ids, each at most once, at most 500.
fn outline(raw: &[String]) -> Result<Vec<ProductId>, ServiceError> {
    if raw.len() > 500 {
        return Err(ValidationError::new("outline", "at most 500 products").into());
    }
    let mut out = Vec::with_capacity(raw.len());
    for s in raw {
        let id = ProductId::parse(s.trim())
            .map_err(|_| ValidationError::new("outline", format!("{s} is not a product id")))?;
        if out.contains(&id) {
            return Err(
                ValidationError::new("outline", format!("{s} appears more than once")).into(),
            );
        }
        out.push(id);
    }
    Ok(out)
}

fn platform_view(actor: &BackOffice) -> Result<(), ServiceError> {
    actor.require("catalog.view", ScopeRef::Platform)
}
fn platform_manage(actor: &BackOffice) -> Result<(), ServiceError> {
    actor.require("catalog.manage", ScopeRef::Platform)
}

impl Services {
    fn ctx(&self, actor: &BackOffice) -> AuditCtx {
        actor.principal().audit_ctx(self)
    }

    /// The platform's products by title, narrowed by type, language and status
    /// (`catalog.view` at the platform); a malformed type or language is refused on its field.
    pub async fn search_products(
        &self,
        actor: &BackOffice,
        search: &ProductSearch,
        page: PageRequest,
    ) -> Result<Page<ProductRecord>, ServiceError> {
        platform_view(actor)?;
        let filter = ProductFilter {
            terms: given(&search.q).and_then(portico_domain::search::query_terms),
            status: search.status,
            product_type: given(&search.product_type)
                .map(ProductType::parse)
                .transpose()?,
            language: given(&search.language).map(language).transpose()?,
            ..Default::default()
        };
        Ok(self.store.list_products(&filter, &page).await?)
    }

    pub async fn get_product(
        &self,
        actor: &BackOffice,
        id: ProductId,
    ) -> Result<ProductRecord, ServiceError> {
        platform_view(actor)?;
        self.store
            .get_product(id)
            .await?
            .ok_or(ServiceError::NotFound("product"))
    }

    /// C1: a new product (`catalog.manage` at the platform).
    pub async fn create_product(
        &self,
        actor: &BackOffice,
        input: ProductInput,
    ) -> Result<ProductRecord, ServiceError> {
        self.create_product_with_file(actor, input, None).await
    }

    /// C1: a new product with, optionally, its file, checked as
    /// [`Services::upload_product_file`] checks one and stored in the same transaction: a
    /// refused file stores nothing.
    pub async fn create_product_with_file(
        &self,
        actor: &BackOffice,
        input: ProductInput,
        file: Option<Upload>,
    ) -> Result<ProductRecord, ServiceError> {
        let product_type = ProductType::parse(&input.product_type)?;
        let new = NewProduct {
            id: ProductId::generate(),
            title: title(&input.title)?,
            description: parse_description(input.description.as_deref().unwrap_or(""))?,
            language: language(&input.language)?,
            status: input.status.unwrap_or(ProductStatus::Draft),
            content: content(input.content)?,
            file: None,
            product_type,
        };
        platform_manage(actor)?;
        let file = file
            .map(|u| self.checked_file(&new.product_type, u))
            .transpose()?;
        Ok(self
            .store
            .create_product(&self.ctx(actor), NewProduct { file, ..new })
            .await?)
    }

    /// An upload within `catalog_max_upload_bytes` (else `TooLarge`) of a media type that
    /// `ty` allows and that the bytes really have.
    fn checked_file(&self, ty: &ProductType, upload: Upload) -> Result<NewFile, ServiceError> {
        let limit = self.config.catalog_max_upload_bytes;
        if upload.data.len() as u64 > limit {
            return Err(ServiceError::TooLarge { limit });
        }
        let media = check_upload(ty, &upload.media_type, &upload.data)?;
        Ok(NewFile {
            meta: FileMeta {
                name: safe_file_name(&upload.file_name),
                media_type: media.to_string(),
                size: upload.data.len() as i64,
            },
            data: upload.data,
        })
    }

    /// Changes a product (`catalog.manage`); a stale `expected_version` is refused. A new type
    /// must accept the file the product already has.
    pub async fn update_product(
        &self,
        actor: &BackOffice,
        id: ProductId,
        expected_version: Option<i64>,
        u: ProductUpdate,
    ) -> Result<ProductRecord, ServiceError> {
        self.update_product_with_file(actor, id, expected_version, u, None)
            .await
    }

    /// Changes a product and, optionally, replaces its file, in one transaction; the file is
    /// checked against the product's type after the change.
    pub async fn update_product_with_file(
        &self,
        actor: &BackOffice,
        id: ProductId,
        expected_version: Option<i64>,
        u: ProductUpdate,
        file: Option<Upload>,
    ) -> Result<ProductRecord, ServiceError> {
        let mut patch = ProductPatch {
            product_type: u
                .product_type
                .as_deref()
                .map(ProductType::parse)
                .transpose()?,
            title: u.title.as_deref().map(title).transpose()?,
            description: u
                .description
                .as_deref()
                .map(parse_description)
                .transpose()?,
            language: u.language.as_deref().map(language).transpose()?,
            status: u.status,
            content: u.content.map(content).transpose()?,
            file: None,
        };
        platform_manage(actor)?;
        if let Some(upload) = file {
            let before = self.get_product(actor, id).await?;
            let ty = patch.product_type.as_ref().unwrap_or(&before.product_type);
            patch.file = Some(self.checked_file(ty, upload)?);
        } else if let Some(t) = &patch.product_type {
            let before = self.get_product(actor, id).await?;
            if let Some(f) = &before.file
                && !t
                    .allowed_media()
                    .is_some_and(|m| m.contains(&f.media_type.as_str()))
            {
                return Err(ValidationError::new(
                    "type",
                    format!(
                        "the product's file ({}) does not fit a {} product",
                        f.media_type,
                        t.as_str()
                    ),
                )
                .into());
            }
        }
        Ok(self
            .store
            .update_product(&self.ctx(actor), id, expected_version, patch)
            .await?)
    }

    pub async fn delete_product(
        &self,
        actor: &BackOffice,
        id: ProductId,
    ) -> Result<ProductRecord, ServiceError> {
        platform_manage(actor)?;
        Ok(self.store.delete_product(&self.ctx(actor), id).await?)
    }

    /// Stores a product's file (`catalog.manage`): at most `catalog_max_upload_bytes`
    /// (else `TooLarge`, nothing stored), of a media type the product's type allows and that
    /// the bytes really have.
    pub async fn upload_product_file(
        &self,
        actor: &BackOffice,
        id: ProductId,
        expected_version: Option<i64>,
        upload: Upload,
    ) -> Result<ProductRecord, ServiceError> {
        platform_manage(actor)?;
        let limit = self.config.catalog_max_upload_bytes;
        if upload.data.len() as u64 > limit {
            return Err(ServiceError::TooLarge { limit });
        }
        let product = self.get_product(actor, id).await?;
        let NewFile { meta, data } = self.checked_file(&product.product_type, upload)?;
        Ok(self
            .store
            .put_product_file(&self.ctx(actor), id, expected_version, meta, data)
            .await?)
    }

    /// A product's file for download (`catalog.view`).
    pub async fn product_file(
        &self,
        actor: &BackOffice,
        id: ProductId,
    ) -> Result<(FileMeta, Vec<u8>), ServiceError> {
        platform_view(actor)?;
        self.store
            .product_file(id)
            .await?
            .ok_or(ServiceError::NotFound("file"))
    }

    /// The platform's course templates by title, narrowed by language (`catalog.view`).
    pub async fn search_courses(
        &self,
        actor: &BackOffice,
        search: &CourseSearch,
        page: PageRequest,
    ) -> Result<Page<CourseRecord>, ServiceError> {
        platform_view(actor)?;
        let filter = CourseFilter {
            terms: given(&search.q).and_then(portico_domain::search::query_terms),
            language: given(&search.language).map(language).transpose()?,
            ..Default::default()
        };
        Ok(self.store.list_courses(&filter, &page).await?)
    }

    pub async fn get_course(
        &self,
        actor: &BackOffice,
        id: CourseId,
    ) -> Result<CourseRecord, ServiceError> {
        platform_view(actor)?;
        self.store
            .get_course(id)
            .await?
            .ok_or(ServiceError::NotFound("course"))
    }

    /// C3: a new course template (`catalog.manage`); every outline entry must be a product.
    pub async fn create_course(
        &self,
        actor: &BackOffice,
        input: CourseInput,
    ) -> Result<CourseRecord, ServiceError> {
        let new = NewCourse {
            id: CourseId::generate(),
            title: title(&input.title)?,
            description: parse_description(input.description.as_deref().unwrap_or(""))?,
            language: language(&input.language)?,
            outline: outline(&input.outline)?,
        };
        platform_manage(actor)?;
        Ok(self.store.create_course(&self.ctx(actor), new).await?)
    }

    /// Changes a course; `outline` replaces the whole outline in its new order.
    pub async fn update_course(
        &self,
        actor: &BackOffice,
        id: CourseId,
        expected_version: Option<i64>,
        u: CourseUpdate,
    ) -> Result<CourseRecord, ServiceError> {
        let patch = CoursePatch {
            title: u.title.as_deref().map(title).transpose()?,
            description: u
                .description
                .as_deref()
                .map(parse_description)
                .transpose()?,
            language: u.language.as_deref().map(language).transpose()?,
            outline: u.outline.as_deref().map(outline).transpose()?,
        };
        platform_manage(actor)?;
        Ok(self
            .store
            .update_course(&self.ctx(actor), id, expected_version, patch)
            .await?)
    }

    pub async fn delete_course(
        &self,
        actor: &BackOffice,
        id: CourseId,
    ) -> Result<CourseRecord, ServiceError> {
        platform_manage(actor)?;
        Ok(self.store.delete_course(&self.ctx(actor), id).await?)
    }
}
