//! Catalog products (C1) and their files under `/api/v1/catalog/products`; courses are in
//! `catalog_courses.rs`, an organization's portfolio (C4) in `catalog_org.rs`.

use super::catalog_dto::*;
use super::dto::Page;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::catalog::ProductStatus;
use portico_domain::ids::{CourseId, ProductId};
use portico_services::ServiceError;
use portico_services::catalog::{ProductInput, ProductSearch, ProductUpdate, Upload};
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

/// The text of a multipart form's other fields is read up to this many bytes in all.
pub(crate) const MAX_FORM_TEXT: usize = 1024 * 1024;

/// A `multipart/form-data` body: its text fields in order, and its `file` field (absent when
/// the form had none or the person chose no file).
pub(crate) struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub upload: Option<Upload>,
}

/// Reads a multipart form: the `file` field up to `limit` bytes (more is `TooLarge`, and
/// reading stops), the text fields up to [`MAX_FORM_TEXT`] together. On an error the text
/// fields read so far come back with it (the console checks its CSRF token and shows the form
/// again with them).
pub(crate) async fn read_multipart(
    req: Request,
    limit: u64,
) -> Result<MultipartForm, (ServiceError, Vec<(String, String)>)> {
    let bad = |field: &'static str, m: &str| {
        ServiceError::Invalid(portico_domain::ValidationError::new(field, m.to_string()))
    };
    let unreadable = || bad("file", "the form could not be read");
    let mut mp = match axum::extract::Multipart::from_request(req, &()).await {
        Ok(mp) => mp,
        Err(_) => return Err((unreadable(), Vec::new())),
    };
    let mut fields = Vec::new();
    let mut upload = None;
    let mut text_bytes = 0usize;
    loop {
        let mut f = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err((unreadable(), fields)),
        };
        let name = f.name().unwrap_or("").to_string();
        let is_file = name == "file";
        if is_file && upload.is_some() {
            continue;
        }
        let media_type = f.content_type().unwrap_or("").to_string();
        let file_name = f.file_name().unwrap_or("").to_string();
        let mut data = Vec::new();
        loop {
            let chunk = match f.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(_) => return Err((unreadable(), fields)),
            };
            if is_file && (data.len() + chunk.len()) as u64 > limit {
                return Err((ServiceError::TooLarge { limit }, fields));
            }
            if !is_file && text_bytes + data.len() + chunk.len() > MAX_FORM_TEXT {
                return Err((
                    bad("content", "the form's text is larger than 1 MiB"),
                    fields,
                ));
            }
            data.extend_from_slice(&chunk);
        }
        if is_file {
            // A browser sends an empty, nameless part when no file was chosen.
            if !(file_name.is_empty() && data.is_empty()) {
                upload = Some(Upload {
                    media_type,
                    file_name: if file_name.is_empty() {
                        "file".into()
                    } else {
                        file_name
                    },
                    data,
                });
            }
        } else {
            text_bytes += data.len();
            fields.push((name, String::from_utf8_lossy(&data).into_owned()));
        }
    }
    Ok(MultipartForm { fields, upload })
}

/// Reads an upload: a `multipart/form-data` body's `file` field ([`read_multipart`]), or a
/// raw body whose `Content-Type` is the file's. At most `limit` bytes are read: more is
/// `TooLarge` and nothing is kept.
pub(crate) async fn read_upload(req: Request, limit: u64) -> Result<Upload, ServiceError> {
    let too_large = || ServiceError::TooLarge { limit };
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        let form = read_multipart(req, limit).await.map_err(|(e, _)| e)?;
        return form.upload.ok_or_else(|| {
            ServiceError::Invalid(portico_domain::ValidationError::new(
                "file",
                "choose a file",
            ))
        });
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
    Ok(Upload {
        media_type: ct,
        file_name,
        data: body.to_vec(),
    })
}

/// `?limit=&cursor=&q=&type=&language=&status=` on the products list; a blank filter is no
/// filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductListQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Words of the title (prefix match).
    pub q: Option<String>,
    /// A product type key, such as `video` or `quiz`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub product_type: Option<String>,
    /// A language tag, such as `en` or `pt-BR`.
    pub language: Option<String>,
    /// `draft` or `published`.
    pub status: Option<String>,
}

/// The platform's products by title, searched with `q` and narrowed by type, language and
/// status (`catalog.view` at the platform); a malformed filter is 422 on its field.
#[utoipa::path(get, path = "/api/v1/catalog/products", tag = "catalog", params(ProductListQuery),
    responses((status = 200, body = Page<Product>), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<ProductListQuery>,
) -> ApiResult<Json<Page<Product>>> {
    let page = ListQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
        q: None,
    }
    .page()?;
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(ProductStatus::parse(s).ok_or_else(|| {
            ServiceError::Invalid(portico_domain::ValidationError::new(
                "status",
                "draft or published",
            ))
        })?),
    };
    let search = ProductSearch {
        q: q.q,
        product_type: q.product_type,
        language: q.language,
        status,
    };
    let p = st.services.search_products(&a, &search, page).await?;
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
    let upload = read_upload(req, limit).await?;
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
