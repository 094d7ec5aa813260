//! An organization's Relationships tab (P8): who is the manager, parent or mentor of whom
//! inside the organization; adding one (two members and the relation) and removing one after a
//! confirmation. Seeing the tab needs `members.view` there and changing it
//! `role_assignments.manage`, as the API; the services refuse regardless of what the page shows.

use super::orgs::{OrgHeader, load_org};
use super::view::{Cx, FormErrors, UserView, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::UserId;
use portico_domain::page::PageRequest;
use portico_services::records::UserRecord;
use portico_services::users::for_viewer;
use portico_services::{OrgScope, ServiceError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations/{org}/relationships", get(list).post(add))
        .route(
            "/organizations/{org}/relationships/remove",
            get(remove_page).post(remove),
        )
}

/// Members offered in the pickers; a larger organization has the username or email typed.
const PICK_LIMIT: u32 = 200;

/// The relations, in the order the form offers them: (key, "manager of").
const RELATIONS: [(&str, &str); 3] = [
    ("manager", "manager of"),
    ("parent", "parent of"),
    ("mentor", "mentor of"),
];

fn relation_label(key: &str) -> Option<&'static str> {
    RELATIONS.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct AddForm {
    from: String,
    relation: String,
    to: String,
}

/// Which relationship a removal is about (query of the confirmation page, fields of its form).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RelKey {
    relation: String,
    from: String,
    to: String,
    confirm: String,
}

#[derive(Debug, Serialize)]
struct RelRow {
    from: UserView,
    to: UserView,
    relation: String,
    label: &'static str,
    since: i64,
    remove_href: Option<String>,
}

#[derive(Debug, Serialize)]
struct MemberOption {
    value: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct RelationRole {
    name: String,
    href: String,
    /// "a manager's direct reports".
    applies_to: &'static str,
}

/// The user if the viewer may see them (`None` otherwise); other errors stop the page.
async fn visible(
    st: &AppState,
    cx: &Cx,
    cache: &mut HashMap<UserId, Option<UserRecord>>,
    id: UserId,
) -> Result<Option<UserRecord>, ServiceError> {
    if let Some(known) = cache.get(&id) {
        return Ok(known.clone());
    }
    let found = match st.services.visible_user(&cx.admin, id).await {
        Ok(u) => Some(for_viewer(&cx.admin, u)),
        Err(ServiceError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    cache.insert(id, found.clone());
    Ok(found)
}

fn remove_href(base: &str, relation: &str, from: UserId, to: UserId) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("relation", relation);
    q.append_pair("from", &from.to_string());
    q.append_pair("to", &to.to_string());
    format!("{base}/remove?{}", q.finish())
}

async fn list(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_list(
        &st,
        &cx,
        &scope,
        &header,
        StatusCode::OK,
        &AddForm::default(),
        &FormErrors::default(),
    )
    .await
}

async fn render_list(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    status: StatusCode,
    form: &AddForm,
    errors: &FormErrors,
) -> Response {
    let rels = match st.services.visible_relationships(scope).await {
        Ok(r) => r,
        Err(e) => return cx.error(st, e),
    };
    let base = format!("{}/relationships", header.org.href);
    let may_manage = header.can.relationships_manage;
    let hidden = rels.hidden;
    let mut rows = Vec::new();
    for v in &rels.items {
        let (r, from, to) = (&v.relationship, &v.from, &v.to);
        rows.push(RelRow {
            from: UserView::from(from),
            to: UserView::from(to),
            label: relation_label(&r.relation).unwrap_or("related to"),
            relation: r.relation.clone(),
            since: r.created_at.millis(),
            remove_href: may_manage.then(|| remove_href(&base, &r.relation, from.id, to.id)),
        });
    }
    rows.sort_by(|a, b| {
        (
            a.relation.as_str(),
            a.from.name.as_str(),
            a.to.name.as_str(),
        )
            .cmp(&(
                b.relation.as_str(),
                b.from.name.as_str(),
                b.to.name.as_str(),
            ))
    });
    // The pickers: every member when there are few enough, otherwise typed usernames.
    let mut members: Option<Vec<MemberOption>> = None;
    if may_manage
        && let Ok(page) = st
            .services
            .list_members(scope, None, PageRequest::first(PICK_LIMIT + 1))
            .await
        && page.items.len() <= PICK_LIMIT as usize
    {
        let mut opts: Vec<MemberOption> = page
            .items
            .iter()
            .map(|m| MemberOption {
                value: m.user.id.to_string(),
                label: format!("{} ({})", m.user.display_name(), m.user.username),
            })
            .collect();
        opts.sort_by(|a, b| a.label.cmp(&b.label));
        members = Some(opts);
    }
    let levels = st.services.visible_levels(&cx.admin);
    let mut roles: Vec<RelationRole> = cx
        .admin
        .access()
        .roles()
        .iter()
        .filter(|r| r.reach != "scope" && levels.contains(&r.level))
        .map(|r| RelationRole {
            name: r.name.clone(),
            href: format!("/settings/roles/{}", r.id),
            applies_to: match r.reach.as_str() {
                "manager" => "a manager's direct reports",
                "parent" => "a parent's children",
                _ => "a mentor's mentees",
            },
        })
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    let relations: Vec<_> = RELATIONS
        .iter()
        .map(|(k, l)| context! { value => k, label => l })
        .collect();
    cx.render_status(
        st,
        status,
        "orgs/relationships.html",
        context! {
            title => format!("{} · Relationships", header.org.name),
            tab => "relationships",
            h => header,
            rows => rows,
            hidden => hidden,
            may_manage => may_manage,
            members => members,
            relations => relations,
            relation_roles => roles,
            form => form,
            errors => errors,
        },
    )
}

/// A member named by the form: a user id (the pickers) or, typed, a username or email of a
/// member of this organization.
async fn resolve_member(
    st: &AppState,
    scope: &OrgScope,
    raw: &str,
    field: &str,
) -> Result<UserId, FormErrors> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FormErrors::field(field, "Choose a member."));
    }
    if let Ok(id) = UserId::parse(raw) {
        return Ok(id);
    }
    let page = st
        .services
        .list_members(scope, Some(raw), PageRequest::first(20))
        .await
        .map_err(|e| FormErrors::from_service(&e, &[]))?;
    page.items
        .iter()
        .find(|m| {
            m.user.username.eq_ignore_ascii_case(raw) || m.user.email.eq_ignore_ascii_case(raw)
        })
        .map(|m| m.user.id)
        .ok_or_else(|| {
            FormErrors::field(
                field,
                format!(
                    "No member of {} has this username or email.",
                    scope.org().name
                ),
            )
        })
}

