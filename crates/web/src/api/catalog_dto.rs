//! The catalog's JSON shapes (C1, C3, C4).

use portico_services::catalog::{CourseRecord, FileMeta, ProductBrief, ProductRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ProductFile {
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

impl From<FileMeta> for ProductFile {
    fn from(f: FileMeta) -> Self {
        Self {
            name: f.name,
            media_type: f.media_type,
            size: f.size,
        }
    }
}

/// A catalog product (C1).
#[derive(Serialize, ToSchema)]
pub struct Product {
    #[schema(example = "pdt_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    /// `quiz`, `survey`, `image`, `document`, `video`, `link` or another type key.
    #[serde(rename = "type")]
    pub product_type: String,
    pub title: String,
    pub description: String,
    /// A BCP 47 language tag.
    pub language: String,
    /// `draft` or `published`.
    pub status: String,
    /// Structured content (a JSON object), if any.
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
    /// The uploaded file, if any (download it at `/file`).
    pub file: Option<ProductFile>,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-concurrency version; also sent as the `ETag`.
    pub version: i64,
}

impl From<ProductRecord> for Product {
    fn from(p: ProductRecord) -> Self {
        Self {
            id: p.id.to_string(),
            product_type: p.product_type.as_str().into(),
            title: p.title,
            description: p.description,
            language: p.language,
            status: p.status.as_str().into(),
            content: p.content,
            file: p.file.map(Into::into),
            created_at: p.created_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
            version: p.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    #[serde(rename = "type")]
    pub product_type: String,
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    /// `draft` (default) or `published`.
    pub status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[serde(rename = "type")]
    pub product_type: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub status: Option<String>,
    /// A JSON object; `null` removes the content, absent leaves it.
    #[serde(default, deserialize_with = "super::catalog::double_option")]
    #[schema(value_type = Option<Object>)]
    pub content: Option<Option<serde_json::Value>>,
}

#[derive(Serialize, ToSchema)]
pub struct OutlineEntry {
    pub id: String,
    #[serde(rename = "type")]
    pub product_type: String,
    pub title: String,
    pub status: String,
}

impl From<ProductBrief> for OutlineEntry {
    fn from(p: ProductBrief) -> Self {
        Self {
            id: p.id.to_string(),
            product_type: p.product_type,
            title: p.title,
            status: p.status.as_str().into(),
        }
    }
}

/// A course template (C3).
#[derive(Serialize, ToSchema)]
pub struct Course {
    #[schema(example = "crs_01jd3v6k2m8w1f3q9c4x7b5n2e")]
    pub id: String,
    pub title: String,
    pub description: String,
    pub language: String,
    /// The products, in order.
    pub outline: Vec<OutlineEntry>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<CourseRecord> for Course {
    fn from(c: CourseRecord) -> Self {
        Self {
            id: c.id.to_string(),
            title: c.title,
            description: c.description,
            language: c.language,
            outline: c.outline.into_iter().map(Into::into).collect(),
            created_at: c.created_at.to_rfc3339(),
            updated_at: c.updated_at.to_rfc3339(),
            version: c.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourse {
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    /// Product ids, in order.
    #[serde(default)]
    pub outline: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCourse {
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    /// The whole outline in its new order.
    pub outline: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateProduct {
    pub product_id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateCourse {
    pub course_id: String,
}
