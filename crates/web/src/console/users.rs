//! Users across every organization: global search (U11), the user page with memberships,
//! block/unblock (U6) and permanent deletion (U5).

use super::view::{
    Cx, FormErrors, PAGE_SIZE, Pager, UserView, error_message, is_local_path, org_href,
    page_request, redirect_flash, see_other,
};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::UserId;
use portico_domain::user::{MembershipKind, UserStatus};
use portico_services::access::guard::act_scope;
use portico_services::records::{ScopeRef, UserRecord};
use portico_services::users::{UserDetail, sees_login_details};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/{user}", get(detail))
        .route("/users/{user}/block", get(back_to_user).post(block))
        .route("/users/{user}/unblock", get(back_to_user).post(unblock))
        .route("/users/{user}/delete", get(delete_page).post(delete))
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct Row {
    user: UserView,
    /// Whether this console user may block/delete them (not the super admin, not oneself).
    actionable: bool,
    /// P7: their login details are hidden from this viewer (shown as "Hidden", not "Never").
    login_hidden: bool,
    /// A4: names of their applications (in the organizations the viewer sees).
    applications: Vec<AppChip>,
}

/// An application next to a person (A4).
#[derive(Debug, Serialize)]
pub(crate) struct AppChip {
    pub name: String,
    pub status: &'static str,
}

impl From<&portico_services::records::AppBrief> for AppChip {
    fn from(a: &portico_services::records::AppBrief) -> Self {
        Self {
            name: a.name.clone(),
            status: a.status.as_str(),
        }
    }
}

fn actionable(cx: &Cx, u: &UserRecord) -> bool {
    Acts::of(cx, u).block
}

/// What the viewer may do to a person, for the buttons (the services check again).
#[derive(Debug, Serialize, Default)]
pub struct Acts {
    pub block: bool,
    pub delete: bool,
    pub copy: bool,
    pub impersonate: bool,
    /// Change their IP allowlist.
    pub edit: bool,
    /// Reset their password or second factor (U8).
    pub reset: bool,
}

impl Acts {
    pub fn of(cx: &Cx, u: &UserRecord) -> Self {
        let a = &cx.admin;
        let scope = act_scope(u);
        let is_self = u.id == a.user().id;
        let other = !is_self && !u.is_super_admin;
        let not_impersonating = a.impersonator().is_none();
        Acts {
            block: other && a.can("users.block", scope),
            delete: other && a.can("users.delete", scope),
            copy: (!u.is_super_admin || a.is_super_admin())
                && match u.home_org_id {
                    Some(_) => a.can("members.add", scope),
                    None => a.can("users.edit", ScopeRef::Platform),
                },
            impersonate: other
                && not_impersonating
                && u.status == UserStatus::Active
                && a.can("users.impersonate", scope),
            edit: not_impersonating
                && ((is_self && a.is_super_admin()) || (other && a.can("users.edit", scope))),
            reset: other && not_impersonating && a.can("users.reset_credentials", scope),
        }
    }
}

/// What the user pages' header (breadcrumb, name, actions, tabs) shows.
#[derive(Debug, Serialize)]
pub struct UserHeader {
    pub user: UserView,
    pub is_self: bool,
    pub acts: Acts,
}

impl UserHeader {
    pub fn new(cx: &Cx, u: &UserRecord) -> Self {
        UserHeader {
            user: UserView::from(u),
            is_self: u.id == cx.admin.user().id,
            acts: Acts::of(cx, u),
        }
    }
}

/// The person at `/users/{raw}` with their visible memberships; otherwise the error page.
pub async fn load_user(
    st: &AppState,
    cx: &Cx,
    raw: &str,
) -> Result<(UserDetail, UserHeader), Response> {
    let Some(id) = parse_user(raw) else {
        return Err(cx.not_found(st, "user"));
    };
    match st.services.user_detail(&cx.admin, id).await {
        Ok(d) => {
            let h = UserHeader::new(cx, &d.user);
            Ok((d, h))
        }
        Err(e) => Err(cx.error(st, e)),
    }
}

