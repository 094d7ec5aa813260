//! The web console: server-rendered pages over the same services as the API.
//!
//! Every page is a plain HTML form or link (no JavaScript needed): state changes are POST
//! forms carrying the session's CSRF token, answered with a redirect and a one-shot flash
//! message. Templates (minijinja, auto-escaped) and the stylesheet are compiled into the
//! binary. The Content-Security-Policy forbids inline styles and scripts, so nothing here uses
//! them: charts are SVG whose sizes are attributes, never `style=""`.

mod account;
mod activity;
mod api_keys;
mod applications;
mod assets;
mod audit;
mod auth_pages;
mod catalog_courses;
mod catalog_pages;
mod catalog_product_form;
mod catalog_products;
mod charts;
mod confirm;
mod credential_pages;
mod form;
mod home;
mod impersonation;
mod import_progress;
mod member_import;
mod members;
mod nav;
mod org_apps;
mod org_catalog;
mod org_edit;
mod org_project;
mod org_project_edit;
mod org_projects;
mod org_relations;
mod orgs;
mod outbox;
mod reports;
mod role_form;
mod role_holders;
mod roles;
mod security;
mod settings;
mod template_pages;
mod user_access;
mod user_copy;
mod user_credentials;
mod user_explain;
mod user_grants;
mod user_unassign;
mod users;
mod view;

#[cfg(test)]
mod tests;

use crate::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::{Environment, Value, context};
use portico_services::ServiceError;
use std::sync::LazyLock;

pub use view::{Cx, is_local_path};

/// The console's templates (minijinja), compiled into the binary.
pub struct Templates {
    pub env: Environment<'static>,
}

