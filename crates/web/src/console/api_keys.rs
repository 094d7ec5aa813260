//! Settings → API keys (S5): one's keys (everyone's for the super admin), a form to create one
//! — permissions within one's own, an optional organization, expiry and IP allowlist — whose
//! token is shown exactly once, and revocation after a confirmation page.

use super::form::Fields;
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::Timestamp;
use portico_domain::ids::ApiKeyId;
use portico_services::ServiceError;
use portico_services::api_keys::KeyInput;
use portico_services::records::{ApiKeyRecord, Reach};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/api-keys", get(list))
        .route("/settings/api-keys/new", get(new_form).post(create))
        .route(
            "/settings/api-keys/{key}/revoke",
            get(revoke_page).post(revoke),
        )
}

#[derive(Debug, Serialize)]
struct KeyRow {
    id: String,
    name: String,
    mine: bool,
    owner: String,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    status: &'static str,
    permissions: Option<Vec<String>>,
    organization: Option<String>,
    ip_allowlist: Option<String>,
}

fn row(cx: &Cx, now: Timestamp, k: &ApiKeyRecord) -> KeyRow {
    let status = if k.revoked_at.is_some() {
        "revoked"
    } else if k.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    };
    KeyRow {
        id: k.id.to_string(),
        name: k.name.clone(),
        mine: k.user_id == cx.admin.user().id,
        owner: k.user_id.to_string(),
        created_at: k.created_at,
        expires_at: k.expires_at,
        last_used_at: k.last_used_at,
        status,
        permissions: k.permissions.clone(),
        organization: k.org_id.map(|o| o.to_string()),
        ip_allowlist: k.ip_allowlist.clone(),
    }
}

async fn list(State(st): State<AppState>, cx: Cx) -> Response {
    let keys = match st.services.list_api_keys(&cx.admin).await {
        Ok(k) => k,
        Err(e) => return cx.error(&st, e),
    };
    let now = st.services.now();
    let rows: Vec<KeyRow> = keys.iter().map(|k| row(&cx, now, k)).collect();
    cx.render(
        &st,
        "settings/api_keys.html",
        context! {
            title => "API keys",
            subsection => "api_keys",
            rows => rows,
            may_create => super::nav::reaches(&cx.admin, "api_keys.manage"),
        },
    )
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeyForm {
    name: String,
    organization: String,
    expires_in_days: String,
    ip_allowlist: String,
    permissions: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PermItem {
    key: String,
    id: String,
    description: String,
    checked: bool,
}

#[derive(Debug, Serialize)]
struct PermSection {
    name: String,
    items: Vec<PermItem>,
}

/// The permissions the viewer holds somewhere: a key can be given only those.
fn picker(cx: &Cx, selected: &[String]) -> Vec<PermSection> {
    let access = cx.admin.access();
    access
        .catalog
        .sections()
        .into_iter()
        .filter_map(|(name, entries)| {
            let items: Vec<PermItem> = entries
                .iter()
                .filter(|e| cx.admin.reach(&e.permission.to_string()) != Reach::Orgs(Vec::new()))
                .map(|e| {
                    let key = e.permission.to_string();
                    PermItem {
                        id: format!("perm-{}", key.replace(['.', '_'], "-")),
                        checked: selected.contains(&key),
                        description: e.description.clone(),
                        key,
                    }
                })
                .collect();
            (!items.is_empty()).then(|| PermSection {
                name: name.to_string(),
                items,
            })
        })
        .collect()
}

fn render_form(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    values: &KeyForm,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "settings/api_key_form.html",
        context! {
            title => "New API key",
            subsection => "api_keys",
            values => values,
            sections => picker(cx, &values.permissions),
            errors => errors,
        },
    )
}

async fn new_form(State(st): State<AppState>, cx: Cx) -> Response {
    if let Err(e) = cx.admin.forbid_while_impersonating("creating an API key") {
        return cx.error(&st, e);
    }
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        &KeyForm::default(),
        &FormErrors::default(),
    )
}

async fn create(State(st): State<AppState>, cx: Cx, f: Fields) -> Response {
    let values = KeyForm {
        name: f.get("name").to_string(),
        organization: f.get("organization").trim().to_string(),
        expires_in_days: f.get("expires_in_days").trim().to_string(),
        ip_allowlist: f.get("ip_allowlist").to_string(),
        permissions: f.all("permissions"),
    };
    let fail = |e: ServiceError| {
        render_form(
            &st,
            &cx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            &FormErrors::from_service(&e, &[("org_id", "organization")]),
        )
    };
    let org_id = if values.organization.is_empty() {
        None
    } else {
        match st
            .services
            .resolve_org(&cx.admin, &values.organization)
            .await
        {
            Ok(s) => Some(s.org_id()),
            Err(ServiceError::NotFound(_)) => {
                return fail(ServiceError::Invalid(portico_domain::ValidationError::new(
                    "organization",
                    "no organization you can see has this slug or id",
                )));
            }
            Err(e) => return cx.error(&st, e),
        }
    };
    let expires_at = if values.expires_in_days.is_empty() {
        None
    } else {
        match values.expires_in_days.parse::<i64>() {
            Ok(d) if (1..=3650).contains(&d) => Some(st.services.now().plus_secs(d * 86_400)),
            _ => {
                return fail(ServiceError::Invalid(portico_domain::ValidationError::new(
                    "expires_in_days",
                    "enter a number of days from 1 to 3650, or leave it empty for no expiry",
                )));
            }
        }
    };
    let input = KeyInput {
        name: values.name.clone(),
        expires_at,
        permissions: (!values.permissions.is_empty()).then(|| values.permissions.clone()),
        org_id,
        ip_allowlist: Some(values.ip_allowlist.clone()).filter(|s| !s.trim().is_empty()),
        owner: None,
    };
    match st.services.create_api_key(&cx.admin, input).await {
        Ok(k) => cx.render_status(
            &st,
            StatusCode::CREATED,
            "settings/api_key_created.html",
            context! {
                title => "API key created",
                subsection => "api_keys",
                key => row(&cx, st.services.now(), &k.record),
                token => k.token,
            },
        ),
        Err(e @ ServiceError::Forbidden(_)) => {
            let mut errors = FormErrors::from_service(&e, &[]);
            errors.alert = Some(super::capitalize(&super::view::error_message(&e)));
            render_form(&st, &cx, StatusCode::FORBIDDEN, &values, &errors)
        }
        Err(e) => fail(e),
    }
}

async fn find(st: &AppState, cx: &Cx, raw: &str) -> Result<ApiKeyRecord, ServiceError> {
    let id = ApiKeyId::parse(raw).map_err(|_| ServiceError::NotFound("API key"))?;
    st.services
        .list_api_keys(&cx.admin)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(ServiceError::NotFound("API key"))
}

async fn revoke_page(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    match find(&st, &cx, &key).await {
        Ok(k) => cx.render(
            &st,
            "settings/api_key_revoke.html",
            context! {
                title => "Revoke API key",
                subsection => "api_keys",
                key => row(&cx, st.services.now(), &k),
            },
        ),
        Err(e) => cx.error(&st, e),
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn revoke(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let id = match ApiKeyId::parse(&key) {
        Ok(id) => id,
        Err(_) => return cx.error(&st, ServiceError::NotFound("API key")),
    };
    match st.services.revoke_api_key(&cx.admin, id).await {
        Ok(k) => redirect_flash(
            &st,
            "/settings/api-keys",
            "success",
            format!(
                "The key “{}” is revoked: programs using it are refused from now on.",
                k.name
            ),
        ),
        Err(e) => cx.error(&st, e),
    }
}
