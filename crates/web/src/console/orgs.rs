//! Organizations: the list (search and nesting), creation, and the Overview tab.

use super::view::{
    CursorQuery, Cx, FormErrors, OrgView, PAGE_SIZE, Pager, org_href, page_request, redirect_flash,
};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::OrgId;
use portico_domain::org::Attributes;
use portico_domain::page::PageRequest;
use portico_services::orgs::OrgInput;
use portico_services::records::{OrgFilter, OrgOverview, OrgRecord, Reach};
use portico_services::{OrgScope, ServiceError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list))
        .route("/organizations/new", get(new_form).post(create))
        .route("/organizations/{org}", get(overview))
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
    /// `all`: every organization in one flat list with its parent.
    view: Option<String>,
}

/// Sub-organizations previewed under each top-level one in the tree view.
const CHILD_PREVIEW: u32 = 5;
const TREE_PAGE: u32 = 25;

#[derive(Debug, Serialize, Clone)]
struct Crumb {
    name: String,
    href: String,
}

#[derive(Debug, Serialize)]
struct Row {
    org: OrgView,
    depth: u8,
    parent: Option<Crumb>,
    /// In the tree view: a link to the parent's overview when it has more children.
    more_children: Option<String>,
}

async fn list(State(st): State<AppState>, cx: Cx, Query(lq): Query<ListQuery>) -> Response {
    if !super::nav::reaches(&cx.admin, "organizations.view") {
        return cx.error(
            &st,
            ServiceError::Forbidden("you need the permission organizations.view".into()),
        );
    }
    let q = lq.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // The tree starts at top-level organizations: someone who reaches only some organizations
    // sees them as one list instead.
    let tree_available = cx.admin.reach("organizations.view") == Reach::All;
    let flat = q.is_some() || lq.view.as_deref() == Some("all") || !tree_available;
    let limit = if flat { PAGE_SIZE } else { TREE_PAGE };
    let filter = OrgFilter {
        q: q.map(str::to_string),
        parent: if flat { None } else { Some(None) },
    };
    let page = match st
        .services
        .list_orgs(&cx.admin, filter, page_request(lq.cursor.as_deref(), limit))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(&st, e),
    };
    let mut rows = Vec::new();
    if flat {
        let mut parents: HashMap<OrgId, Option<Crumb>> = HashMap::new();
        for org in &page.items {
            let parent = match org.parent_id {
                None => None,
                Some(pid) => match parents.get(&pid) {
                    Some(known) => known.clone(),
                    None => {
                        let found = st
                            .services
                            .org_scope(&cx.admin, pid)
                            .await
                            .ok()
                            .map(|s| crumb(s.org()));
                        parents.insert(pid, found.clone());
                        found
                    }
                },
            };
            rows.push(Row {
                org: OrgView::from(org),
                depth: 0,
                parent,
                more_children: None,
            });
        }
    } else {
        for org in &page.items {
            rows.push(Row {
                org: OrgView::from(org),
                depth: 0,
                parent: None,
                more_children: None,
            });
            let children = children_of(&st, &cx, org.id, PageRequest::first(CHILD_PREVIEW)).await;
            let Ok(children) = children else { continue };
            let more = children.next.is_some();
            let n = children.items.len();
            for (i, child) in children.items.iter().enumerate() {
                rows.push(Row {
                    org: OrgView::from(child),
                    depth: 1,
                    parent: Some(crumb(org)),
                    more_children: (more && i + 1 == n).then(|| org_href(&org.slug)),
                });
            }
        }
    }
    let view = if lq.view.as_deref() == Some("all") {
        "all"
    } else {
        ""
    };
    let pager = Pager::new(
        &page,
        "/organizations",
        &[("q", q.unwrap_or("")), ("view", view)],
        lq.cursor.is_none(),
    );
    cx.render(
        &st,
        "orgs/list.html",
        context! {
            title => "Organizations",
            q => q.unwrap_or(""),
            flat => flat,
            view_all => lq.view.as_deref() == Some("all"),
            tree_available => tree_available,
            may_create => cx.admin.can("organizations.create", portico_services::records::ScopeRef::Platform),
            rows => rows,
            pager => pager,
        },
    )
}

