//! What the catalog store reads and writes (C1, C3, C4).

use portico_domain::Timestamp;
use portico_domain::catalog::{ProductStatus, ProductType};
use portico_domain::ids::{CourseId, OrgId, ProductId};
use serde::Serialize;

/// An uploaded file's description; its bytes live in a table of their own.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileMeta {
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

/// A product (C1). Its content is structured JSON, an uploaded file, or both absent (a
/// draft being written).
#[derive(Debug, Clone, Serialize)]
pub struct ProductRecord {
    pub id: ProductId,
    pub product_type: ProductType,
    pub title: String,
    pub description: String,
    pub language: String,
    pub status: ProductStatus,
    pub content: Option<serde_json::Value>,
    pub file: Option<FileMeta>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub id: ProductId,
    pub product_type: ProductType,
    pub title: String,
    pub description: String,
    pub language: String,
    pub status: ProductStatus,
    pub content: Option<serde_json::Value>,
    /// A checked file stored with the product, in the same transaction.
    pub file: Option<NewFile>,
}

/// A file that passed the size and type checks, ready to store.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub meta: FileMeta,
    pub data: Vec<u8>,
}

/// Fields to change; `None` leaves a field alone (`content: Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub product_type: Option<ProductType>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub status: Option<ProductStatus>,
    pub content: Option<Option<serde_json::Value>>,
    /// Replaces the product's file in the same transaction.
    pub file: Option<NewFile>,
}

/// A product named in a course outline.
#[derive(Debug, Clone, Serialize)]
pub struct ProductBrief {
    pub id: ProductId,
    pub product_type: String,
    pub title: String,
    pub status: ProductStatus,
}

/// A course template (C3): an ordered outline of products.
#[derive(Debug, Clone, Serialize)]
pub struct CourseRecord {
    pub id: CourseId,
    pub title: String,
    pub description: String,
    pub language: String,
    pub outline: Vec<ProductBrief>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewCourse {
    pub id: CourseId,
    pub title: String,
    pub description: String,
    pub language: String,
    pub outline: Vec<ProductId>,
}

#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    /// The whole outline in its new order.
    pub outline: Option<Vec<ProductId>>,
}

/// Which products a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Prefix terms: each must start a word of the title.
    pub terms: Option<Vec<String>>,
    pub status: Option<ProductStatus>,
    pub product_type: Option<ProductType>,
    /// A canonical language tag.
    pub language: Option<String>,
    /// Only those activated in this organization (C4 portfolio).
    pub activated_in: Option<OrgId>,
    /// Only those not activated in this organization ("Activate product").
    pub not_activated_in: Option<OrgId>,
}

#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    pub terms: Option<Vec<String>>,
    /// A canonical language tag.
    pub language: Option<String>,
    pub activated_in: Option<OrgId>,
    pub not_activated_in: Option<OrgId>,
}
