//! The web console: server-rendered pages over the same services as the API.

use crate::AppState;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use portico_services::ServiceError;

/// The console's templates (minijinja), compiled into the binary.
pub struct Templates {
    pub env: minijinja::Environment<'static>,
}

impl Templates {
    pub fn new() -> Self {
        Self {
            env: minijinja::Environment::new(),
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
}

/// The page shown to a signed-in person without back-office access.
pub fn no_access(_state: &AppState, e: &ServiceError) -> Response {
    (axum::http::StatusCode::FORBIDDEN, Html(format!("<h1>No access</h1><p>{e}</p>"))).into_response()
}

/// The page shown when a form's CSRF token is missing or wrong.
pub fn csrf_failed(_state: &AppState) -> Response {
    (
        axum::http::StatusCode::FORBIDDEN,
        Html("<h1>This form has expired</h1><p>Go back, reload the page and try again.</p>"),
    )
        .into_response()
}

/// The console's 404 page.
pub async fn not_found_page(_req: axum::extract::Request) -> Response {
    (axum::http::StatusCode::NOT_FOUND, Html("<h1>Page not found</h1>")).into_response()
}
