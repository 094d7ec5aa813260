//! An organization's Users tab: members (search, pagination), adding a person by email (U3)
//! and removing one after the U4 confirmation.

use super::orgs::{OrgHeader, load_org};
use super::view::{Cx, FormErrors, PAGE_SIZE, Pager, UserView, page_request, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ids::UserId;
use portico_services::members::AddMemberInput;
use portico_services::records::{AddOutcome, RemovalPreview};
use portico_services::{OrgScope, ServiceError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations/{org}/users", get(members).post(add))
        .route(
            "/organizations/{org}/users/{user}/remove",
            get(remove_page).post(remove),
        )
}

#[derive(Debug, Deserialize, Default)]
pub struct MembersQuery {
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct AddForm {
    email: String,
    first_name: String,
    last_name: String,
    username: String,
    language: String,
    credentials: String,
}

#[derive(Debug, Serialize)]
struct MemberView {
    user: UserView,
    kind: &'static str,
    joined_at: i64,
    remove_href: String,
    /// A4: this membership's applications, and where to change them (A3).
    applications: Vec<super::users::AppChip>,
    applications_href: String,
}

async fn members(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    Query(mq): Query<MembersQuery>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_members(
        &st,
        &cx,
        &scope,
        &header,
        &mq,
        StatusCode::OK,
        &AddForm::default(),
        &FormErrors::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_members(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    mq: &MembersQuery,
    status: StatusCode,
    form: &AddForm,
    errors: &FormErrors,
) -> Response {
    let q = mq.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let page = match st
        .services
        .list_members(scope, q, page_request(mq.cursor.as_deref(), PAGE_SIZE))
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(st, e),
    };
    let base = format!("{}/users", header.org.href);
    let pager = Pager::new(&page, &base, &[("q", q.unwrap_or(""))], mq.cursor.is_none());
    let rows: Vec<MemberView> = page
        .items
        .iter()
        .map(|m| MemberView {
            user: UserView::from(&m.user),
            kind: m.kind.as_str(),
            joined_at: m.joined_at.millis(),
            remove_href: format!("{base}/{}/remove", m.user.id),
            applications: m
                .applications
                .iter()
                .map(super::users::AppChip::from)
                .collect(),
            applications_href: format!("{base}/{}/applications", m.user.id),
        })
        .collect();
    // L3: "New user" is disabled, with the reason, when no application seat is left.
    let seats = match st.services.seats(scope).await {
        Ok(s) => s,
        Err(e) => return cx.error(st, e),
    };
    // A3: what a new member gets: the organization's auto-assigned applications.
    let auto_apps: Vec<String> = if scope.can("applications.view") {
        match st.services.org_apps(scope).await {
            Ok(rows) => rows
                .into_iter()
                .filter(|r| r.app.auto_assigned)
                .map(|r| r.app.name)
                .collect(),
            Err(e) => return cx.error(st, e),
        }
    } else {
        Vec::new()
    };
    let seats_full = seats.application.exhausted().then(|| {
        format!(
            "All {} application seats of {} are in use. Free a seat or raise the limit on the Licenses tab.",
            seats.application.limit.unwrap_or(0),
            header.org.name
        )
    });
    cx.render_status(
        st,
        status,
        "orgs/members.html",
        context! {
            title => format!("{} · Users", header.org.name),
            tab => "users",
            h => header,
            q => q.unwrap_or(""),
            members => rows,
            pager => pager,
            form => form,
            errors => errors,
            welcome_hours => st.services.config().welcome_link_hours,
            seats_full => seats_full,
            auto_apps => auto_apps,
            apps_manage => scope.can("applications.manage"),
        },
    )
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
    let credentials = match portico_domain::credential::CredentialChoice::parse(&form.credentials) {
        Ok(c) => c,
        Err(v) => {
            let e = ServiceError::Invalid(v);
            let errors = FormErrors::from_service(&e, &[]);
            return render_members(
                &st,
                &cx,
                &scope,
                &header,
                &MembersQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await;
        }
    };
    let input = AddMemberInput {
        email: form.email.clone(),
        username: Some(form.username.clone()).filter(|u| !u.trim().is_empty()),
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        credentials,
        language: Some(form.language.clone()),
        applications: None,
    };
    match st.services.add_member(&scope, input).await {
        Ok(added) => {
            let user = added.user;
            if let Some(pw) = added.generated_password {
                // U8: shown once, on this response only (never in a flash cookie or a URL).
                return super::user_credentials::password_once_page(
                    &st,
                    &cx,
                    &user,
                    &pw,
                    &format!("{}/users", header.org.href),
                    "Added to the organization",
                );
            }
            let msg = match added.outcome {
                AddOutcome::Created if added.welcome_email => format!(
                    "Created new user {} (internal). Username: {}. A welcome email with a set-password link is on its way.",
                    user.display_name(),
                    user.username
                ),
                AddOutcome::Created => format!(
                    "Created new user {} (internal). Username: {}.",
                    user.display_name(),
                    user.username
                ),
                AddOutcome::AddedExternal => format!(
                    "Added existing user {} as external member.",
                    user.display_name()
                ),
            };
            redirect_flash(&st, &format!("{}/users", header.org.href), "success", msg)
        }
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            let status = match e {
                ServiceError::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render_members(
                &st,
                &cx,
                &scope,
                &header,
                &MembersQuery::default(),
                status,
                &form,
                &errors,
            )
            .await
        }
    }
}

fn render_remove(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    header: &OrgHeader,
    p: &RemovalPreview,
    errors: &FormErrors,
) -> Response {
    let other_orgs: Vec<_> = p
        .other_organizations
        .iter()
        .map(|o| context! { name => o.name.clone(), href => super::view::org_href(&o.slug) })
        .collect();
    cx.render_status(
        st,
        status,
        "orgs/remove_member.html",
        context! {
            title => format!("Remove {}", p.user.display_name()),
            h => header,
            user => UserView::from(&p.user),
            kind => p.kind.as_str(),
            deletes_user => p.deletes_user,
            other_orgs => other_orgs,
            errors => errors,
        },
    )
}

async fn load_removal(
    st: &AppState,
    cx: &Cx,
    key: &str,
    user: &str,
) -> Result<(OrgScope, OrgHeader, UserId, RemovalPreview), Response> {
    let (scope, header) = load_org(st, cx, key).await?;
    let Ok(uid) = UserId::parse(user) else {
        return Err(cx.not_found(st, "member"));
    };
    let preview = st
        .services
        .member_removal_preview(&scope, uid)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound(_) => cx.not_found(st, "member"),
            e => cx.error(st, e),
        })?;
    Ok((scope, header, uid, preview))
}

async fn remove_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, user)): Path<(String, String)>,
) -> Response {
    match load_removal(&st, &cx, &key, &user).await {
        Ok((_, header, _, p)) => render_remove(
            &st,
            &cx,
            StatusCode::OK,
            &header,
            &p,
            &FormErrors::default(),
        ),
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    confirm: String,
}

async fn remove(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, user)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> Response {
    let (scope, header, uid, preview) = match load_removal(&st, &cx, &key, &user).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let confirmed = matches!(form.confirm.as_str(), "yes" | "true" | "on");
    match st.services.remove_member(&scope, uid, confirmed).await {
        Ok(done) => {
            let name = done.user.display_name();
            let msg = if done.deletes_user {
                format!("{name} was removed and deleted from the system.")
            } else {
                format!("{name} is no longer a member of {}.", header.org.name)
            };
            redirect_flash(&st, &format!("{}/users", header.org.href), "success", msg)
        }
        Err(e) => render_remove(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &header,
            &preview,
            &FormErrors::from_service(&e, &[]),
        ),
    }
}
