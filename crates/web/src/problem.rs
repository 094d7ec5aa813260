//! RFC 9457 problem details: the one mapping from service errors to HTTP. Internal detail is
//! logged here and never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_services::ServiceError;
use serde::Serialize;

pub const PROBLEM_BASE: &str = "urn:portico:problem:";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the problem kind, e.g. `urn:portico:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: the offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Members that belong to one problem type (e.g. `challenge` of `mfa-required`).
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
    /// L1–L3 (`seat-limit-reached`, `limit-below-usage`): the limit concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// L1–L3: the seats in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<i64>,
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: Option<String>,
    pub field: Option<String>,
    /// Boxed: most errors have none, and `Result<_, ApiError>` stays small.
    pub extensions: Option<Box<serde_json::Map<String, serde_json::Value>>>,
    /// Extension members `limit` and `used` (seat limits).
    pub limit_used: Option<(i64, i64)>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<Option<String>>,
    ) -> Self {
        Self {
            status,
            kind,
            title,
            detail: detail.into(),
            field: None,
            extensions: None,
            limit_used: None,
        }
    }
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extensions
            .get_or_insert_default()
            .insert(key.to_string(), value.into());
        self
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request is malformed",
            Some(detail.into()),
        )
    }
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Missing or wrong CSRF token",
            Some(
                "state-changing requests with a session cookie need the X-CSRF-Token header".into(),
            ),
        )
    }
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("{PROBLEM_BASE}{}", self.kind),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            field: self.field.clone(),
            extensions: self.extensions.as_deref().cloned().unwrap_or_default(),
            limit: self.limit_used.map(|(l, _)| l),
            used: self.limit_used.map(|(_, u)| u),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use ServiceError as E;
        match e {
            E::Invalid(v) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                kind: "validation",
                title: "A value is not valid",
                detail: Some(v.message),
                field: Some(v.field.to_string()),
                extensions: None,
                limit_used: None,
            },
            E::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!("{what} not found")),
            ),
            E::Conflict { kind, message } => {
                ApiError::new(StatusCode::CONFLICT, kind, "Conflict", Some(message))
            }
            E::Limit {
                kind,
                message,
                limit,
                used,
            } => ApiError {
                limit_used: Some((limit, used)),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    kind,
                    "A seat limit applies",
                    Some(message),
                )
            },
            E::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
                None,
            ),
            E::BadCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Invalid username or password",
                None,
            ),
            E::Forbidden(m) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", Some(m))
            }
            E::AddressNotAllowed => ApiError::new(
                StatusCode::FORBIDDEN,
                "address-not-allowed",
                "Not allowed from this address",
                Some("the account's IP allowlist does not include this address".into()),
            ),
            E::MfaRequired { challenge } => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "mfa-required",
                "A second-factor code is required",
                Some(
                    "send the code from your authenticator app to /api/v1/auth/login/totp with this challenge"
                        .into(),
                ),
            )
            .with("challenge", challenge),
            E::MfaEnrollmentRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                "mfa-enrollment-required",
                "Set up a second factor first",
                Some(
                    "the security policy requires a second factor for back-office users: set one up at /api/v1/auth/me/mfa"
                        .into(),
                ),
            ),
            E::PreconditionFailed => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "The resource was changed by someone else",
                Some("reload it and apply your change again (If-Match did not match)".into()),
            ),
            E::Template(t) => {
                let mut e = ApiError {
                    field: Some(t.part.field().to_string()),
                    ..ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        t.kind.problem_type(),
                        "The template is not valid",
                        Some(match t.line {
                            Some(l) => format!("line {l}: {}", t.message),
                            None => t.message.clone(),
                        }),
                    )
                }
                .with("message", t.message);
                if let Some(l) = t.line {
                    e = e.with("line", l);
                }
                e
            }
            E::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    None,
                )
            }
            E::TooLarge { limit } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "upload-too-large",
                "The file is too large",
                Some(format!("at most {limit} bytes")),
            ),
            E::ImportRows(rows) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import-rows",
                "Rows of the file are not valid",
                Some(format!(
                    "{} rows have errors: nothing was imported",
                    rows.len()
                )),
            )
            .with("rows", serde_json::to_value(rows).unwrap_or_default()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut res = (self.status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"portico\""),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