fn crumb(o: &OrgRecord) -> Crumb {
    Crumb {
        name: o.name.clone(),
        href: org_href(&o.slug),
    }
}

async fn children_of(
    st: &AppState,
    cx: &Cx,
    parent: OrgId,
    page: PageRequest,
) -> Result<portico_domain::page::Page<OrgRecord>, ServiceError> {
    st.services
        .list_orgs(
            &cx.admin,
            OrgFilter {
                q: None,
                parent: Some(Some(parent)),
            },
            page,
        )
        .await
}

/// The values of the create/edit form, echoed back when it has errors.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct OrgFormValues {
    pub name: String,
    pub slug: String,
    pub parent: String,
    pub tags: String,
    pub attributes: String,
    pub status: String,
    pub version: String,
}

impl OrgFormValues {
    pub fn from_org(o: &OrgRecord, parent_slug: Option<String>) -> Self {
        OrgFormValues {
            name: o.name.clone(),
            slug: o.slug.clone(),
            parent: parent_slug.unwrap_or_default(),
            tags: o.tags.join(", "),
            attributes: o
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            status: o.status.as_str().to_string(),
            version: o.version.to_string(),
        }
    }

    pub fn tag_list(&self) -> Vec<String> {
        self.tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn attribute_map(&self) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(Attributes::parse_lines(&self.attributes)?.as_map().clone())
    }
}

/// `parent` field → the parent organization (by slug or id), or a field error.
pub async fn resolve_parent(
    st: &AppState,
    cx: &Cx,
    parent: &str,
) -> Result<Option<OrgScope>, FormErrors> {
    let parent = parent.trim();
    if parent.is_empty() {
        return Ok(None);
    }
    match st.services.resolve_org(&cx.admin, parent).await {
        Ok(s) => Ok(Some(s)),
        Err(ServiceError::NotFound(_)) => Err(FormErrors::field(
            "parent",
            "No organization has this slug or id.",
        )),
        Err(e) => Err(FormErrors::from_service(&e, &[])),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    parent: Option<String>,
}

async fn new_form(State(st): State<AppState>, cx: Cx, Query(nq): Query<NewQuery>) -> Response {
    if !super::nav::reaches(&cx.admin, "organizations.create") {
        return cx.error(
            &st,
            ServiceError::Forbidden("you need the permission organizations.create".into()),
        );
    }
    let values = OrgFormValues {
        parent: nq.parent.unwrap_or_default(),
        ..Default::default()
    };
    render_new(&st, &cx, StatusCode::OK, &values, &FormErrors::default())
}

fn render_new(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    values: &OrgFormValues,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "orgs/form.html",
        context! { title => "New organization", mode => "new", action => "/organizations/new",
        values => values, errors => errors },
    )
}

async fn create(
    State(st): State<AppState>,
    cx: Cx,
    CsrfForm(values): CsrfForm<OrgFormValues>,
) -> Response {
    let fail = |errors: FormErrors| {
        render_new(&st, &cx, StatusCode::UNPROCESSABLE_ENTITY, &values, &errors)
    };
    let parent = match resolve_parent(&st, &cx, &values.parent).await {
        Ok(p) => p,
        Err(errors) => return fail(errors),
    };
    let attributes = match values.attribute_map() {
        Ok(a) => a,
        Err(e) => return fail(FormErrors::from_service(&e, &[])),
    };
    let input = OrgInput {
        name: values.name.clone(),
        slug: Some(values.slug.clone()),
        parent_id: parent.as_ref().map(OrgScope::org_id),
        tags: values.tag_list(),
        attributes,
    };
    match st.services.create_org(&cx.admin, input).await {
        Ok(org) => redirect_flash(
            &st,
            &org_href(&org.slug),
            "success",
            format!("Organization “{}” created.", org.name),
        ),
        Err(e) => fail(FormErrors::from_service(&e, &[])),
    }
}