async fn list(State(st): State<AppState>, cx: Cx, Query(lq): Query<ListQuery>) -> Response {
    if !super::nav::reaches(&cx.admin, "users.view") {
        return cx.error(
            &st,
            portico_services::ServiceError::Forbidden("you need the permission users.view".into()),
        );
    }
    let q = lq.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let page = match st
        .services
        .search_users_with_apps(&cx.admin, q, page_request(lq.cursor.as_deref(), PAGE_SIZE))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(&st, e),
    };
    let pager = Pager::new(
        &page,
        "/users",
        &[("q", q.unwrap_or(""))],
        lq.cursor.is_none(),
    );
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|w| Row {
            user: UserView::from(&w.user),
            actionable: actionable(&cx, &w.user),
            login_hidden: !sees_login_details(&cx.admin, &w.user),
            applications: w.applications.iter().map(AppChip::from).collect(),
        })
        .collect();
    // Where block/unblock return to: this very list.
    let mut back = form_urlencoded::Serializer::new(String::new());
    if let Some(q) = q {
        back.append_pair("q", q);
    }
    if let Some(c) = lq.cursor.as_deref() {
        back.append_pair("cursor", c);
    }
    let back = match back.finish() {
        qs if qs.is_empty() => "/users".to_string(),
        qs => format!("/users?{qs}"),
    };
    cx.render(
        &st,
        "users/list.html",
        context! { title => "Users", q => q.unwrap_or(""), rows => rows, pager => pager, back => back },
    )
}

/// A malformed id in the address is a user that does not exist.
fn parse_user(raw: &str) -> Option<UserId> {
    UserId::parse(raw).ok()
}

#[derive(Debug, Serialize)]
struct MembershipView {
    name: String,
    slug: String,
    href: String,
    kind: &'static str,
    joined_at: i64,
}

async fn detail(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let memberships: Vec<MembershipView> = d
        .memberships
        .iter()
        .map(|m| MembershipView {
            name: m.org.name.clone(),
            slug: m.org.slug.clone(),
            href: org_href(&m.org.slug),
            kind: m.kind.as_str(),
            joined_at: m.created_at.millis(),
        })
        .collect();
    let home = d
        .memberships
        .iter()
        .find(|m| m.kind == MembershipKind::Internal)
        .map(|m| context! { name => m.org.name.clone(), href => org_href(&m.org.slug) });
    cx.render(
        &st,
        "users/detail.html",
        context! {
            title => d.user.display_name(),
            tab => "overview",
            h => h,
            user => UserView::from(&d.user),
            ip_allowlist => d.user.ip_allowlist.clone(),
            login_hidden => !sees_login_details(&cx.admin, &d.user),
            memberships => memberships,
            home => home,
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    back: String,
}

async fn back_to_user(Path(raw): Path<String>) -> Response {
    match UserId::parse(&raw) {
        Ok(id) => see_other(&format!("/users/{id}")),
        Err(_) => see_other("/users"),
    }
}

async fn set_blocked(st: AppState, cx: Cx, raw: String, form: ActionForm, block: bool) -> Response {
    let Some(id) = parse_user(&raw) else {
        return cx.not_found(&st, "user");
    };
    let back = if is_local_path(&form.back) {
        form.back.clone()
    } else {
        format!("/users/{id}")
    };
    let result = if block {
        st.services.block_user(&cx.admin, id).await
    } else {
        st.services.unblock_user(&cx.admin, id).await
    };
    match result {
        Ok(u) => {
            let msg = if block {
                format!(
                    "{} is blocked: their sessions and API keys stopped working.",
                    u.display_name()
                )
            } else {
                format!("{} is unblocked and can sign in again.", u.display_name())
            };
            redirect_flash(&st, &back, "success", msg)
        }
        Err(e) => redirect_flash(&st, &back, "error", error_message(&e)),
    }
}

async fn block(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    set_blocked(st, cx, raw, form, true).await
}

async fn unblock(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    set_blocked(st, cx, raw, form, false).await
}

fn render_delete(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    user: &UserRecord,
    orgs: usize,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "users/delete.html",
        context! {
            title => format!("Delete {}", user.display_name()),
            user => UserView::from(user),
            memberships => orgs,
            actionable => Acts::of(cx, user).delete,
            errors => errors,
        },
    )
}

async fn delete_page(State(st): State<AppState>, cx: Cx, Path(raw): Path<String>) -> Response {
    let Some(id) = parse_user(&raw) else {
        return cx.not_found(&st, "user");
    };
    match st.services.user_detail(&cx.admin, id).await {
        Ok(d) => render_delete(
            &st,
            &cx,
            StatusCode::OK,
            &d.user,
            d.memberships.len(),
            &FormErrors::default(),
        ),
        Err(e) => cx.error(&st, e),
    }
}

async fn delete(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Response {
    let Some(id) = parse_user(&raw) else {
        return cx.not_found(&st, "user");
    };
    let d = match st.services.user_detail(&cx.admin, id).await {
        Ok(d) => d,
        Err(e) => return cx.error(&st, e),
    };
    match st.services.delete_user(&cx.admin, id).await {
        Ok(()) => redirect_flash(
            &st,
            "/users",
            "success",
            format!(
                "{} was permanently deleted. The audit log keeps only their id.",
                d.user.display_name()
            ),
        ),
        Err(e) => render_delete(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &d.user,
            d.memberships.len(),
            &FormErrors::from_service(&e, &[]),
        ),
    }
}
