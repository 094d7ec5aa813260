//! An organization's Products and Courses tabs (C4): what it has activated, a search of what
//! it could activate with an "Activate" button each, and deactivating after a confirmation.
//! Seeing a tab needs `catalog.view` in the organization, changing it `catalog.manage`; the
//! services refuse regardless of what the page shows.

use super::confirm::ConfirmForm;
use super::orgs::{OrgHeader, load_org};
use super::view::{Cx, FormErrors, PAGE_SIZE, page_request, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::{CourseId, ProductId};
use portico_services::catalog::org::Portfolio;
use portico_services::{OrgScope, ServiceError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{org}/catalog/{kind}",
            get(list).post(activate),
        )
        .route(
            "/organizations/{org}/catalog/{kind}/{item}/deactivate",
            get(deactivate_page).post(deactivate),
        )
}

/// Which tab: products or courses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Products,
    Courses,
}

impl Kind {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "products" => Some(Self::Products),
            "courses" => Some(Self::Courses),
            _ => None,
        }
    }
    fn path(self) -> &'static str {
        match self {
            Self::Products => "products",
            Self::Courses => "courses",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Self::Products => "product",
            Self::Courses => "course",
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ActivateForm {
    id: String,
}

/// One line of a list: a product or a course, as the page shows it.
#[derive(Debug, Serialize)]
struct Item {
    id: String,
    title: String,
    /// A product's type, or a course's number of products.
    detail: String,
    language: String,
    status: &'static str,
    deactivate_href: String,
}

fn base(header: &OrgHeader, kind: Kind) -> String {
    format!("{}/catalog/{}", header.org.href, kind.path())
}

async fn items(
    st: &AppState,
    scope: &OrgScope,
    header: &OrgHeader,
    kind: Kind,
    which: Portfolio,
    q: Option<&str>,
) -> Result<Vec<Item>, ServiceError> {
    let page = page_request(None, PAGE_SIZE);
    let b = base(header, kind);
    Ok(match kind {
        Kind::Products => st
            .services
            .org_products(scope, which, q, page)
            .await?
            .items
            .into_iter()
            .map(|p| Item {
                deactivate_href: format!("{b}/{}/deactivate", p.id),
                id: p.id.to_string(),
                title: p.title,
                detail: p.product_type.as_str().to_string(),
                language: p.language,
                status: p.status.as_str(),
            })
            .collect(),
        Kind::Courses => st
            .services
            .org_courses(scope, which, q, page)
            .await?
            .items
            .into_iter()
            .map(|c| Item {
                deactivate_href: format!("{b}/{}/deactivate", c.id),
                id: c.id.to_string(),
                title: c.title,
                detail: format!(
                    "{} product{}",
                    c.outline.len(),
                    if c.outline.len() == 1 { "" } else { "s" }
                ),
                language: c.language,
                status: "published",
            })
            .collect(),
    })
}

async fn load(
    st: &AppState,
    cx: &Cx,
    key: &str,
    kind: &str,
) -> Result<(OrgScope, OrgHeader, Kind), Response> {
    let kind = Kind::parse(kind).ok_or_else(|| cx.not_found(st, "page"))?;
    let (scope, header) = load_org(st, cx, key).await?;
    Ok((scope, header, kind))
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    kind: Kind,
    q: &str,
    status: StatusCode,
    errors: &FormErrors,
) -> Response {
    let activated = match items(st, scope, header, kind, Portfolio::Activated, None).await {
        Ok(x) => x,
        Err(e) => return cx.error(st, e),
    };
    let may_manage = header.can.catalog_manage;
    let available = if may_manage {
        let q = (!q.trim().is_empty()).then_some(q);
        match items(st, scope, header, kind, Portfolio::Available, q).await {
            Ok(x) => x,
            Err(e) => return cx.error(st, e),
        }
    } else {
        Vec::new()
    };
    cx.render_status(
        st,
        status,
        "orgs/catalog.html",
        context! {
            title => format!("{} · {}", header.org.name, if kind == Kind::Products { "Products" } else { "Courses" }),
            tab => kind.path(),
            kind => kind.path(),
            noun => kind.noun(),
            h => header,
            action => base(header, kind),
            activated => activated,
            available => available,
            q => q,
            may_manage => may_manage,
            errors => errors,
        },
    )
}

async fn list(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, kind)): Path<(String, String)>,
    Query(lq): Query<ListQuery>,
) -> Response {
    let (scope, header, kind) = match load(&st, &cx, &key, &kind).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_list(
        &st,
        &cx,
        &scope,
        &header,
        kind,
        &lq.q,
        StatusCode::OK,
        &FormErrors::default(),
    )
    .await
}

