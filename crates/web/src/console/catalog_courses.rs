//! Catalog → Courses (C3): the platform's course templates, searched and filtered by
//! language; a course's page with its outline; "New course" and edit forms whose ordered
//! outline works without JavaScript (add a product from a select, move up or down, remove:
//! each button posts the form back and the page comes again with the outline changed; only
//! "Save" writes); deleting after a confirmation. `catalog.view` / `catalog.manage` at the
//! platform; the services refuse regardless of what the page shows.

use super::confirm::{ConfirmForm, confirmed_delete};
use super::form::Fields;
use super::view::{Cx, FormErrors, PAGE_SIZE, Pager, describe_error, page_request, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::{CourseId, ProductId};
use portico_domain::page::PageRequest;
use portico_services::ServiceError;
use portico_services::catalog::{
    CourseInput, CourseRecord, CourseSearch, CourseUpdate, ProductSearch,
};
use portico_services::records::ScopeRef;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog/courses", get(list))
        .route("/catalog/courses/new", get(new_page).post(create))
        .route("/catalog/courses/{id}", get(show))
        .route("/catalog/courses/{id}/edit", get(edit_page).post(update))
        .route(
            "/catalog/courses/{id}/delete",
            get(delete_page).post(delete),
        )
}

/// How many products the "Add a product" select offers at once (narrowed with its search).
const PICK_LIMIT: u32 = 200;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    language: String,
    cursor: Option<String>,
}

/// The form as typed: the outline is the product ids in order.
#[derive(Debug, Serialize, Default)]
struct CourseForm {
    title: String,
    description: String,
    language: String,
    outline: Vec<String>,
    version: String,
    /// Words narrowing the "Add a product" select.
    find: String,
}

impl CourseForm {
    fn of(c: &CourseRecord) -> Self {
        CourseForm {
            title: c.title.clone(),
            description: c.description.clone(),
            language: c.language.clone(),
            outline: c.outline.iter().map(|p| p.id.to_string()).collect(),
            version: c.version.to_string(),
            find: String::new(),
        }
    }

    fn from_fields(f: &Fields) -> Self {
        CourseForm {
            title: f.get("title").to_string(),
            description: f.get("description").to_string(),
            language: f.get("language").to_string(),
            outline: f.all("outline"),
            version: f.get("version").to_string(),
            find: f.get("find").to_string(),
        }
    }

    /// Applies an outline button: `add` (the product chosen in `add`), `up-N`, `down-N`,
    /// `remove-N`. Anything else leaves the outline as it is.
    fn apply(&mut self, op: &str, add: &str) {
        let n = self.outline.len();
        let at = |prefix: &str| {
            op.strip_prefix(prefix)
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < n)
        };
        if op == "add" {
            let id = add.trim();
            if !id.is_empty() && !self.outline.iter().any(|o| o == id) {
                self.outline.push(id.to_string());
            }
        } else if let Some(i) = at("up-") {
            if i > 0 {
                self.outline.swap(i - 1, i);
            }
        } else if let Some(i) = at("down-") {
            if i + 1 < n {
                self.outline.swap(i, i + 1);
            }
        } else if let Some(i) = at("remove-") {
            self.outline.remove(i);
        }
    }
}

/// One line of an outline, with the product's name.
#[derive(Debug, Serialize)]
struct OutlineItem {
    id: String,
    href: String,
    title: String,
    product_type: String,
    status: String,
    known: bool,
}

#[derive(Debug, Serialize)]
struct CourseView {
    id: String,
    href: String,
    title: String,
    description: String,
    language: String,
    outline: Vec<OutlineItem>,
    created_at: i64,
    updated_at: i64,
}

impl From<&CourseRecord> for CourseView {
    fn from(c: &CourseRecord) -> Self {
        CourseView {
            id: c.id.to_string(),
            href: format!("/catalog/courses/{}", c.id),
            title: c.title.clone(),
            description: c.description.clone(),
            language: c.language.clone(),
            outline: c
                .outline
                .iter()
                .map(|p| OutlineItem {
                    id: p.id.to_string(),
                    href: format!("/catalog/products/{}", p.id),
                    title: p.title.clone(),
                    product_type: p.product_type.clone(),
                    status: p.status.as_str().to_string(),
                    known: true,
                })
                .collect(),
            created_at: c.created_at.millis(),
            updated_at: c.updated_at.millis(),
        }
    }
}

