//! Editing an organization (optimistic concurrency through the version) and deleting one
//! after the O3 preview.

use super::orgs::{OrgFormValues, OrgHeader, load_org, resolve_parent};
use super::view::{Cx, FormErrors, org_href, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::OrgStatus;
use portico_services::orgs::OrgUpdate;
use portico_services::records::OrgDeletePreview;
use portico_services::{OrgScope, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations/{org}/edit", get(edit_form).post(save))
        .route("/organizations/{org}/delete", get(delete_page).post(delete))
}

fn render_edit(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    header: &OrgHeader,
    values: &OrgFormValues,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "orgs/form.html",
        context! {
            title => format!("Edit {}", header.org.name),
            mode => "edit",
            action => format!("{}/edit", header.org.href),
            h => header,
            values => values,
            errors => errors,
        },
    )
}

async fn parent_slug(st: &AppState, cx: &Cx, scope: &OrgScope) -> Option<String> {
    let pid = scope.org().parent_id?;
    st.services
        .org_scope(&cx.admin, pid)
        .await
        .ok()
        .map(|p| p.org().slug.clone())
}

async fn edit_form(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = scope.require("organizations.edit") {
        return cx.error(&st, e);
    }
    let values = OrgFormValues::from_org(scope.org(), parent_slug(&st, &cx, &scope).await);
    render_edit(
        &st,
        &cx,
        StatusCode::OK,
        &header,
        &values,
        &FormErrors::default(),
    )
}

fn normalized_tags(tags: &[String]) -> Vec<String> {
    let mut t: Vec<String> = tags.iter().map(|t| t.trim().to_lowercase()).collect();
    t.sort();
    t.dedup();
    t
}

async fn save(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(values): CsrfForm<OrgFormValues>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fail = |errors: FormErrors| {
        render_edit(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &header,
            &values,
            &errors,
        )
    };
    let current = scope.org();
    let Some(status) = OrgStatus::parse(values.status.trim()) else {
        return fail(FormErrors::field("status", "Choose active or suspended."));
    };
    let parent = match resolve_parent(&st, &cx, &values.parent).await {
        Ok(p) => p.map(|p| p.org_id()),
        Err(errors) => return fail(errors),
    };
    let attributes = match values.attribute_map() {
        Ok(a) => a,
        Err(e) => return fail(FormErrors::from_service(&e, &[])),
    };
    let tags = values.tag_list();
    let update = OrgUpdate {
        name: (values.name.trim() != current.name).then(|| values.name.clone()),
        slug: (values.slug.trim() != current.slug).then(|| values.slug.clone()),
        parent_id: (parent != current.parent_id).then_some(parent),
        status: (status != current.status).then_some(status),
        tags: (normalized_tags(&tags) != normalized_tags(&current.tags)).then_some(tags),
        attributes: (attributes != current.attributes).then_some(attributes),
    };
    let expected = values.version.trim().parse::<i64>().ok();
    match st.services.update_org(&scope, expected, update).await {
        Ok(org) => redirect_flash(&st, &org_href(&org.slug), "success", "Changes saved."),
        Err(ServiceError::PreconditionFailed) => fail(FormErrors::alert(
            "Someone else changed this organization while you were editing. \
             Your changes were not saved: reload the page to see the current values, then edit again.",
        )),
        Err(e) => fail(FormErrors::from_service(&e, &[("id", "parent")])),
    }
}

fn render_delete(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    header: &OrgHeader,
    preview: &OrgDeletePreview,
    errors: &FormErrors,
) -> Response {
    let top_level = preview.organization.parent_id.is_none();
    cx.render_status(
        st,
        status,
        "orgs/delete.html",
        context! {
            title => format!("Delete {}", header.org.name),
            h => header,
            p => preview,
            top_level => top_level,
            may_delete => !top_level || cx.admin.is_super_admin(),
            errors => errors,
        },
    )
}

async fn delete_page(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = scope.require("organizations.delete") {
        return cx.error(&st, e);
    }
    match st.services.org_delete_preview(&scope).await {
        Ok(p) => render_delete(
            &st,
            &cx,
            StatusCode::OK,
            &header,
            &p,
            &FormErrors::default(),
        ),
        Err(e) => cx.error(&st, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

async fn delete(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fail = |preview: &OrgDeletePreview, errors: FormErrors| {
        render_delete(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &header,
            preview,
            &errors,
        )
    };
    if form.confirm.trim() != scope.org().slug {
        return match st.services.org_delete_preview(&scope).await {
            Ok(p) => fail(
                &p,
                FormErrors::field("confirm", format!("Type {} to confirm.", scope.org().slug)),
            ),
            Err(e) => cx.error(&st, e),
        };
    }
    let back = match scope.org().parent_id {
        Some(pid) => match st.services.org_scope(&cx.admin, pid).await {
            Ok(p) => org_href(&p.org().slug),
            Err(_) => "/organizations".to_string(),
        },
        None => "/organizations".to_string(),
    };
    match st.services.delete_org(&scope).await {
        Ok(done) => {
            let subs = done.sub_organizations.len();
            let mut msg = format!("Organization “{}” deleted", done.organization.name);
            if subs > 0 {
                msg.push_str(&format!(
                    " with {subs} sub-organization{}",
                    if subs == 1 { "" } else { "s" }
                ));
            }
            msg.push('.');
            redirect_flash(&st, &back, "success", msg)
        }
        Err(e) => match st.services.org_delete_preview(&scope).await {
            Ok(p) => fail(&p, FormErrors::from_service(&e, &[])),
            Err(e2) => cx.error(&st, e2),
        },
    }
}
