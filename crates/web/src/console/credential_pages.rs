//! U8 pages for people outside a session: the second step of a login, "forgot password",
//! and the set-password page behind welcome and reset links.

use super::auth_pages::{cross_site, safe_next};
use super::view::{FormErrors, redirect_flash, see_other};
use crate::AppState;
use crate::api::session::session_cookie;
use crate::auth::Meta;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use minijinja::context;
use portico_domain::credential::TokenPurpose;
use portico_services::ServiceError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/totp", axum::routing::post(totp_submit))
        .route("/forgot-password", get(forgot_page).post(forgot_submit))
        .route("/set-password/{token}", get(link_page).post(link_submit))
        .route("/reset-password/{token}", get(link_page).post(link_submit))
}

/// Pages holding a link's token or a login challenge are never cached or sent on as referrer.
fn private(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

pub(crate) fn render_totp_step(
    st: &AppState,
    status: StatusCode,
    challenge: &str,
    next: &str,
    error: Option<&str>,
) -> Response {
    let ctx = context! { layout => "bare.html", title => "Second factor", challenge => challenge, next => next, error => error };
    private(st.templates.render(status, "login_totp.html", ctx))
}

#[derive(Debug, Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

async fn totp_submit(
    State(st): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    jar: CookieJar,
    Form(f): Form<TotpForm>,
) -> Response {
    if cross_site(&headers) {
        return super::csrf_failed(&st);
    }
    let next = safe_next(Some(&f.next));
    match st
        .services
        .login_second_factor(&f.challenge, &f.code, meta)
        .await
    {
        Ok(s) => {
            let jar = jar
                .add(session_cookie(&st, s.token, s.max_age_secs))
                .add(crate::api::access::clear_impersonation_cookie(&st));
            (jar, see_other(&next)).into_response()
        }
        Err(ServiceError::Invalid(v)) => render_totp_step(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &f.challenge,
            &next,
            Some(&v.message),
        ),
        Err(ServiceError::Internal(m)) => {
            tracing::error!(error = %m, "console second factor failed");
            render_totp_step(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                &f.challenge,
                &next,
                Some("Signing in is not possible right now. Try again in a moment."),
            )
        }
        // An expired or used challenge: start again from the password.
        Err(_) => redirect_flash(
            &st,
            "/login",
            "info",
            "That sign-in took too long or was already used. Sign in again.",
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    login: String,
}

/// The first language of `Accept-Language`, primary subtag only (`de-CH;q=0.9` → `de`).
pub(super) fn language_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|l| {
            l.split(['-', ';'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
        })
        .filter(|l| !l.is_empty())
}

async fn forgot_page(State(st): State<AppState>) -> Response {
    let ctx =
        context! { layout => "bare.html", title => "Forgot password", login => "", sent => false };
    st.templates
        .render(StatusCode::OK, "forgot_password.html", ctx)
}

async fn forgot_submit(
    State(st): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Form(f): Form<ForgotForm>,
) -> Response {
    if cross_site(&headers) {
        return super::csrf_failed(&st);
    }
    if f.login.trim().is_empty() {
        let errors = FormErrors::field("login", "enter your username or email address");
        let ctx = context! { layout => "bare.html", title => "Forgot password", login => "", sent => false, errors => errors };
        return st.templates.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "forgot_password.html",
            ctx,
        );
    }
    let lang = language_of(&headers);
    if let Err(e) = st
        .services
        .request_password_reset(&f.login, lang.as_deref(), meta)
        .await
    {
        tracing::error!(error = %e, "password reset request failed");
    }
    // The same page whether or not the account exists.
    let ctx = context! { layout => "bare.html", title => "Check your email", login => f.login, sent => true };
    st.templates
        .render(StatusCode::OK, "forgot_password.html", ctx)
}

fn link_error_page(st: &AppState, e: &ServiceError) -> Response {
    let (status, message) = match e {
        ServiceError::Conflict { message, .. } => (StatusCode::GONE, super::capitalize(message)),
        ServiceError::Internal(m) => {
            tracing::error!(error = %m, "set-password link");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page is not available right now. Try again in a moment.".to_string(),
            )
        }
        _ => (StatusCode::GONE, "This link is not valid.".to_string()),
    };
    let ctx = context! {
        layout => "bare.html",
        status => status.as_u16(),
        title => "Link not usable",
        message => message,
        action => context! { href => "/forgot-password", label => "Ask for a new link" },
    };
    private(st.templates.render(status, "error.html", ctx))
}

fn render_password_form(
    st: &AppState,
    status: StatusCode,
    token: &str,
    view: &portico_services::credentials::LinkView,
    errors: Option<FormErrors>,
) -> Response {
    let welcome = view.purpose == TokenPurpose::Welcome;
    let ctx = context! {
        layout => "bare.html",
        title => if welcome { "Choose your password" } else { "Choose a new password" },
        welcome => welcome,
        token => token,
        name => view.display_name,
        username => view.username,
        min_length => view.min_length,
        errors => errors,
    };
    private(st.templates.render(status, "password_form.html", ctx))
}

async fn link_page(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    match st.services.link_view(&token).await {
        Ok(v) => render_password_form(&st, StatusCode::OK, &token, &v, None),
        Err(e) => link_error_page(&st, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn link_submit(
    State(st): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Response {
    if cross_site(&headers) {
        return super::csrf_failed(&st);
    }
    let view = match st.services.link_view(&token).await {
        Ok(v) => v,
        Err(e) => return link_error_page(&st, &e),
    };
    if f.password != f.confirm {
        let errors = FormErrors::field("confirm", "the two passwords are not the same");
        return render_password_form(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            &view,
            Some(errors),
        );
    }
    match st
        .services
        .set_password_with_link(&token, &f.password, meta)
        .await
    {
        Ok(_) => redirect_flash(
            &st,
            "/login",
            "success",
            "Your password is set. Sign in with it now.",
        ),
        Err(ServiceError::Invalid(v)) => {
            let errors = FormErrors::field(v.field, v.message);
            render_password_form(
                &st,
                StatusCode::UNPROCESSABLE_ENTITY,
                &token,
                &view,
                Some(errors),
            )
        }
        Err(e) => link_error_page(&st, &e),
    }
}
