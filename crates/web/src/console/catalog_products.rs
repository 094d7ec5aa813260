//! Catalog → Products (C1): the platform's products, searched and filtered by type, language
//! and status; a product's page with its content and a download of its file; "New product"
//! and edit forms (a multipart form: the content as JSON text and/or a file, read with
//! `catalog_max_upload_bytes` and checked by the same service as the API's upload, stored with
//! the product in one transaction); deleting after a confirmation. `catalog.view` /
//! `catalog.manage` at the platform; the services refuse regardless of what the page shows.

use super::catalog_product_form::{ProductForm, read_form};
use super::confirm::{ConfirmForm, confirmed_delete};
use super::view::{Cx, FormErrors, PAGE_SIZE, Pager, describe_error, page_request, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::catalog::{BUILT_IN_TYPES, ProductStatus};
use portico_domain::ids::ProductId;
use portico_services::ServiceError;
use portico_services::catalog::{FileMeta, ProductRecord, ProductSearch};
use portico_services::records::ScopeRef;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog/products", get(list))
        .route(
            "/catalog/products/new",
            get(new_page)
                .post(create)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/catalog/products/{id}", get(show))
        .route(
            "/catalog/products/{id}/edit",
            get(edit_page)
                .post(update)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/catalog/products/{id}/file", get(download))
        .route(
            "/catalog/products/{id}/delete",
            get(delete_page).post(delete),
        )
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    #[serde(rename = "type")]
    product_type: String,
    language: String,
    status: String,
    cursor: Option<String>,
}

/// A product as the console shows one.
#[derive(Debug, Serialize)]
pub(super) struct ProductView {
    pub id: String,
    pub href: String,
    pub title: String,
    pub product_type: String,
    pub description: String,
    pub language: String,
    pub status: &'static str,
    /// The JSON content, indented.
    pub content: Option<String>,
    pub file: Option<FileMeta>,
    pub updated_at: i64,
    pub created_at: i64,
    pub version: i64,
}

impl From<&ProductRecord> for ProductView {
    fn from(p: &ProductRecord) -> Self {
        ProductView {
            id: p.id.to_string(),
            href: format!("/catalog/products/{}", p.id),
            title: p.title.clone(),
            product_type: p.product_type.as_str().to_string(),
            description: p.description.clone(),
            language: p.language.clone(),
            status: p.status.as_str(),
            content: p
                .content
                .as_ref()
                .map(|c| serde_json::to_string_pretty(c).unwrap_or_default()),
            file: p.file.clone(),
            updated_at: p.updated_at.millis(),
            created_at: p.created_at.millis(),
            version: p.version,
        }
    }
}

fn may_manage(cx: &Cx) -> bool {
    cx.admin.can("catalog.manage", ScopeRef::Platform)
}

async fn list(State(st): State<AppState>, cx: Cx, Query(q): Query<ListQuery>) -> Response {
    let status = ProductStatus::parse(q.status.trim());
    let search = ProductSearch {
        q: Some(q.q.clone()),
        product_type: Some(q.product_type.clone()),
        language: Some(q.language.clone()),
        status,
    };
    let cursor = q.cursor.as_deref();
    let (rows, pager, errors) = match st
        .services
        .search_products(&cx.admin, &search, page_request(cursor, PAGE_SIZE))
        .await
    {
        Ok(page) => {
            let pager = Pager::new(
                &page,
                "/catalog/products",
                &[
                    ("q", &q.q),
                    ("type", &q.product_type),
                    ("language", &q.language),
                    ("status", status.map(ProductStatus::as_str).unwrap_or("")),
                ],
                cursor.is_none(),
            );
            let rows: Vec<ProductView> = page.items.iter().map(ProductView::from).collect();
            (rows, Some(pager), FormErrors::default())
        }
        Err(e @ ServiceError::Invalid(_)) => (Vec::new(), None, FormErrors::from_service(&e, &[])),
        Err(e) => return cx.error(&st, e),
    };
    let filtered = !(q.q.trim().is_empty()
        && q.product_type.trim().is_empty()
        && q.language.trim().is_empty()
        && status.is_none());
    cx.render(
        &st,
        "catalog/products.html",
        context! {
            title => "Catalog · Products",
            subsection => "catalog-products",
            rows => rows,
            pager => pager,
            q => q.q,
            product_type => q.product_type,
            language => q.language,
            status => status.map(ProductStatus::as_str).unwrap_or(""),
            types => BUILT_IN_TYPES,
            filtered => filtered,
            errors => errors,
            may_manage => may_manage(&cx),
        },
    )
}

fn render_form(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    product: Option<&ProductView>,
    form: &ProductForm,
    errors: &FormErrors,
) -> Response {
    let action = match product {
        Some(p) => format!("{}/edit", p.href),
        None => "/catalog/products/new".to_string(),
    };
    cx.render_status(
        st,
        status,
        "catalog/product_form.html",
        context! {
            title => match product {
                Some(p) => format!("Edit {}", p.title),
                None => "New product".to_string(),
            },
            subsection => "catalog-products",
            action => action,
            product => product,
            form => form,
            types => BUILT_IN_TYPES,
            max_upload => st.services.config().catalog_max_upload_bytes,
            errors => errors,
        },
    )
}

/// The form again after a refused save: 413 for a file over the limit, else 422 (or what
/// the error is), with the message next to its field.
fn form_error(
    st: &AppState,
    cx: &Cx,
    product: Option<&ProductView>,
    form: &ProductForm,
    e: ServiceError,
) -> Response {
    match e {
        ServiceError::Forbidden(_) | ServiceError::NotFound(_) => cx.error(st, e),
        ServiceError::PreconditionFailed => render_form(
            st,
            cx,
            StatusCode::PRECONDITION_FAILED,
            product,
            form,
            &FormErrors::alert(
                "Someone else changed this product while you were editing. Your changes were \
                 not saved: reload the page to see the current values, then edit again.",
            ),
        ),
        ServiceError::TooLarge { limit } => render_form(
            st,
            cx,
            StatusCode::PAYLOAD_TOO_LARGE,
            product,
            form,
            &FormErrors::field(
                "file",
                format!("The file is larger than the limit of {limit} bytes. Nothing was saved."),
            ),
        ),
        e => {
            let status = match describe_error(&e).0 {
                StatusCode::INTERNAL_SERVER_ERROR => return cx.error(st, e),
                s => s,
            };
            render_form(
                st,
                cx,
                status,
                product,
                form,
                &FormErrors::from_service(&e, &[]),
            )
        }
    }
}

async fn new_page(State(st): State<AppState>, cx: Cx) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let form = ProductForm {
        language: "en".into(),
        status: "draft".into(),
        ..Default::default()
    };
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        None,
        &form,
        &FormErrors::default(),
    )
}

