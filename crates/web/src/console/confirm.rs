//! The second step of a deletion behind a confirmation page: the confirmation must be ticked,
//! then the service deletes; a conflict (the item is still in use) shows the page again with
//! the reason, success goes back to the list with a flash message.

use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use portico_services::ServiceError;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    pub confirm: String,
}

/// `render` draws the confirmation page with a status and errors; `delete` runs only once
/// the form is confirmed and answers the flash message.
pub(super) async fn confirmed_delete(
    st: &AppState,
    cx: &Cx,
    form: &ConfirmForm,
    list_href: &str,
    render: impl Fn(StatusCode, &FormErrors) -> Response,
    delete: impl AsyncFnOnce() -> Result<String, ServiceError>,
) -> Response {
    if form.confirm != "yes" {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormErrors::alert("Confirm the deletion with the button below."),
        );
    }
    match delete().await {
        Ok(message) => redirect_flash(st, list_href, "success", message),
        Err(e @ ServiceError::Conflict { .. }) => {
            render(StatusCode::CONFLICT, &FormErrors::from_service(&e, &[]))
        }
        Err(e) => cx.error(st, e),
    }
}
