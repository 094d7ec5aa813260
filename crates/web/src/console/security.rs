//! Settings → Security (S6): the platform's policy, and an organization's Settings tab with
//! its override. Durations are entered in minutes (what people think in) and stored in
//! seconds.

use super::orgs::load_org;
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_domain::ValidationError;
use portico_domain::security::{PolicyOverride, SecurityPolicy};
use portico_services::ServiceError;
use portico_services::security::parse_optional;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/security", get(platform_page).post(platform_save))
        .route(
            "/settings/security/reset",
            get(reset_page).post(reset_platform),
        )
        .route(
            "/organizations/{org}/settings",
            get(org_page).post(org_save),
        )
}

/// The form's values as typed: every rule as text, durations in minutes.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    pub password_min_length: String,
    #[serde(default)]
    pub password_min_length_with_mfa: String,
    #[serde(default)]
    pub session_lifetime_minutes: String,
    #[serde(default)]
    pub session_idle_minutes: String,
    /// Platform form: a checkbox ("on" or absent). Organization form: "", "on" or "off".
    #[serde(default)]
    pub mfa_required: String,
    #[serde(default)]
    pub lockout_max_failures: String,
    #[serde(default)]
    pub lockout_window_minutes: String,
    #[serde(default)]
    pub version: String,
}

fn minutes(secs: i64) -> String {
    if secs % 60 == 0 {
        (secs / 60).to_string()
    } else {
        format!("{:.2}", secs as f64 / 60.0)
    }
}

impl PolicyForm {
    fn of_policy(p: &SecurityPolicy, version: i64) -> Self {
        Self {
            password_min_length: p.password_min_length.to_string(),
            password_min_length_with_mfa: p.password_min_length_with_mfa.to_string(),
            session_lifetime_minutes: minutes(p.session_lifetime_secs),
            session_idle_minutes: minutes(p.session_idle_secs),
            mfa_required: if p.mfa_required { "on" } else { "" }.into(),
            lockout_max_failures: p.lockout_max_failures.to_string(),
            lockout_window_minutes: minutes(p.lockout_window_secs),
            version: version.to_string(),
        }
    }

    fn of_override(o: &PolicyOverride, version: i64) -> Self {
        let s = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_default();
        let m = |v: Option<i64>| v.map(minutes).unwrap_or_default();
        Self {
            password_min_length: s(o.password_min_length),
            password_min_length_with_mfa: s(o.password_min_length_with_mfa),
            session_lifetime_minutes: m(o.session_lifetime_secs),
            session_idle_minutes: m(o.session_idle_secs),
            mfa_required: match o.mfa_required {
                Some(true) => "on",
                Some(false) => "off",
                None => "",
            }
            .into(),
            lockout_max_failures: o
                .lockout_max_failures
                .map(|v| v.to_string())
                .unwrap_or_default(),
            lockout_window_minutes: m(o.lockout_window_secs),
            version: version.to_string(),
        }
    }

    /// The rules typed in; empty ones are `None` (inherit).
    fn parse(&self) -> Result<PolicyOverride, ValidationError> {
        let mins = |field: &'static str, raw: &str| -> Result<Option<i64>, ValidationError> {
            Ok(parse_optional::<i64>(field, raw)?.map(|m| m.saturating_mul(60)))
        };
        Ok(PolicyOverride {
            password_min_length: parse_optional("password_min_length", &self.password_min_length)?,
            password_min_length_with_mfa: parse_optional(
                "password_min_length_with_mfa",
                &self.password_min_length_with_mfa,
            )?,
            session_lifetime_secs: mins(
                "session_lifetime_minutes",
                &self.session_lifetime_minutes,
            )?,
            session_idle_secs: mins("session_idle_minutes", &self.session_idle_minutes)?,
            mfa_required: match self.mfa_required.trim() {
                "on" | "true" => Some(true),
                "off" | "false" => Some(false),
                _ => None,
            },
            lockout_max_failures: parse_optional(
                "lockout_max_failures",
                &self.lockout_max_failures,
            )?,
            lockout_window_secs: mins("lockout_window_minutes", &self.lockout_window_minutes)?,
        })
    }

    fn version(&self) -> Option<i64> {
        self.version.trim().parse().ok()
    }
}

/// The service's field names → the form's.
const ALIASES: &[(&str, &str)] = &[
    ("session_lifetime_secs", "session_lifetime_minutes"),
    ("session_idle_secs", "session_idle_minutes"),
    ("lockout_window_secs", "lockout_window_minutes"),
];

