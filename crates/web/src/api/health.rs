use crate::AppState;
use crate::problem::ApiError;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready"), (status = 503, description = "database unreachable", body = crate::problem::Problem)))]
pub async fn readyz(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    st.services.ready().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "The database is not reachable",
            None,
        )
    })?;
    Ok(Json(
        json!({ "status": "ready", "database": st.services.store().backend() }),
    ))
}