/// A refusal about the whole form (not one of its fields) shows on top of it.
fn form_errors(e: &ServiceError) -> FormErrors {
    let mut errors = FormErrors::from_service(e, &[("to_user_id", "to"), ("from_user_id", "from")]);
    let others: Vec<String> = errors
        .fields
        .keys()
        .filter(|k| !["from", "relation", "to"].contains(&k.as_str()))
        .cloned()
        .collect();
    for k in others {
        if let Some(m) = errors.fields.remove(&k) {
            errors.alert = Some(m);
        }
    }
    errors
}

async fn add(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let back = |status, errors: FormErrors| {
        let (st, cx, scope, header, form) = (&st, &cx, &scope, &header, &form);
        async move { render_list(st, cx, scope, header, status, form, &errors).await }
    };
    let (from, to) = match (
        resolve_member(&st, &scope, &form.from, "from").await,
        resolve_member(&st, &scope, &form.to, "to").await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut errors = FormErrors::default();
            for e in [a.err(), b.err()].into_iter().flatten() {
                errors.fields.extend(e.fields);
                errors.alert = errors.alert.or(e.alert);
            }
            return back(StatusCode::UNPROCESSABLE_ENTITY, errors).await;
        }
    };
    let relation = form.relation.trim();
    match st
        .services
        .add_relationship(&scope, relation, from, to)
        .await
    {
        Ok(_) => {
            let mut cache = HashMap::new();
            let name = |u: Option<UserRecord>| u.map(|u| u.display_name()).unwrap_or_default();
            let a = name(visible(&st, &cx, &mut cache, from).await.ok().flatten());
            let b = name(visible(&st, &cx, &mut cache, to).await.ok().flatten());
            let label = relation_label(relation).unwrap_or("related to");
            redirect_flash(
                &st,
                &format!("{}/relationships", header.org.href),
                "success",
                format!("{a} is now the {label} {b} in {}.", header.org.name),
            )
        }
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let status = match e {
                ServiceError::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            back(status, form_errors(&e)).await
        }
    }
}