fn may_manage(cx: &Cx) -> bool {
    cx.admin.can("catalog.manage", ScopeRef::Platform)
}

async fn list(State(st): State<AppState>, cx: Cx, Query(q): Query<ListQuery>) -> Response {
    let search = CourseSearch {
        q: Some(q.q.clone()),
        language: Some(q.language.clone()),
    };
    let cursor = q.cursor.as_deref();
    let (rows, pager, errors) = match st
        .services
        .search_courses(&cx.admin, &search, page_request(cursor, PAGE_SIZE))
        .await
    {
        Ok(page) => {
            let pager = Pager::new(
                &page,
                "/catalog/courses",
                &[("q", &q.q), ("language", &q.language)],
                cursor.is_none(),
            );
            let rows: Vec<CourseView> = page.items.iter().map(CourseView::from).collect();
            (rows, Some(pager), FormErrors::default())
        }
        Err(e @ ServiceError::Invalid(_)) => (Vec::new(), None, FormErrors::from_service(&e, &[])),
        Err(e) => return cx.error(&st, e),
    };
    let filtered = !(q.q.trim().is_empty() && q.language.trim().is_empty());
    cx.render(
        &st,
        "catalog/courses.html",
        context! {
            title => "Catalog · Courses",
            subsection => "catalog-courses",
            rows => rows,
            pager => pager,
            q => q.q,
            language => q.language,
            filtered => filtered,
            errors => errors,
            may_manage => may_manage(&cx),
        },
    )
}

/// The form page: the outline with the products' names, and the products that can be added.
async fn render_form(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    course: Option<&CourseView>,
    form: &CourseForm,
    errors: &FormErrors,
) -> Response {
    let mut outline = Vec::with_capacity(form.outline.len());
    for raw in &form.outline {
        let found = match ProductId::parse(raw) {
            Ok(id) => match st.services.get_product(&cx.admin, id).await {
                Ok(p) => Some(p),
                Err(ServiceError::NotFound(_)) => None,
                Err(e) => return cx.error(st, e),
            },
            Err(_) => None,
        };
        outline.push(match found {
            Some(p) => OutlineItem {
                id: raw.clone(),
                href: format!("/catalog/products/{}", p.id),
                title: p.title,
                product_type: p.product_type.as_str().to_string(),
                status: p.status.as_str().to_string(),
                known: true,
            },
            None => OutlineItem {
                id: raw.clone(),
                href: String::new(),
                title: "Unknown product".into(),
                product_type: String::new(),
                status: String::new(),
                known: false,
            },
        });
    }
    let search = ProductSearch {
        q: Some(form.find.clone()),
        ..Default::default()
    };
    let candidates = match st
        .services
        .search_products(&cx.admin, &search, PageRequest::first(PICK_LIMIT))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(st, e),
    };
    let more = candidates.next_cursor().is_some();
    let addable: Vec<OutlineItem> = candidates
        .items
        .iter()
        .filter(|p| !form.outline.contains(&p.id.to_string()))
        .map(|p| OutlineItem {
            id: p.id.to_string(),
            href: String::new(),
            title: p.title.clone(),
            product_type: p.product_type.as_str().to_string(),
            status: p.status.as_str().to_string(),
            known: true,
        })
        .collect();
    let action = match course {
        Some(c) => format!("{}/edit", c.href),
        None => "/catalog/courses/new".to_string(),
    };
    cx.render_status(
        st,
        status,
        "catalog/course_form.html",
        context! {
            title => match course {
                Some(c) => format!("Edit {}", c.title),
                None => "New course".to_string(),
            },
            subsection => "catalog-courses",
            action => action,
            course => course,
            form => form,
            outline => outline,
            addable => addable,
            more => more,
            errors => errors,
        },
    )
}

async fn new_page(State(st): State<AppState>, cx: Cx) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let form = CourseForm {
        language: "en".into(),
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
    .await
}

/// A refused save: the form again, the message next to its field.
async fn save_error(
    st: &AppState,
    cx: &Cx,
    course: Option<&CourseView>,
    form: &CourseForm,
    e: ServiceError,
) -> Response {
    let (status, errors) = match e {
        ServiceError::Forbidden(_) | ServiceError::NotFound(_) => return cx.error(st, e),
        ServiceError::PreconditionFailed => (
            StatusCode::PRECONDITION_FAILED,
            FormErrors::alert(
                "Someone else changed this course while you were editing. Your changes were \
                 not saved: reload the page to see the current values, then edit again.",
            ),
        ),
        e => match describe_error(&e).0 {
            StatusCode::INTERNAL_SERVER_ERROR => return cx.error(st, e),
            s => (s, FormErrors::from_service(&e, &[])),
        },
    };
    render_form(st, cx, status, course, form, &errors).await
}

