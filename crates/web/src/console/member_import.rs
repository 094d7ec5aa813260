//! "Import users" on an organization's Users tab: upload a CSV (a plain multipart form, no
//! JavaScript), see the first rows and every bad row with its line, then "Commit import".
//!
//! The check is a dry run of the same service the CLI and the API use. The confirmed file
//! travels back in the commit form (a hidden field); the commit checks it again and writes it
//! in one transaction, answered with a streamed page that shows the progress
//! ([`super::import_progress`]). Needs `members.add` in the organization (another tenant's
//! organization is not found).

use super::orgs::{OrgHeader, load_org};
use super::view::Cx;
use crate::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_services::import::ImportReport;
use portico_services::import::csv_rows::RowError;
use portico_services::{OrgScope, ServiceError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations/{org}/users/import", get(page).post(check))
        .route(
            "/organizations/{org}/users/import/commit",
            post(super::import_progress::commit),
        )
        .layer(DefaultBodyLimit::max(crate::api::MAX_IMPORT_BYTES))
}

async fn page(State(st): State<AppState>, cx: Cx, Path(key): Path<String>) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = scope.require("members.add") {
        return cx.error(&st, e);
    }
    render(&st, &cx, &header, StatusCode::OK, None, None, &[], "")
}

/// The upload: a dry run, shown as a preview (or the rows to fix).
async fn check(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    mut form: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut file = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                match f.bytes().await {
                    Ok(b) if name == "_csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                    Ok(b) if name == "file" => file = b.to_vec(),
                    Ok(_) => {}
                    Err(e) => return bad_upload(&st, &cx, e.body_text()),
                }
            }
            Ok(None) => break,
            Err(e) => return bad_upload(&st, &cx, e.body_text()),
        }
    }
    if cx.csrf().is_empty()
        || !portico_services::auth::constant_time_eq(csrf.as_bytes(), cx.csrf().as_bytes())
    {
        return super::csrf_failed(&st);
    }
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let text = match String::from_utf8(file) {
        Ok(t) => t,
        Err(_) => {
            return render(
                &st,
                &cx,
                &header,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("The file is not UTF-8 text: save it as CSV UTF-8 and upload it again."),
                None,
                &[],
                "",
            );
        }
    };
    preview(&st, &cx, &scope, &header, &text).await
}

/// The dry run: a preview of the first rows, or every row to fix.
async fn preview(
    st: &AppState,
    cx: &Cx,
    scope: &OrgScope,
    header: &OrgHeader,
    text: &str,
) -> Response {
    match st
        .services
        .import_members(scope, text.as_bytes(), true, &|_, _| {})
        .await
    {
        Ok(r) => render(st, cx, header, StatusCode::OK, None, Some(&r), &[], text),
        Err(ServiceError::ImportRows(rows)) => render(
            st,
            cx,
            header,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&format!(
                "{} rows have errors: nothing was imported. Fix them and upload the file again.",
                rows.len()
            )),
            None,
            &rows,
            "",
        ),
        Err(
            e @ (ServiceError::Limit { .. }
            | ServiceError::Invalid(_)
            | ServiceError::Conflict { .. }),
        ) => render(
            st,
            cx,
            header,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&super::view::error_message(&e)),
            None,
            &[],
            "",
        ),
        Err(e) => cx.error(st, e),
    }
}

fn bad_upload(st: &AppState, cx: &Cx, why: String) -> Response {
    cx.error(
        st,
        ServiceError::Invalid(portico_domain::ValidationError::new("file", why)),
    )
}

#[allow(clippy::too_many_arguments)]
fn render(
    st: &AppState,
    cx: &Cx,
    header: &OrgHeader,
    status: StatusCode,
    error: Option<&str>,
    report: Option<&ImportReport>,
    rows: &[RowError],
    csv: &str,
) -> Response {
    cx.render_status(
        st,
        status,
        "orgs/import.html",
        context! {
            h => header,
            error => error,
            report => report,
            row_errors => rows,
            csv => csv,
            columns => portico_services::import::csv_rows::COLUMNS,
        },
    )
}
