//! What every console page shares: the signed-in context ([`Cx`]), rendering inside the
//! layout, one-shot flash messages, form errors, redirects and the view models of records.

use crate::AppState;
use crate::auth::{ConsoleAdmin, ConsoleReject};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::{Value, context};
use portico_domain::Timestamp;
use portico_domain::page::{Page, PageRequest};
use portico_services::records::{OrgRecord, UserRecord};
use portico_services::{BackOffice, ServiceError};
use serde::Serialize;
use std::collections::BTreeMap;

const FLASH_COOKIE: &str = "portico_flash";

/// Rows per page in console tables.
pub const PAGE_SIZE: u32 = 50;

/// A message for the next page, carried by a short-lived cookie across a redirect.
#[derive(Debug, Clone, Serialize)]
pub struct Flash {
    /// `success`, `error` or `info`.
    pub kind: String,
    pub message: String,
}

/// A signed-in person with back-office access, plus what the layout needs.
pub struct Cx {
    pub admin: BackOffice,
    flash: Option<Flash>,
    section: &'static str,
}

impl FromRequestParts<AppState> for Cx {
    type Rejection = ConsoleReject;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ConsoleAdmin(admin) = ConsoleAdmin::from_request_parts(parts, state).await?;
        let flash = read_flash(&parts.headers);
        let path = parts.uri.path();
        let section = if path.starts_with("/organizations") {
            "organizations"
        } else if path.starts_with("/users") {
            "users"
        } else if path.starts_with("/applications") {
            "applications"
        } else if path == "/audit" || path.starts_with("/audit/") {
            "audit"
        } else if path.starts_with("/settings") {
            "settings"
        } else if path == "/reports" || path.starts_with("/reports/") {
            "reports"
        } else if path.starts_with("/catalog") {
            "catalog"
        } else {
            "home"
        };
        Ok(Cx {
            admin,
            flash,
            section,
        })
    }
}

impl Cx {
    pub fn csrf(&self) -> &str {
        self.admin.principal().csrf_token().unwrap_or("")
    }

    /// Renders `tpl` inside the layout with status 200.
    pub fn render(&self, st: &AppState, tpl: &str, ctx: Value) -> Response {
        self.render_status(st, StatusCode::OK, tpl, ctx)
    }

    pub fn render_status(
        &self,
        st: &AppState,
        status: StatusCode,
        tpl: &str,
        ctx: Value,
    ) -> Response {
        let mut res = st.templates.render(status, tpl, self.page_context(ctx));
        self.flash_shown(st, &mut res);
        res
    }

    /// Renders `tpl` inside the layout as a string, for a page whose body is streamed; the
    /// caller passes the response to [`Cx::flash_shown`].
    pub fn render_html(
        &self,
        st: &AppState,
        tpl: &str,
        ctx: Value,
    ) -> Result<String, minijinja::Error> {
        st.templates
            .env
            .get_template(tpl)?
            .render(self.page_context(ctx))
    }

    /// Clears the flash cookie when this page showed the flash.
    pub fn flash_shown(&self, st: &AppState, res: &mut Response) {
        if self.flash.is_some() {
            append_cookie(res, clear_flash_cookie(st));
        }
    }

    /// `ctx` plus what the layout needs.
    fn page_context(&self, ctx: Value) -> Value {
        let me = UserView::from(self.admin.user());
        let base = context! {
            layout => "layout.html",
            me => me,
            nav => super::nav::Nav::of(&self.admin),
            impersonation => super::nav::banner(&self.admin),
            csrf => self.csrf(),
            flash => self.flash.clone(),
            section => self.section,
        };
        context! { ..ctx, ..base }
    }

    /// An error page inside the layout (the navigation stays usable).
    pub fn error(&self, st: &AppState, e: ServiceError) -> Response {
        let (status, title, message) = describe_error(&e);
        self.render_status(
            st,
            status,
            "error.html",
            context! { status => status.as_u16(), title => title, message => message,
            action => context! { href => "/", label => "Go to Home" } },
        )
    }

    pub fn not_found(&self, st: &AppState, what: &'static str) -> Response {
        self.error(st, ServiceError::NotFound(what))
    }
}