async fn create(State(st): State<AppState>, cx: Cx, fields: Fields) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let mut form = CourseForm::from_fields(&fields);
    let op = fields.get("op");
    if op != "save" {
        form.apply(op, fields.get("add"));
        return render_form(
            &st,
            &cx,
            StatusCode::OK,
            None,
            &form,
            &FormErrors::default(),
        )
        .await;
    }
    let input = CourseInput {
        title: form.title.clone(),
        description: Some(form.description.clone()),
        language: form.language.clone(),
        outline: form.outline.clone(),
    };
    match st.services.create_course(&cx.admin, input).await {
        Ok(c) => redirect_flash(
            &st,
            &format!("/catalog/courses/{}", c.id),
            "success",
            format!("Course “{}” created.", c.title),
        ),
        Err(e) => save_error(&st, &cx, None, &form, e).await,
    }
}

async fn load(st: &AppState, cx: &Cx, id: &str) -> Result<CourseRecord, Response> {
    let Ok(id) = CourseId::parse(id.trim()) else {
        return Err(cx.not_found(st, "course"));
    };
    st.services
        .get_course(&cx.admin, id)
        .await
        .map_err(|e| cx.error(st, e))
}

async fn show(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    let c = match load(&st, &cx, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    cx.render(
        &st,
        "catalog/course.html",
        context! {
            title => format!("{} · Courses", c.title),
            subsection => "catalog-courses",
            c => CourseView::from(&c),
            may_manage => may_manage(&cx),
        },
    )
}

async fn edit_page(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let c = match load(&st, &cx, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let view = CourseView::from(&c);
    let form = CourseForm::of(&c);
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        Some(&view),
        &form,
        &FormErrors::default(),
    )
    .await
}

async fn update(
    State(st): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let c = match load(&st, &cx, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let view = CourseView::from(&c);
    let mut form = CourseForm::from_fields(&fields);
    let op = fields.get("op");
    if op != "save" {
        form.apply(op, fields.get("add"));
        return render_form(
            &st,
            &cx,
            StatusCode::OK,
            Some(&view),
            &form,
            &FormErrors::default(),
        )
        .await;
    }
    let update = CourseUpdate {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        language: Some(form.language.clone()),
        outline: Some(form.outline.clone()),
    };
    let expected = form.version.trim().parse::<i64>().ok();
    match st
        .services
        .update_course(&cx.admin, c.id, expected, update)
        .await
    {
        Ok(c) => redirect_flash(
            &st,
            &format!("/catalog/courses/{}", c.id),
            "success",
            format!("Course “{}” saved.", c.title),
        ),
        Err(e) => save_error(&st, &cx, Some(&view), &form, e).await,
    }
}

fn render_delete(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    c: &CourseRecord,
    errors: &FormErrors,
) -> Response {
    let href = format!("/catalog/courses/{}", c.id);
    cx.render_status(
        st,
        status,
        "catalog/delete.html",
        context! {
            title => format!("Delete {}", c.title),
            subsection => "catalog-courses",
            noun => "course",
            section_title => "Courses",
            section_href => "/catalog/courses",
            item => context! { title => c.title.clone(), href => href.clone(), id => c.id.to_string() },
            action => format!("{href}/delete"),
            consequence => "Its outline and its activations in organizations are deleted with it; \
                the products stay in the catalog. A course that a project follows cannot be deleted.",
            errors => errors,
        },
    )
}

async fn delete_page(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    match load(&st, &cx, &id).await {
        Ok(c) => render_delete(&st, &cx, StatusCode::OK, &c, &FormErrors::default()),
        Err(r) => r,
    }
}

async fn delete(
    State(st): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let c = match load(&st, &cx, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    confirmed_delete(
        &st,
        &cx,
        &form,
        "/catalog/courses",
        |status, errors| render_delete(&st, &cx, status, &c, errors),
        async || {
            let d = st.services.delete_course(&cx.admin, c.id).await?;
            Ok(format!("Course “{}” deleted.", d.title))
        },
    )
    .await
}