/// What the organization header (breadcrumb, title, tabs) shows on every tab.
#[derive(Debug, Serialize)]
pub struct OrgHeader {
    pub org: OrgView,
    /// Farthest first, for the breadcrumb.
    ancestors: Vec<Crumb>,
    pub overview: OrgOverview,
    pub external_members: i64,
    /// What the viewer may do here (buttons and tabs; the services check again).
    pub can: OrgCan,
}

#[derive(Debug, Serialize)]
pub struct OrgCan {
    pub edit: bool,
    pub create_sub: bool,
    pub delete: bool,
    pub members_view: bool,
    pub members_add: bool,
    pub members_remove: bool,
    pub users_view: bool,
    /// Adding and removing relationships (P8), as the API requires.
    pub relationships_manage: bool,
    /// The Projects tab and its forms (PR1).
    pub projects_view: bool,
    pub projects_manage: bool,
    pub audit: bool,
    /// Applications tab (A2) and Licenses tab (L1).
    pub applications_view: bool,
    pub licenses_view: bool,
    /// Settings tab: the organization's security policy (S6).
    pub settings_view: bool,
    /// The Emails tab (C4).
    /// Products and Courses tabs (C4): the portfolio, and activating into it.
    pub catalog_view: bool,
    pub catalog_manage: bool,
}

impl OrgCan {
    pub fn of(scope: &OrgScope) -> Self {
        OrgCan {
            edit: scope.can("organizations.edit"),
            create_sub: scope.can("organizations.create"),
            delete: scope.can("organizations.delete"),
            members_view: scope.can("members.view"),
            members_add: scope.can("members.add"),
            members_remove: scope.can("members.remove"),
            users_view: scope.can("users.view"),
            relationships_manage: scope.can("role_assignments.manage"),
            projects_view: scope.can("projects.view"),
            projects_manage: scope.can("projects.manage"),
            audit: scope.can("audit.view"),
            applications_view: scope.can("applications.view"),
            licenses_view: scope.can("licenses.view"),
            settings_view: scope.can("settings.view"),
            catalog_view: scope.can("catalog.view"),
            catalog_manage: scope.can("catalog.manage"),
        }
    }
}

/// Looks an organization up by slug or id; a missing one becomes the 404 page.
pub async fn load_org(
    st: &AppState,
    cx: &Cx,
    key: &str,
) -> Result<(OrgScope, OrgHeader), Response> {
    let scope = st
        .services
        .resolve_org(&cx.admin, key)
        .await
        .map_err(|e| cx.error(st, e))?;
    let detail = st
        .services
        .org_detail(&scope)
        .await
        .map_err(|e| cx.error(st, e))?;
    let header = OrgHeader {
        org: OrgView::from(&detail.organization),
        ancestors: detail
            .ancestors
            .iter()
            .rev()
            .map(|a| Crumb {
                name: a.name.clone(),
                href: org_href(&a.slug),
            })
            .collect(),
        external_members: detail.overview.members - detail.overview.internal_members,
        overview: detail.overview,
        can: OrgCan::of(&scope),
    };
    Ok((scope, header))
}

async fn overview(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    Query(cq): Query<CursorQuery>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let page = page_request(cq.cursor.as_deref(), PAGE_SIZE);
    let children = match children_of(&st, &cx, scope.org_id(), page).await {
        Ok(c) => c,
        Err(e) => return cx.error(&st, e),
    };
    let pager = Pager::new(&children, &header.org.href, &[], cq.cursor.is_none());
    let children: Vec<OrgView> = children.items.iter().map(OrgView::from).collect();
    let activity = super::activity::recent(&st, &cx, scope.org_id()).await;
    // The organization's own sign-in KPIs (`reports.view` there).
    let logins = st.services.org_dashboard(&scope).await.ok().flatten();
    let logins_chart = logins
        .as_ref()
        .map(|l| super::charts::logins_per_day(&l.per_day, 640, 220));
    let logins = logins.map(|l| context! { users => l.distinct_users, logins => l.logins });
    cx.render(
        &st,
        "orgs/overview.html",
        context! {
            title => header.org.name.clone(),
            tab => "overview",
            h => header,
            children => children,
            pager => pager,
            activity => activity,
            logins => logins,
            logins_chart => logins_chart,
        },
    )
}