macro_rules! templates {
    ($env:expr, $($name:literal),* $(,)?) => {
        $( $env
            .add_template($name, include_str!(concat!("../../templates/", $name)))
            .expect(concat!("template ", $name, " compiles")); )*
    };
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        // `.html` templates are auto-escaped (minijinja's default for that extension).
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_filter("urlencode", |s: String| crate::auth::urlencode(&s));
        env.add_filter("dt", view::format_millis);
        env.add_filter("number", view::format_number);
        env.add_filter("date", |v: Value| {
            view::format_millis(v).chars().take(10).collect::<String>()
        });
        env.add_global("asset_v", assets::version());
        templates!(
            env,
            "macros.html",
            "layout.html",
            "bare.html",
            "login.html",
            "login_totp.html",
            "password_form.html",
            "forgot_password.html",
            "account/security.html",
            "users/credentials.html",
            "error.html",
            "home.html",
            "orgs/_header.html",
            "orgs/list.html",
            "orgs/form.html",
            "orgs/overview.html",
            "orgs/members.html",
            "orgs/remove_member.html",
            "orgs/delete.html",
            "users/list.html",
            "users/detail.html",
            "users/delete.html",
            "users/_header.html",
            "users/access.html",
            "users/unassign.html",
            "users/copy.html",
            "users/impersonate.html",
            "impersonation.html",
            "settings/administrators.html",
            "settings/transfer.html",
            "settings/roles.html",
            "settings/role.html",
            "settings/role_form.html",
            "settings/role_delete.html",
            "settings/role_holders.html",
            "settings/emails.html",
            "settings/email.html",
            "orgs/relationships.html",
            "orgs/relationship_remove.html",
            "orgs/projects.html",
            "orgs/project_delete.html",
            "audit/list.html",
            "applications/list.html",
            "applications/form.html",
            "orgs/applications.html",
            "orgs/app_unassign.html",
            "orgs/member_apps.html",
            "orgs/licenses.html",
            "settings/security.html",
            "settings/security_reset.html",
            "orgs/settings.html",
            "settings/api_keys.html",
            "settings/api_key_form.html",
            "settings/api_key_created.html",
            "settings/api_key_revoke.html",
            "reports/index.html",
            "reports/logins.html",
            "reports/admins.html",
            "reports/activity.html",
            "orgs/project.html",
            "orgs/unenroll.html",
            "settings/templates.html",
            "settings/template_edit.html",
            "settings/template_reset.html",
            "settings/support_text.html",
            "catalog/emails.html",
            "catalog/email_form.html",
            "catalog/products.html",
            "catalog/product.html",
            "catalog/product_form.html",
            "catalog/delete.html",
            "catalog/courses.html",
            "catalog/course.html",
            "catalog/course_form.html",
            "orgs/project_edit.html",
            "orgs/_course_select.html",
            "orgs/_schedule_fields.html",
            "orgs/emails.html",
            "orgs/catalog.html",
            "orgs/catalog_deactivate.html",
            "orgs/import.html",
            "orgs/import_progress.html",
            "orgs/_import_result.html",
            "orgs/_import_row_errors.html",
        );
        Self { env }
    }

    /// Renders a template as an HTML response; a template bug becomes a logged 500, never a
    /// panic.
    pub fn render(&self, status: StatusCode, name: &str, ctx: Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(body) => (status, Html(body)).into_response(),
            Err(e) => {
                tracing::error!(template = name, error = %e, "console template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/portico.css", get(assets::css))
        .route("/assets/favicon.svg", get(assets::favicon))
        .route(
            "/login",
            get(auth_pages::login_page).post(auth_pages::login_submit),
        )
        .route(
            "/logout",
            post(auth_pages::logout).get(auth_pages::logout_get),
        )
        .route("/", get(home::home))
        .merge(credential_pages::routes())
        .merge(account::routes())
        .merge(orgs::routes())
        .merge(org_edit::routes())
        .merge(members::routes())
        .merge(member_import::routes())
        .merge(org_relations::routes())
        .merge(org_projects::routes())
        .merge(org_apps::routes())
        .merge(applications::routes())
        .merge(users::routes())
        .merge(user_access::routes())
        .merge(user_grants::routes())
        .merge(user_unassign::routes())
        .merge(user_copy::routes())
        .merge(user_credentials::routes())
        .merge(impersonation::routes())
        .merge(settings::routes())
        .merge(outbox::routes())
        .merge(role_holders::routes())
        .merge(roles::routes())
        .merge(role_form::routes())
        .merge(audit::routes())
        .merge(security::routes())
        .merge(api_keys::routes())
        .merge(reports::routes())
        .merge(org_project::routes())
        .merge(org_project_edit::routes())
        .merge(template_pages::routes())
        .merge(catalog_pages::routes())
        .merge(catalog_products::routes())
        .merge(catalog_courses::routes())
        .merge(org_catalog::routes())
        .layer(axum::middleware::from_fn(impersonation::escape))
}

/// A standalone page (no navigation) for visitors who are not inside the back office.
fn bare_page(
    templates: &Templates,
    status: StatusCode,
    title: &str,
    message: &str,
    action: Value,
) -> Response {
    let ctx = context! {
        layout => "bare.html",
        status => status.as_u16(),
        title => title,
        message => message,
        action => action,
    };
    templates.render(status, "error.html", ctx)
}

/// The page shown to a signed-in person without back-office access.
pub fn no_access(state: &AppState, e: &ServiceError) -> Response {
    let message = match e {
        ServiceError::Forbidden(m) => capitalize(m),
        _ => "Your account cannot use the back office.".to_string(),
    };
    let mut res = bare_page(
        &state.templates,
        StatusCode::FORBIDDEN,
        "No access",
        &format!(
            "{message} Ask a platform administrator for access, or sign in with another account."
        ),
        context! { href => "/login?switch=1", label => "Sign in with another account" },
    );
    res.extensions_mut().insert(impersonation::NoAccessPage);
    res
}

/// A redirect (for extractors that answer before a handler runs).
pub(crate) fn see_other_page(to: &str) -> Response {
    view::see_other(to)
}

/// The page shown when a form's CSRF token is missing or wrong.
pub fn csrf_failed(state: &AppState) -> Response {
    bare_page(
        &state.templates,
        StatusCode::FORBIDDEN,
        "This form has expired",
        "For your safety the form could not be sent. Go back, reload the page and try again.",
        context! { href => "/", label => "Go to Home" },
    )
}

static FALLBACK_TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::new);

/// The console's 404 page.
pub async fn not_found_page(_req: Request) -> Response {
    bare_page(
        &FALLBACK_TEMPLATES,
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing at this address. It may have been moved or deleted.",
        context! { href => "/", label => "Go to Home" },
    )
}

/// "only the super admin may…" → "Only the super admin may….".
pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}
