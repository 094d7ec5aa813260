//! Static assets compiled into the binary. Pages link them with `?v=<hash of the content>`,
//! so they can be cached for a year and still change with each release.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../assets/portico.css");
const FAVICON: &str = include_str!("../../assets/favicon.svg");

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    h.update(CSS.as_bytes());
    h.update(FAVICON.as_bytes());
    hex::encode(&h.finalize()[..6])
});

pub fn version() -> String {
    VERSION.clone()
}

fn cached(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    cached("text/css; charset=utf-8", CSS)
}

pub async fn favicon() -> Response {
    cached("image/svg+xml", FAVICON)
}
