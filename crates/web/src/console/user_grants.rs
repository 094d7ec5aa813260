//! The forms of a user's access tab: assign a role (P3) and remove one after a confirmation,
//! add or remove a personal grant or denial (P4), add or remove a data filter (P5), set the IP
//! allowlist (U9). Each calls one service function; a refusal re-renders the tab with the
//! message next to the form's field.

use super::user_access::{Posted, WhyQuery, form_scope, render_access};
use super::users::{UserHeader, load_user};
use super::view::{Cx, FormErrors, redirect_flash, see_other};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::Value;
use portico_domain::Timestamp;
use portico_domain::access::DataFilter;
use portico_domain::ids::{OverrideId, RoleId, UserId};
use portico_services::ServiceError;
use portico_services::access::grants::{AssignInput, OverrideInput};
use portico_services::records::OverrideEffect;
use portico_services::users::UserDetail;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/{user}/roles", get(back).post(assign))
        .route("/users/{user}/overrides", get(back).post(add_override))
        .route("/users/{user}/overrides/{id}/remove", post(remove_override))
        .route("/users/{user}/filters", get(back).post(add_filter))
        .route("/users/{user}/filters/remove", post(remove_filter))
        .route("/users/{user}/ip-allowlist", get(back).post(set_ip))
}

/// A stale address of a form: back to the tab.
async fn back(Path(raw): Path<String>) -> Response {
    match UserId::parse(&raw) {
        Ok(id) => see_other(&access_href(id)),
        Err(_) => see_other("/users"),
    }
}

pub fn access_href(id: UserId) -> String {
    format!("/users/{id}/access")
}

/// The tab again, status 422, with `form`'s values and errors.
async fn refused(
    st: &AppState,
    cx: &Cx,
    d: &UserDetail,
    h: UserHeader,
    form: &'static str,
    values: Value,
    errors: FormErrors,
) -> Response {
    let posted = Posted {
        form,
        values,
        errors,
    };
    render_access(
        st,
        cx,
        StatusCode::UNPROCESSABLE_ENTITY,
        d,
        h,
        &WhyQuery::default(),
        Some(posted),
    )
    .await
}