async fn activate(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, kind)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ActivateForm>,
) -> Response {
    let (scope, header, kind) = match load(&st, &cx, &key, &kind).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let done = match kind {
        Kind::Products => match ProductId::parse(form.id.trim()) {
            Ok(id) => st
                .services
                .activate_product(&scope, id)
                .await
                .map(|p| p.title),
            Err(_) => Err(ServiceError::NotFound("product")),
        },
        Kind::Courses => match CourseId::parse(form.id.trim()) {
            Ok(id) => st
                .services
                .activate_course(&scope, id)
                .await
                .map(|c| c.title),
            Err(_) => Err(ServiceError::NotFound("course")),
        },
    };
    match done {
        Ok(title) => redirect_flash(
            &st,
            &base(&header, kind),
            "success",
            format!("“{title}” activated for {}.", header.org.name),
        ),
        Err(e @ ServiceError::Forbidden(_)) => cx.error(&st, e),
        Err(e) => {
            let status = super::view::describe_error(&e).0;
            render_list(
                &st,
                &cx,
                &scope,
                &header,
                kind,
                "",
                status,
                &FormErrors::from_service(&e, &[]),
            )
            .await
        }
    }
}

async fn deactivate_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, kind, item)): Path<(String, String, String)>,
) -> Response {
    let (scope, header, kind) = match load(&st, &cx, &key, &kind).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !header.can.catalog_manage {
        return cx.error(
            &st,
            ServiceError::Forbidden(
                "you need the permission catalog.manage in this organization".into(),
            ),
        );
    }
    let activated = match items(&st, &scope, &header, kind, Portfolio::Activated, None).await {
        Ok(x) => x,
        Err(e) => return cx.error(&st, e),
    };
    let Some(it) = activated.into_iter().find(|i| i.id == item.trim()) else {
        return cx.not_found(&st, kind.noun());
    };
    cx.render_status(
        &st,
        StatusCode::OK,
        "orgs/catalog_deactivate.html",
        context! {
            title => format!("Deactivate {} · {}", it.title, header.org.name),
            h => header,
            noun => kind.noun(),
            item => it,
            back => base(&header, kind),
        },
    )
}

async fn deactivate(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, kind, item)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let (scope, header, kind) = match load(&st, &cx, &key, &kind).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let back = base(&header, kind);
    if form.confirm != "yes" {
        return redirect_flash(
            &st,
            &back,
            "error",
            "Confirm the deactivation with its button.",
        );
    }
    let done = match kind {
        Kind::Products => match ProductId::parse(item.trim()) {
            Ok(id) => st.services.deactivate_product(&scope, id).await,
            Err(_) => Err(ServiceError::NotFound("product")),
        },
        Kind::Courses => match CourseId::parse(item.trim()) {
            Ok(id) => st.services.deactivate_course(&scope, id).await,
            Err(_) => Err(ServiceError::NotFound("course")),
        },
    };
    match done {
        Ok(()) => redirect_flash(
            &st,
            &back,
            "success",
            format!(
                "The {} is no longer activated for {}.",
                kind.noun(),
                header.org.name
            ),
        ),
        Err(e @ (ServiceError::Conflict { .. } | ServiceError::Invalid(_))) => {
            redirect_flash(&st, &back, "error", super::view::error_message(&e))
        }
        Err(e) => cx.error(&st, e),
    }
}