fn form_errors(e: &ServiceError) -> FormErrors {
    let mut errors = FormErrors::from_service(e, ALIASES);
    // The rules' bounds are in seconds; the form is in minutes.
    for m in errors.fields.values_mut() {
        *m = m.replace("(seconds)", "(in seconds; the form takes minutes)");
    }
    if matches!(e, ServiceError::PreconditionFailed) {
        errors.alert = Some(
            "Someone changed the policy while you were editing. The form now shows the saved \
             policy: make your change again."
                .into(),
        );
    }
    errors
}

#[derive(Debug, Serialize)]
struct Rule {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    /// How the inherited value reads (organization form).
    inherited: String,
}

fn rules(inherited: Option<&SecurityPolicy>) -> Vec<Rule> {
    let i = |f: &dyn Fn(&SecurityPolicy) -> String| inherited.map(f).unwrap_or_default();
    vec![
        Rule {
            name: "password_min_length",
            label: "Minimum password length",
            hint: "Characters, for people without a second factor (at least 8; SPEC U8 suggests 15).",
            inherited: i(&|p| p.password_min_length.to_string()),
        },
        Rule {
            name: "password_min_length_with_mfa",
            label: "Minimum length with a second factor",
            hint: "Characters, for people with a second factor (at least 8).",
            inherited: i(&|p| p.password_min_length_with_mfa.to_string()),
        },
        Rule {
            name: "session_lifetime_minutes",
            label: "Session lifetime",
            hint: "Minutes after signing in when a session ends, used or not (5 to 43,200).",
            inherited: i(&|p| minutes(p.session_lifetime_secs)),
        },
        Rule {
            name: "session_idle_minutes",
            label: "Idle timeout",
            hint: "Minutes without activity after which a session ends (at most the lifetime).",
            inherited: i(&|p| minutes(p.session_idle_secs)),
        },
        Rule {
            name: "lockout_max_failures",
            label: "Failed sign-ins before lockout",
            hint: "Wrong passwords or codes for one account within the window (1 to 1,000).",
            inherited: i(&|p| p.lockout_max_failures.to_string()),
        },
        Rule {
            name: "lockout_window_minutes",
            label: "Lockout window",
            hint: "Minutes over which failures count; the account is locked for the rest of it (1 to 1,440).",
            inherited: i(&|p| minutes(p.lockout_window_secs)),
        },
    ]
}

// --- the platform's policy ------------------------------------------------------------------

fn render_platform(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    values: &PolicyForm,
    saved: bool,
    errors: &FormErrors,
) -> Response {
    let may_edit = cx.admin.can(
        "settings.manage",
        portico_services::records::ScopeRef::Platform,
    );
    cx.render_status(
        st,
        status,
        "settings/security.html",
        context! {
            title => "Security policy",
            subsection => "security",
            values => values,
            rules => rules(None),
            saved => saved,
            may_edit => may_edit,
            errors => errors,
        },
    )
}

async fn platform_page(State(st): State<AppState>, cx: Cx) -> Response {
    match st.services.platform_policy(&cx.admin).await {
        Ok(v) => render_platform(
            &st,
            &cx,
            StatusCode::OK,
            &PolicyForm::of_policy(&v.policy, v.version),
            v.saved,
            &FormErrors::default(),
        ),
        Err(e) => cx.error(&st, e),
    }
}

/// Every rule of the platform's form must be filled in.
fn complete(o: PolicyOverride) -> Result<SecurityPolicy, ServiceError> {
    let missing =
        |field: &'static str| ServiceError::Invalid(ValidationError::new(field, "enter a value"));
    Ok(SecurityPolicy {
        password_min_length: o
            .password_min_length
            .ok_or_else(|| missing("password_min_length"))?,
        password_min_length_with_mfa: o
            .password_min_length_with_mfa
            .ok_or_else(|| missing("password_min_length_with_mfa"))?,
        session_lifetime_secs: o
            .session_lifetime_secs
            .ok_or_else(|| missing("session_lifetime_secs"))?,
        session_idle_secs: o
            .session_idle_secs
            .ok_or_else(|| missing("session_idle_secs"))?,
        // A checkbox: absent means off.
        mfa_required: o.mfa_required.unwrap_or(false),
        lockout_max_failures: o
            .lockout_max_failures
            .ok_or_else(|| missing("lockout_max_failures"))?,
        lockout_window_secs: o
            .lockout_window_secs
            .ok_or_else(|| missing("lockout_window_secs"))?,
    })
}