/// `datetime-local` (`2026-12-31T18:00`, seconds optional, or a space for the `T`) as UTC.
pub fn parse_local(s: &str) -> Option<Timestamp> {
    use time::macros::format_description;
    let s = s.trim().replace(' ', "T");
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let dt = time::PrimitiveDateTime::parse(&s, &minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(&s, &seconds))
        .ok()?;
    Some(Timestamp(
        (dt.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64,
    ))
}

/// Where a service's refusal belongs on the assign and override forms.
fn grant_errors(e: &ServiceError) -> FormErrors {
    match e {
        ServiceError::Invalid(v) if v.field == "ip_allowlist" => {
            FormErrors::alert(super::capitalize(&v.message))
        }
        ServiceError::NotFound("role") => {
            FormErrors::field("role", "This role does not exist, or you cannot see it.")
        }
        ServiceError::NotFound("organization") => FormErrors::field(
            "scope_org",
            "No organization you can see has this slug or id.",
        ),
        other => FormErrors::from_service(other, &[("permissions", "permission")]),
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct AssignForm {
    role: String,
    scope: String,
    scope_org: String,
    expires_at: String,
}

async fn assign(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = Value::from_serialize(&f);
    let Ok(role_id) = RoleId::parse(f.role.trim()) else {
        let e = FormErrors::field("role", "Choose a role.");
        return refused(&st, &cx, &d, h, "assign", values, e).await;
    };
    let scope = match form_scope(&st, &cx, &f.scope, &f.scope_org).await {
        Ok(s) => s,
        Err(e) => return refused(&st, &cx, &d, h, "assign", values, e).await,
    };
    let expires_at = match f.expires_at.trim() {
        "" => None,
        t => match parse_local(t) {
            Some(t) => Some(t),
            None => {
                let e = FormErrors::field(
                    "expires_at",
                    "Enter a date and time, e.g. 2026-12-31 18:00 (UTC).",
                );
                return refused(&st, &cx, &d, h, "assign", values, e).await;
            }
        },
    };
    let role_name = cx.admin.access().role(role_id).map(|r| r.name.clone());
    let input = AssignInput {
        role_id,
        scope,
        expires_at,
    };
    match st.services.assign_role(&cx.admin, d.user.id, input).await {
        Ok(_) => redirect_flash(
            &st,
            &access_href(d.user.id),
            "success",
            format!(
                "{} now holds the role “{}”.",
                d.user.display_name(),
                role_name.unwrap_or_default()
            ),
        ),
        Err(e) => refused(&st, &cx, &d, h, "assign", values, grant_errors(&e)).await,
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct OverrideForm {
    effect: String,
    permission: String,
    scope: String,
    scope_org: String,
}

async fn add_override(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<OverrideForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = Value::from_serialize(&f);
    let Some(effect) = OverrideEffect::parse(f.effect.trim()) else {
        let e = FormErrors::field("effect", "Choose grant or deny.");
        return refused(&st, &cx, &d, h, "override", values, e).await;
    };
    if f.permission.trim().is_empty() {
        let e = FormErrors::field("permission", "Choose a permission.");
        return refused(&st, &cx, &d, h, "override", values, e).await;
    }
    let scope = match form_scope(&st, &cx, &f.scope, &f.scope_org).await {
        Ok(s) => s,
        Err(e) => return refused(&st, &cx, &d, h, "override", values, e).await,
    };
    let input = OverrideInput {
        effect,
        permission: f.permission.trim().to_string(),
        scope,
    };
    match st.services.add_override(&cx.admin, d.user.id, input).await {
        Ok(o) => redirect_flash(
            &st,
            &access_href(d.user.id),
            "success",
            match o.effect {
                OverrideEffect::Grant => {
                    format!("{} is granted {}.", d.user.display_name(), o.permission)
                }
                OverrideEffect::Deny => {
                    format!("{} is denied {}.", d.user.display_name(), o.permission)
                }
            },
        ),
        Err(e) => refused(&st, &cx, &d, h, "override", values, grant_errors(&e)).await,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct EmptyForm {}

async fn remove_override(
    State(st): State<AppState>,
    cx: Cx,
    Path((raw, oid)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Response {
    let Ok(id) = UserId::parse(&raw) else {
        return cx.not_found(&st, "user");
    };
    let Ok(oid) = OverrideId::parse(&oid) else {
        return cx.not_found(&st, "permission override");
    };
    match st.services.remove_override(&cx.admin, id, oid).await {
        Ok(o) => redirect_flash(
            &st,
            &access_href(id),
            "success",
            format!(
                "The personal {} of {} is removed.",
                o.effect.as_str(),
                o.permission
            ),
        ),
        Err(e) => redirect_flash(
            &st,
            &access_href(id),
            "error",
            super::view::error_message(&e),
        ),
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct FilterForm {
    kind: String,
    attribute: String,
    values: String,
}

async fn add_filter(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<FilterForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form_values = Value::from_serialize(&f);
    let values: Vec<String> = f
        .values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if values.is_empty() {
        let e = FormErrors::field("values", "Enter at least one value.");
        return refused(&st, &cx, &d, h, "filter", form_values, e).await;
    }
    let filter = match f.kind.as_str() {
        "tag" => DataFilter::Tag { tags: values },
        "attribute" => DataFilter::Attribute {
            name: f.attribute.trim().to_string(),
            values,
        },
        "organizations" => {
            let mut organizations = Vec::new();
            for v in &values {
                match st.services.resolve_org(&cx.admin, v).await {
                    Ok(s) => organizations.push(s.org_id()),
                    Err(_) => {
                        let e = FormErrors::field(
                            "values",
                            format!("No organization you can see has the slug or id “{v}”."),
                        );
                        return refused(&st, &cx, &d, h, "filter", form_values, e).await;
                    }
                }
            }
            DataFilter::Organizations { organizations }
        }
        _ => {
            let e = FormErrors::field("kind", "Choose tag, attribute or organizations.");
            return refused(&st, &cx, &d, h, "filter", form_values, e).await;
        }
    };
    let mut list = match st.services.get_filters(&cx.admin, d.user.id).await {
        Ok(l) => l,
        Err(e) => return cx.error(&st, e),
    };
    list.push(filter);
    match st.services.set_filters(&cx.admin, d.user.id, list).await {
        Ok(_) => redirect_flash(
            &st,
            &access_href(d.user.id),
            "success",
            format!(
                "Data filter added: {} now sees less.",
                d.user.display_name()
            ),
        ),
        Err(e) => {
            let errors = FormErrors::from_service(
                &e,
                &[("filters", "values"), ("tags", "values"), ("tag", "values")],
            );
            refused(&st, &cx, &d, h, "filter", form_values, errors).await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct IndexForm {
    #[serde(default)]
    index: String,
}

async fn remove_filter(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<IndexForm>,
) -> Response {
    let Ok(id) = UserId::parse(&raw) else {
        return cx.not_found(&st, "user");
    };
    let mut list = match st.services.get_filters(&cx.admin, id).await {
        Ok(l) => l,
        Err(e) => return cx.error(&st, e),
    };
    let Some(i) = f
        .index
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|i| *i < list.len())
    else {
        return redirect_flash(
            &st,
            &access_href(id),
            "error",
            "This data filter was removed meanwhile.",
        );
    };
    list.remove(i);
    match st.services.set_filters(&cx.admin, id, list).await {
        Ok(_) => redirect_flash(&st, &access_href(id), "success", "Data filter removed."),
        Err(e) => redirect_flash(
            &st,
            &access_href(id),
            "error",
            super::view::error_message(&e),
        ),
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct IpForm {
    ip_allowlist: String,
}

async fn set_ip(
    State(st): State<AppState>,
    cx: Cx,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<IpForm>,
) -> Response {
    let (d, h) = match load_user(&st, &cx, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let list = Some(f.ip_allowlist.trim()).filter(|s| !s.is_empty());
    match st
        .services
        .set_ip_allowlist(&cx.admin, d.user.id, list)
        .await
    {
        Ok(u) => redirect_flash(
            &st,
            &access_href(d.user.id),
            "success",
            match u.ip_allowlist.as_deref() {
                Some("*") => format!("{} may sign in from any address.", u.display_name()),
                Some(l) => format!("{} may sign in only from {l}.", u.display_name()),
                None => "IP allowlist cleared.".to_string(),
            },
        ),
        Err(e) => {
            let values = Value::from_serialize(&f);
            let errors = FormErrors::from_service(&e, &[]);
            refused(&st, &cx, &d, h, "ip", values, errors).await
        }
    }
}
