//! The product form of Catalog → Products: a `multipart/form-data` form (a file cannot travel
//! otherwise), read by the API's reader with the same `catalog_max_upload_bytes`, its `_csrf`
//! field checked as [`crate::auth::CsrfForm`] does, and turned into the services' inputs.

use super::view::Cx;
use crate::AppState;
use crate::api::catalog::{MultipartForm, read_multipart};
use axum::extract::Request;
use axum::response::Response;
use portico_domain::ValidationError;
use portico_domain::catalog::ProductStatus;
use portico_services::ServiceError;
use portico_services::auth::constant_time_eq;
use portico_services::catalog::{ProductInput, ProductRecord, ProductUpdate, Upload};
use serde::Serialize;

/// The form's fields as typed, shown again after an error.
#[derive(Debug, Serialize, Default)]
pub struct ProductForm {
    pub product_type: String,
    pub title: String,
    pub description: String,
    pub language: String,
    pub status: String,
    /// JSON text; blank = no structured content.
    pub content: String,
    /// The version the form was read at (lost-update guard).
    pub version: String,
}

/// What the upload part of a form came to: a file, none chosen, or why it was refused
/// (`TooLarge`, an unreadable form).
pub type UploadOutcome = Result<Option<Upload>, ServiceError>;

impl ProductForm {
    pub fn of(p: &ProductRecord) -> Self {
        ProductForm {
            product_type: p.product_type.as_str().to_string(),
            title: p.title.clone(),
            description: p.description.clone(),
            language: p.language.clone(),
            status: p.status.as_str().to_string(),
            content: p
                .content
                .as_ref()
                .map(|c| serde_json::to_string_pretty(c).unwrap_or_default())
                .unwrap_or_default(),
            version: p.version.to_string(),
        }
    }

    fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        ProductForm {
            product_type: get("type"),
            title: get("title"),
            description: get("description"),
            language: get("language"),
            status: get("status"),
            content: get("content"),
            version: get("version"),
        }
    }

    fn status(&self) -> Result<ProductStatus, ServiceError> {
        ProductStatus::parse(self.status.trim())
            .ok_or_else(|| ValidationError::new("status", "choose draft or published").into())
    }

    /// The JSON text as a value: blank is none; text that is not JSON is refused on the field.
    fn content(&self) -> Result<Option<serde_json::Value>, ServiceError> {
        if self.content.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&self.content).map(Some).map_err(|e| {
            ValidationError::new(
                "content",
                format!(
                    "not valid JSON (line {}, column {}): {}",
                    e.line(),
                    e.column(),
                    e
                ),
            )
            .into()
        })
    }

    pub fn input(&self) -> Result<ProductInput, ServiceError> {
        Ok(ProductInput {
            product_type: self.product_type.clone(),
            title: self.title.clone(),
            description: Some(self.description.clone()),
            language: self.language.clone(),
            status: Some(self.status()?),
            content: self.content()?,
        })
    }

    /// Every field as the form shows it; the version the form was read at.
    pub fn update(&self) -> Result<(Option<i64>, ProductUpdate), ServiceError> {
        Ok((
            self.version.trim().parse::<i64>().ok(),
            ProductUpdate {
                product_type: Some(self.product_type.clone()),
                title: Some(self.title.clone()),
                description: Some(self.description.clone()),
                language: Some(self.language.clone()),
                status: Some(self.status()?),
                content: Some(self.content()?),
            },
        ))
    }
}

/// Reads the multipart form: its fields, and the file or why it was refused. A missing or
/// wrong CSRF token answers the "form has expired" page.
pub async fn read_form(
    st: &AppState,
    cx: &Cx,
    req: Request,
) -> Result<(ProductForm, UploadOutcome), Response> {
    let limit = st.services.config().catalog_max_upload_bytes;
    let (fields, upload) = match read_multipart(req, limit).await {
        Ok(MultipartForm { fields, upload }) => (fields, Ok(upload)),
        Err((e, fields)) => (fields, Err(e)),
    };
    let sent = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if cx.csrf().is_empty() || !constant_time_eq(sent.as_bytes(), cx.csrf().as_bytes()) {
        return Err(super::csrf_failed(st));
    }
    Ok((ProductForm::from_fields(&fields), upload))
}