/// The relationship a removal names, with both people, when it exists and the viewer may see
/// them (404 otherwise).
async fn load_removal(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    k: &RelKey,
) -> Result<(String, UserRecord, UserRecord), Response> {
    let not_found = || cx.not_found(st, "relationship");
    let relation = k.relation.trim();
    let (Some(_), Ok(from), Ok(to)) = (
        relation_label(relation),
        UserId::parse(k.from.trim()),
        UserId::parse(k.to.trim()),
    ) else {
        return Err(not_found());
    };
    let rels = st
        .services
        .list_relationships(scope)
        .await
        .map_err(|e| cx.error(st, e))?;
    if !rels
        .iter()
        .any(|r| r.relation == relation && r.from_user_id == from && r.to_user_id == to)
    {
        return Err(not_found());
    }
    let mut cache = HashMap::new();
    let a = visible(st, cx, &mut cache, from)
        .await
        .map_err(|e| cx.error(st, e))?;
    let b = visible(st, cx, &mut cache, to)
        .await
        .map_err(|e| cx.error(st, e))?;
    match (a, b) {
        (Some(a), Some(b)) => Ok((relation.to_string(), a, b)),
        _ => Err(not_found()),
    }
}

fn render_remove(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    header: &OrgHeader,
    (relation, from, to): &(String, UserRecord, UserRecord),
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "orgs/relationship_remove.html",
        context! {
            title => format!("Remove a relationship · {}", header.org.name),
            h => header,
            relation => relation,
            label => relation_label(relation),
            from => UserView::from(from),
            to => UserView::from(to),
            errors => errors,
        },
    )
}

/// The refusal page for a viewer who may not change relationships here, shown before the
/// confirmation (the service would refuse the removal anyway).
fn refusal_unless_manager(st: &AppState, cx: &Cx, header: &OrgHeader) -> Option<Response> {
    (!header.can.relationships_manage).then(|| {
        cx.error(
            st,
            ServiceError::Forbidden(
                "you need the permission role_assignments.manage in this organization".into(),
            ),
        )
    })
}

async fn remove_page(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    Query(k): Query<RelKey>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = refusal_unless_manager(&st, &cx, &header) {
        return r;
    }
    match load_removal(&st, &cx, &scope, &k).await {
        Ok(rel) => render_remove(
            &st,
            &cx,
            StatusCode::OK,
            &header,
            &rel,
            &FormErrors::default(),
        ),
        Err(r) => r,
    }
}

async fn remove(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(k): CsrfForm<RelKey>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (Ok(from), Ok(to)) = (UserId::parse(k.from.trim()), UserId::parse(k.to.trim())) else {
        return cx.not_found(&st, "relationship");
    };
    if k.confirm != "yes" {
        if let Some(r) = refusal_unless_manager(&st, &cx, &header) {
            return r;
        }
        return match load_removal(&st, &cx, &scope, &k).await {
            Ok(rel) => render_remove(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &header,
                &rel,
                &FormErrors::alert("Confirm the removal with the button below."),
            ),
            Err(r) => r,
        };
    }
    let relation = k.relation.trim();
    match st
        .services
        .remove_relationship(&scope, relation, from, to)
        .await
    {
        Ok(()) => {
            let mut cache = HashMap::new();
            let name = |u: Option<UserRecord>| u.map(|u| u.display_name()).unwrap_or_default();
            let a = name(visible(&st, &cx, &mut cache, from).await.ok().flatten());
            let b = name(visible(&st, &cx, &mut cache, to).await.ok().flatten());
            redirect_flash(
                &st,
                &format!("{}/relationships", header.org.href),
                "success",
                format!(
                    "{a} is no longer the {} {b} in {}.",
                    relation_label(relation).unwrap_or("related to"),
                    header.org.name
                ),
            )
        }
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => match load_removal(&st, &cx, &scope, &k).await {
            Ok(rel) => render_remove(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &header,
                &rel,
                &FormErrors::from_service(&e, &[]),
            ),
            Err(r) => r,
        },
    }
}
