//! A console form read as raw pairs, for forms with repeated fields (checkbox lists such as the
//! permission picker), which `serde_urlencoded` cannot read into a `Vec`. The `_csrf` field is
//! checked exactly as [`crate::auth::CsrfForm`] does.

use crate::AppState;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use portico_services::Principal;
use portico_services::auth::constant_time_eq;

pub struct Fields(Vec<(String, String)>);

impl FromRequest<AppState> for Fields {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<Principal>()
            .and_then(|p| p.csrf_token().map(str::to_string))
            .unwrap_or_default();
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(super::csrf_failed(state));
        }
        Ok(Fields(pairs))
    }
}

impl Fields {
    /// The first value of `key`, or "".
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every non-empty value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
}