async fn platform_save(
    State(st): State<AppState>,
    cx: Cx,
    CsrfForm(f): CsrfForm<PolicyForm>,
) -> Response {
    let current = match st.services.platform_policy(&cx.admin).await {
        Ok(v) => v,
        Err(e) => return cx.error(&st, e),
    };
    let result = match f.parse().map_err(ServiceError::from) {
        Ok(o) => match complete(o) {
            Ok(p) => {
                st.services
                    .set_platform_policy(&cx.admin, p, f.version())
                    .await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => redirect_flash(
            &st,
            "/settings/security",
            "success",
            "Security policy saved. New sign-ins follow it; sessions already open keep the lifetime they started with.",
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let stale = matches!(e, ServiceError::PreconditionFailed);
            let values = if stale {
                PolicyForm::of_policy(&current.policy, current.version)
            } else {
                f.clone()
            };
            render_platform(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &values,
                current.saved,
                &form_errors(&e),
            )
        }
    }
}

async fn reset_page(State(st): State<AppState>, cx: Cx) -> Response {
    let v = match st.services.platform_policy(&cx.admin).await {
        Ok(v) => v,
        Err(e) => return cx.error(&st, e),
    };
    let configured = st.services.configured_policy();
    cx.render(
        &st,
        "settings/security_reset.html",
        context! {
            title => "Reset the security policy",
            subsection => "security",
            version => v.version,
            current => PolicyForm::of_policy(&v.policy, v.version),
            configured => PolicyForm::of_policy(&configured, 0),
            rules => rules(None),
        },
    )
}

async fn reset_platform(
    State(st): State<AppState>,
    cx: Cx,
    CsrfForm(f): CsrfForm<PolicyForm>,
) -> Response {
    match st
        .services
        .reset_platform_policy(&cx.admin, f.version())
        .await
    {
        Ok(_) => redirect_flash(
            &st,
            "/settings/security",
            "success",
            "The security policy is back to the configured defaults.",
        ),
        Err(ServiceError::PreconditionFailed) => redirect_flash(
            &st,
            "/settings/security",
            "error",
            "Someone changed the policy meanwhile; check it and reset again if you still want to.",
        ),
        Err(e) => cx.error(&st, e),
    }
}

// --- an organization's override ------------------------------------------------------------

async fn org_page(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match st.services.org_policy(&scope).await {
        Ok(v) => render_org(
            &st,
            &cx,
            StatusCode::OK,
            &header,
            &v,
            &PolicyForm::of_override(&v.overrides, v.version),
            &FormErrors::default(),
            scope.can("settings.manage"),
        ),
        Err(e) => cx.error(&st, e),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_org(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    header: &super::orgs::OrgHeader,
    v: &portico_services::security::OrgPolicyView,
    values: &PolicyForm,
    errors: &FormErrors,
    may_edit: bool,
) -> Response {
    cx.render_status(
        st,
        status,
        "orgs/settings.html",
        context! {
            title => format!("{} · Settings", header.org.name),
            tab => "settings",
            h => header,
            values => values,
            rules => rules(Some(&v.inherited)),
            inherited_mfa => v.inherited.mfa_required,
            effective => PolicyForm::of_policy(&v.effective, 0),
            has_override => !v.overrides.is_empty(),
            may_loosen => v.may_loosen,
            may_edit => may_edit,
            errors => errors,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct OrgPolicyForm {
    #[serde(flatten)]
    form: PolicyForm,
    /// "clear": remove the override.
    #[serde(default)]
    action: String,
}

async fn org_save(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(f): CsrfForm<OrgPolicyForm>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let clear = f.action == "clear";
    let parsed = if clear {
        Ok(PolicyOverride::default())
    } else {
        f.form.parse().map_err(ServiceError::from)
    };
    let result = match parsed {
        Ok(o) => {
            st.services
                .set_org_policy(&scope, o, f.form.version())
                .await
        }
        Err(e) => Err(e),
    };
    let href = format!("{}/settings", header.org.href);
    match result {
        Ok(_) => redirect_flash(
            &st,
            &href,
            "success",
            if clear {
                "The organization now follows the inherited policy."
            } else {
                "Security policy saved for this organization. New sign-ins of its people follow it."
            },
        ),
        Err(e @ ServiceError::NotFound(_)) => cx.error(&st, e),
        Err(e) => {
            let v = match st.services.org_policy(&scope).await {
                Ok(v) => v,
                Err(e) => return cx.error(&st, e),
            };
            let values = if matches!(e, ServiceError::PreconditionFailed) {
                PolicyForm::of_override(&v.overrides, v.version)
            } else {
                f.form.clone()
            };
            let mut errors = form_errors(&e);
            if let ServiceError::Forbidden(m) = &e {
                errors.alert = Some(super::capitalize(m));
            }
            render_org(
                &st,
                &cx,
                if matches!(e, ServiceError::Forbidden(_)) {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                &header,
                &v,
                &values,
                &errors,
                scope.can("settings.manage"),
            )
        }
    }
}