/// Status, title and a message fit to show for an error that is not about one form field.
pub fn describe_error(e: &ServiceError) -> (StatusCode, &'static str, String) {
    match e {
        ServiceError::NotFound(what) => (
            StatusCode::NOT_FOUND,
            "Not found",
            format!("This {what} does not exist, or it was deleted."),
        ),
        ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", super::capitalize(m)),
        ServiceError::AddressNotAllowed => (
            StatusCode::FORBIDDEN,
            "Not allowed from this address",
            "Your account's IP allowlist does not include the address you are connecting from.".into(),
        ),
        ServiceError::Invalid(v) => (StatusCode::UNPROCESSABLE_ENTITY, "Check the request", super::capitalize(&v.message)),
        ServiceError::Conflict { message, .. } => (StatusCode::CONFLICT, "Conflict", super::capitalize(message)),
        ServiceError::Limit { message, .. } => (StatusCode::CONFLICT, "Seat limit", super::capitalize(message)),
        ServiceError::ImportRows(rows) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Rows of the file are not valid",
            format!("{} rows have errors: nothing was imported.", rows.len()),
        ),
        ServiceError::PreconditionFailed => (
            StatusCode::PRECONDITION_FAILED,
            "Changed meanwhile",
            "Someone else changed this while you were editing. Reload the page to see their changes, then try again.".into(),
        ),
        ServiceError::MfaEnrollmentRequired => (
            StatusCode::FORBIDDEN,
            "Second factor required",
            "The security policy requires a second factor: set one up under Account security.".into(),
        ),
        ServiceError::Unauthenticated
        | ServiceError::BadCredentials
        | ServiceError::MfaRequired { .. } => (
            StatusCode::UNAUTHORIZED,
            "Signed out",
            "Your session has ended. Sign in again.".into(),
        ),
        ServiceError::Template(t) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Check the template",
            template_message(t),
        ),
        ServiceError::TooLarge { limit } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "File too large",
            format!("The file is larger than the limit of {limit} bytes."),
        ),
        ServiceError::Internal(m) => {
            tracing::error!(error = %m, "console request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The request could not be completed. Try again in a moment.".into(),
            )
        }
    }
}

/// "Line 3: unexpected end of input" (C2, C5: shown next to the template's field).
pub fn template_message(t: &portico_services::templates::TemplateError) -> String {
    match t.line {
        Some(l) => format!("Line {l}: {}", super::capitalize(&t.message)),
        None => super::capitalize(&t.message),
    }
}

/// A one-line message for a flash or an alert.
pub fn error_message(e: &ServiceError) -> String {
    describe_error(e).2
}

/// Errors shown on a form: next to a field when the error names one, otherwise on top.
#[derive(Debug, Default, Serialize)]
pub struct FormErrors {
    pub fields: BTreeMap<String, String>,
    pub alert: Option<String>,
}

impl FormErrors {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.fields.insert(field.to_string(), message.into());
        e
    }

    /// `aliases` maps a service field name to the form's input name (e.g. `id` → `parent`).
    pub fn from_service(e: &ServiceError, aliases: &[(&str, &str)]) -> Self {
        let alias = |f: &str| {
            aliases
                .iter()
                .find(|(from, _)| *from == f)
                .map(|(_, to)| to.to_string())
                .unwrap_or_else(|| f.to_string())
        };
        match e {
            ServiceError::Invalid(v) => Self::field(&alias(v.field), super::capitalize(&v.message)),
            ServiceError::Conflict { kind, message } => {
                let field = match *kind {
                    "slug-taken" => Some("slug"),
                    "email-taken" => Some("email"),
                    "username-taken" => Some("username"),
                    _ => None,
                };
                match field {
                    Some(f) => Self::field(&alias(f), super::capitalize(message)),
                    None => Self::alert(super::capitalize(message)),
                }
            }
            ServiceError::Template(t) => Self::field(&alias(t.part.field()), template_message(t)),
            other => Self::alert(error_message(other)),
        }
    }

    pub fn alert(message: impl Into<String>) -> Self {
        Self {
            fields: BTreeMap::new(),
            alert: Some(message.into()),
        }
    }
}

/// `303 See Other` to `to`, with a flash message for the page it lands on.
pub fn redirect_flash(st: &AppState, to: &str, kind: &str, message: impl Into<String>) -> Response {
    let mut res = see_other(to);
    append_cookie(&mut res, flash_cookie(st, kind, &message.into()));
    res
}

pub fn see_other(to: &str) -> Response {
    let loc = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, loc)]).into_response()
}

