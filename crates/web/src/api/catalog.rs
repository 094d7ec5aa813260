//! Catalog products (C1) and their files under `/api/v1/catalog/products`; courses are in
//! `catalog_courses.rs`, an organization's portfolio (C4) in `catalog_org.rs`.

use super::catalog_dto::*;
use super::dto::Page;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::catalog::ProductStatus;
use portico_domain::ids::{CourseId, ProductId};
use portico_services::ServiceError;
use portico_services::catalog::{ProductInput, ProductUpdate, Upload};
use serde::{Deserialize, Deserializer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalog/products", get(list).post(create))
        .route(
            "/api/v1/catalog/products/{product}",
            get(get_one).patch(update).delete(delete),
        )
        .route(
            "/api/v1/catalog/products/{product}/file",
            get(download).put(upload).layer(DefaultBodyLimit::disable()),
        )
}

/// `absent` → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::<T>::deserialize(d)?))
}

/// A course id sent as a project's course template: malformed → 422 on that field.
pub fn course_ref(s: &str) -> Result<CourseId, ApiError> {
    CourseId::parse(s.trim()).map_err(|_| {
        ApiError::from(ServiceError::Invalid(portico_domain::ValidationError::new(
            "course_template_id",
            "not a course id",
        )))
    })
}

pub(crate) fn product_status(s: Option<&str>) -> Result<Option<ProductStatus>, ApiError> {
    s.map(|s| {
        ProductStatus::parse(s.trim()).ok_or_else(|| {
            ApiError::from(ServiceError::Invalid(portico_domain::ValidationError::new(
                "status",
                "draft or published",
            )))
        })
    })
    .transpose()
}

/// Reads an upload: a `multipart/form-data` body's `file` field (its other text fields are
/// returned too, for the console's CSRF token), or a raw body whose `Content-Type` is the
/// file's. At most `limit` bytes are read: more is `TooLarge` and nothing is kept.
pub(crate) async fn read_upload(
    req: Request,
    limit: u64,
) -> Result<(Upload, Vec<(String, String)>), ServiceError> {
    let too_large = || ServiceError::TooLarge { limit };
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        let bad = |m: &str| {
            ServiceError::Invalid(portico_domain::ValidationError::new("file", m.to_string()))
        };
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| bad("the form could not be read"))?;
        let mut fields = Vec::new();
        let mut upload = None;
        while let Some(mut f) = mp
            .next_field()
            .await
            .map_err(|_| bad("the form could not be read"))?
        {
            let name = f.name().unwrap_or("").to_string();
            if name == "file" && upload.is_none() {
                let media_type = f.content_type().unwrap_or("").to_string();
                let file_name = f.file_name().unwrap_or("file").to_string();
                let mut data = Vec::new();
                while let Some(chunk) = f
                    .chunk()
                    .await
                    .map_err(|_| bad("the file could not be read"))?
                {
                    if (data.len() + chunk.len()) as u64 > limit {
                        return Err(too_large());
                    }
                    data.extend_from_slice(&chunk);
                }
                upload = Some(Upload {
                    media_type,
                    file_name,
                    data,
                });
            } else if name != "file" {
                let text = f
                    .text()
                    .await
                    .map_err(|_| bad("the form could not be read"))?;
                fields.push((name, text.chars().take(4096).collect()));
            }
        }
        let upload = upload.ok_or_else(|| bad("choose a file"))?;
        return Ok((upload, fields));
    }
    let file_name = req
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("filename=").nth(1))
        .map(|v| {
            v.trim_matches(|c| c == '"' || c == ' ' || c == ';')
                .to_string()
        })
        .unwrap_or_else(|| "file".into());
    let body = axum::body::to_bytes(req.into_body(), limit as usize)
        .await
        .map_err(|_| too_large())?;
    Ok((
        Upload {
            media_type: ct,
            file_name,
            data: body.to_vec(),
        },
        Vec::new(),
    ))
}

