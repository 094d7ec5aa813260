//! Portico's HTTP edge: the REST API under `/api/v1`, the server-rendered web console at `/`,
//! health probes, and the one mapping from service errors to problem+json.
//!
//! Architecture invariant: this is the only crate that knows HTTP. Handlers parse requests,
//! obtain a capability through an extractor ([`auth`]), call one service function, and render.

pub mod api;
pub mod auth;
pub mod client_ip;
pub mod console;
pub mod csv_export;
pub mod problem;
pub mod report_export;

use axum::Router;
use ipnet::IpNet;
use portico_services::Services;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// HTTP-level settings.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Peers whose `X-Forwarded-For` is believed (U9).
    pub trusted_proxies: Vec<IpNet>,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub web: Arc<WebConfig>,
    pub templates: Arc<console::Templates>,
}

pub const SESSION_COOKIE: &str = "portico_session";
/// P9: an impersonation session, next to (never instead of) the administrator's own.
pub const IMPERSONATION_COOKIE: &str = "portico_impersonation";

pub fn router(services: Services, web: WebConfig) -> Router {
    let state = AppState {
        services,
        web: Arc::new(web),
        templates: Arc::new(console::Templates::new()),
    };
    Router::new()
        .merge(api::router())
        .merge(console::router())
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::{self, HeaderValue};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    res
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    services: Services,
    web: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(services, web);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