pub fn append_cookie(res: &mut Response, c: Cookie<'static>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn flash_cookie(st: &AppState, kind: &str, message: &str) -> Cookie<'static> {
    let value = crate::auth::urlencode(&format!("{kind}|{message}"));
    Cookie::build((FLASH_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(st.web.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(60))
        .build()
}

pub fn clear_flash_cookie(st: &AppState) -> Cookie<'static> {
    let mut c = flash_cookie(st, "", "");
    c.make_removal();
    c
}

/// The flash message a redirect left for this page, if any.
pub fn read_flash(headers: &axum::http::HeaderMap) -> Option<Flash> {
    CookieJar::from_headers(headers)
        .get(FLASH_COOKIE)
        .and_then(|c| decode_flash(c.value()))
}

fn decode_flash(raw: &str) -> Option<Flash> {
    let decoded: String = form_urlencoded::parse(format!("f={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let (kind, message) = decoded.split_once('|')?;
    let kind = match kind {
        "success" | "error" | "info" => kind,
        _ => return None,
    };
    let message: String = message.chars().take(500).collect();
    (!message.is_empty()).then(|| Flash {
        kind: kind.to_string(),
        message,
    })
}

/// A path on this site: starts with one `/` (not `//` nor `/\`, which browsers read as
/// another host), no control characters. Used for `next` after login and `back` fields.
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && !p.chars().any(|c| c.is_control() || c == '\\')
}

/// A page request from `?cursor=`; a malformed cursor starts over at the first page.
pub fn page_request(cursor: Option<&str>, limit: u32) -> PageRequest {
    PageRequest::parse(Some(limit), cursor).unwrap_or_else(|_| PageRequest::first(limit))
}

/// `?cursor=` of a console page that lists a page at a time.
#[derive(Debug, serde::Deserialize, Default)]
pub struct CursorQuery {
    pub cursor: Option<String>,
}

/// Links for keyset pagination: the next page, and back to the first one.
#[derive(Debug, Serialize)]
pub struct Pager {
    pub next: Option<String>,
    pub first: Option<String>,
}

impl Pager {
    /// `base` is the page's path; non-empty `params` (e.g. `q`) are kept in both links.
    pub fn new<T>(page: &Page<T>, base: &str, params: &[(&str, &str)], at_first: bool) -> Self {
        Self::with_next(page.next_cursor(), base, params, at_first)
    }

    /// The same, from the next page's opaque cursor.
    pub fn with_next(
        next_cursor: Option<String>,
        base: &str,
        params: &[(&str, &str)],
        at_first: bool,
    ) -> Self {
        let with = |cursor: Option<&str>| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in params {
                let v = v.trim();
                if !v.is_empty() {
                    s.append_pair(k, v);
                }
            }
            if let Some(c) = cursor {
                s.append_pair("cursor", c);
            }
            let qs = s.finish();
            if qs.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{qs}")
            }
        };
        Pager {
            next: next_cursor.map(|c| with(Some(&c))),
            first: (!at_first).then(|| with(None)),
        }
    }
}

/// A user as the console shows one.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: String,
    pub href: String,
    pub name: String,
    pub initials: String,
    pub username: String,
    pub email: String,
    pub description: String,
    pub status: &'static str,
    pub is_super_admin: bool,
    pub is_platform_admin: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    /// Their emails' language; `None` = the platform's default.
    pub language: Option<String>,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> Self {
        let name = u.display_name();
        let initials: String = name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect();
        UserView {
            id: u.id.to_string(),
            href: format!("/users/{}", u.id),
            initials,
            name,
            username: u.username.clone(),
            email: u.email.clone(),
            description: u.description.clone(),
            status: u.status.as_str(),
            is_super_admin: u.is_super_admin,
            is_platform_admin: u.is_platform_admin,
            created_at: u.created_at.millis(),
            last_login_at: u.last_login_at.map(Timestamp::millis),
            language: u.language.clone(),
        }
    }
}

/// An organization as the console shows one.
#[derive(Debug, Serialize)]
pub struct OrgView {
    pub id: String,
    pub href: String,
    pub name: String,
    pub slug: String,
    pub status: &'static str,
    pub parent_id: Option<String>,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl From<&OrgRecord> for OrgView {
    fn from(o: &OrgRecord) -> Self {
        OrgView {
            id: o.id.to_string(),
            href: org_href(&o.slug),
            name: o.name.clone(),
            slug: o.slug.clone(),
            status: o.status.as_str(),
            parent_id: o.parent_id.map(|p| p.to_string()),
            tags: o.tags.clone(),
            attributes: o.attributes.clone(),
            created_at: o.created_at.millis(),
            updated_at: o.updated_at.millis(),
            version: o.version,
        }
    }
}

pub fn org_href(slug: &str) -> String {
    format!("/organizations/{slug}")
}

/// Template filter: epoch milliseconds → `YYYY-MM-DD HH:MM` (UTC).
pub fn format_millis(v: Value) -> String {
    match i64::try_from(v) {
        Ok(ms) => Timestamp(ms).to_display(),
        Err(_) => "—".to_string(),
    }
}

/// Template filter: 1234567 → "1,234,567".
pub fn format_number(v: Value) -> String {
    let Ok(v) = i64::try_from(v) else {
        return "—".to_string();
    };
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}