async fn create(State(st): State<AppState>, cx: Cx, req: Request) -> Response {
    // Who may create is known before the body is read: a stranger's upload is not read.
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let (form, upload) = match read_form(&st, &cx, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let upload = match upload {
        Ok(u) => u,
        Err(e) => return form_error(&st, &cx, None, &form, e),
    };
    let input = match form.input() {
        Ok(i) => i,
        Err(e) => return form_error(&st, &cx, None, &form, e),
    };
    match st
        .services
        .create_product_with_file(&cx.admin, input, upload)
        .await
    {
        Ok(p) => redirect_flash(
            &st,
            &format!("/catalog/products/{}", p.id),
            "success",
            format!("Product “{}” created.", p.title),
        ),
        Err(e) => form_error(&st, &cx, None, &form, e),
    }
}

/// The product the path names (the 404 page when there is none).
async fn load(st: &AppState, cx: &Cx, id: &str) -> Result<ProductRecord, Response> {
    let Ok(id) = ProductId::parse(id.trim()) else {
        return Err(cx.not_found(st, "product"));
    };
    st.services
        .get_product(&cx.admin, id)
        .await
        .map_err(|e| cx.error(st, e))
}

async fn show(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    let p = match load(&st, &cx, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let view = ProductView::from(&p);
    cx.render(
        &st,
        "catalog/product.html",
        context! {
            title => format!("{} · Products", p.title),
            subsection => "catalog-products",
            p => view,
            may_manage => may_manage(&cx),
        },
    )
}

async fn edit_page(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let p = match load(&st, &cx, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        Some(&ProductView::from(&p)),
        &ProductForm::of(&p),
        &FormErrors::default(),
    )
}

async fn update(
    State(st): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let p = match load(&st, &cx, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let view = ProductView::from(&p);
    let (form, upload) = match read_form(&st, &cx, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let upload = match upload {
        Ok(u) => u,
        Err(e) => return form_error(&st, &cx, Some(&view), &form, e),
    };
    let (expected, update) = match form.update() {
        Ok(x) => x,
        Err(e) => return form_error(&st, &cx, Some(&view), &form, e),
    };
    match st
        .services
        .update_product_with_file(&cx.admin, p.id, expected, update, upload)
        .await
    {
        Ok(p) => redirect_flash(
            &st,
            &format!("/catalog/products/{}", p.id),
            "success",
            format!("Product “{}” saved.", p.title),
        ),
        Err(e) => form_error(&st, &cx, Some(&view), &form, e),
    }
}

/// The product's file, as the API serves it: an attachment, `nosniff`, a sandbox CSP.
async fn download(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    let Ok(id) = ProductId::parse(id.trim()) else {
        return cx.not_found(&st, "file");
    };
    match st.services.product_file(&cx.admin, id).await {
        Ok((meta, data)) => crate::api::catalog::file_response(&meta, data),
        Err(e) => cx.error(&st, e),
    }
}

fn render_delete(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    p: &ProductRecord,
    errors: &FormErrors,
) -> Response {
    let view = ProductView::from(p);
    cx.render_status(
        st,
        status,
        "catalog/delete.html",
        context! {
            title => format!("Delete {}", p.title),
            subsection => "catalog-products",
            noun => "product",
            section_title => "Products",
            section_href => "/catalog/products",
            item => context! { title => view.title.clone(), href => view.href.clone(), id => view.id.clone() },
            action => format!("{}/delete", view.href),
            consequence => "Its file and its activations in organizations are deleted with it. \
                A product in a course outline cannot be deleted: take it out of those courses first.",
            errors => errors,
        },
    )
}

async fn delete_page(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    match load(&st, &cx, &id).await {
        Ok(p) => render_delete(&st, &cx, StatusCode::OK, &p, &FormErrors::default()),
        Err(r) => r,
    }
}

async fn delete(
    State(st): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let p = match load(&st, &cx, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    confirmed_delete(
        &st,
        &cx,
        &form,
        "/catalog/products",
        |status, errors| render_delete(&st, &cx, status, &p, errors),
        async || {
            let d = st.services.delete_product(&cx.admin, p.id).await?;
            Ok(format!("Product “{}” deleted.", d.title))
        },
    )
    .await
}