/// The platform's products by title, searched with `q` (`catalog.view` at the platform).
#[utoipa::path(get, path = "/api/v1/catalog/products", tag = "catalog", params(ListQuery),
    responses((status = 200, body = Page<Product>), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<Product>>> {
    let page = q.page()?;
    let p = st.services.list_products(&a, q.q.as_deref(), page).await?;
    Ok(Json(Page::from_page(p)))
}

/// Creates a product (`catalog.manage` at the platform); `draft` unless told otherwise.
#[utoipa::path(post, path = "/api/v1/catalog/products", tag = "catalog", request_body = CreateProduct,
    responses((status = 201, body = Product), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CreateProduct>,
) -> ApiResult<Response> {
    let status = product_status(b.status.as_deref())?;
    let p = st
        .services
        .create_product(
            &a,
            ProductInput {
                product_type: b.product_type,
                title: b.title,
                description: b.description,
                language: b.language,
                status,
                content: b.content,
            },
        )
        .await?;
    let mut r = with_etag(p.version, Product::from(p));
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/catalog/products/{product}", tag = "catalog", params(("product" = String, Path)),
    responses((status = 200, body = Product), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(product): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id::<ProductId>(&product, "product")?;
    let p = st.services.get_product(&a, id).await?;
    Ok(with_etag(p.version, Product::from(p)))
}

/// Changes a product (`catalog.manage`). Send `If-Match` with the `ETag` you read.
#[utoipa::path(patch, path = "/api/v1/catalog/products/{product}", tag = "catalog", request_body = UpdateProduct,
    params(("product" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Product), (status = 404, body = crate::problem::Problem), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(product): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateProduct>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let id = parse_id::<ProductId>(&product, "product")?;
    let status = product_status(b.status.as_deref())?;
    let p = st
        .services
        .update_product(
            &a,
            id,
            expected,
            ProductUpdate {
                product_type: b.product_type,
                title: b.title,
                description: b.description,
                language: b.language,
                status,
                content: b.content,
            },
        )
        .await?;
    Ok(with_etag(p.version, Product::from(p)))
}

/// Deletes a product and its activations (`catalog.manage`); refused with 409
/// `product-in-use`, naming the courses, while a course outline contains it.
#[utoipa::path(delete, path = "/api/v1/catalog/products/{product}", tag = "catalog", params(("product" = String, Path)),
    responses((status = 200, body = Product, description = "the deleted product"), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(product): Path<String>,
) -> ApiResult<Json<Product>> {
    let id = parse_id::<ProductId>(&product, "product")?;
    Ok(Json(st.services.delete_product(&a, id).await?.into()))
}

/// Uploads the product's file (`catalog.manage`): a raw body with the file's `Content-Type`
/// (name it with `Content-Disposition: attachment; filename="…"`), or `multipart/form-data`
/// with a `file` field. Larger than `catalog_max_upload_bytes` → 413 `upload-too-large`; a
/// type the product's type does not take, or bytes that are not what they claim → 422.
#[utoipa::path(put, path = "/api/v1/catalog/products/{product}/file", tag = "catalog",
    params(("product" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Product), (status = 404, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn upload(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(product): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let expected = if_match(req.headers())?;
    let id = parse_id::<ProductId>(&product, "product")?;
    // Permission and existence first: a stranger learns nothing from the size check.
    st.services.get_product(&a, id).await?;
    let limit = st.services.config().catalog_max_upload_bytes;
    let (upload, _) = read_upload(req, limit).await?;
    let p = st
        .services
        .upload_product_file(&a, id, expected, upload)
        .await?;
    Ok(with_etag(p.version, Product::from(p)))
}

/// Downloads the product's file (`catalog.view`), always as an attachment.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product}/file", tag = "catalog", params(("product" = String, Path)),
    responses((status = 200, description = "the file, with its media type"), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn download(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(product): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id::<ProductId>(&product, "product")?;
    let (meta, data) = st.services.product_file(&a, id).await?;
    Ok(file_response(&meta, data))
}

/// A stored file as a download: its media type, `attachment`, `nosniff` and a sandbox CSP so
/// a browser never renders it as a page of this site.
pub(crate) fn file_response(meta: &portico_services::catalog::FileMeta, data: Vec<u8>) -> Response {
    let mut r = data.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&meta.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", meta.name))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    r
}
