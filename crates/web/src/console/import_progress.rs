//! "Commit import": the confirmed file is checked again and written in one transaction, and
//! the answer is a streamed page: the layout and the organization's header at once, then one
//! progress element per step as rows are written, then the result (the counts and a link to
//! the Users tab) or the error (nothing imported).
//!
//! No job is kept anywhere but in this one response, so any `portico serve` process behind the
//! same database can answer any request; there is nothing to find, poll or clean up later.
//! The import runs in a spawned task that owns what it needs (services, the organization's
//! scope, the file): a visitor who closes the page does not stop it half-way — the
//! transaction commits or rolls back as a whole, and the outcome is logged. The task sends its
//! progress over a channel (throttled by [`Throttle`]) to the response body.
//!
//! Without JavaScript: every step is a `<p class="import-step">` in `#import-run`, and the
//! stylesheet shows only the last one, so the browser's incremental rendering makes one bar
//! move. (The Content-Security-Policy forbids inline scripts, and none is needed.)

use super::orgs::load_org;
use super::view::{Cx, describe_error, format_number};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use portico_services::import::ImportReport;
use portico_services::{OrgScope, ServiceError, Services};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A progress message at most when 1% more of the rows are written, or after this long.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CommitForm {
    csv: String,
}

/// What the import task tells the page.
enum Event {
    /// Rows written so far, of all.
    Progress(u64, u64),
    Done(Result<ImportReport, ServiceError>),
}

pub(super) async fn commit(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    CsrfForm(f): CsrfForm<CommitForm>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Checked here too (the service checks again) so a refusal is a plain 403 page.
    if let Err(e) = scope.require("members.add") {
        return cx.error(&st, e);
    }
    // The page is rendered once with a random marker where the streamed part goes (a marker
    // nobody can put in an organization's name).
    let slot = format!("import-slot-{:032x}", rand::random::<u128>());
    let html = match cx.render_html(
        &st,
        "orgs/import_progress.html",
        context! { h => &header, slot => &slot, title => "Import users" },
    ) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            return cx.error(&st, ServiceError::Internal(e.to_string()));
        }
    };
    let Some((head, tail)) = html.split_once(&slot) else {
        return cx.error(&st, ServiceError::Internal("no slot in the page".into()));
    };
    let page = Page {
        templates: st.templates.clone(),
        users_href: format!("{}/users", header.org.href),
        import_href: format!("{}/users/import", header.org.href),
        tail: tail.to_string(),
    };

    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(import_task(st.services.clone(), scope, f.csv, tx));

    let mut res = Body::from_stream(stream(head.to_string(), rx, page)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx and others would otherwise hold the progress back until the end.
    h.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    cx.flash_shown(&st, &mut res);
    res
}

/// Runs the import to its end whether or not anyone still reads the page.
async fn import_task(
    services: Services,
    scope: OrgScope,
    csv: String,
    tx: mpsc::UnboundedSender<Event>,
) {
    let throttle = Mutex::new(Throttle::default());
    let progress_tx = tx.clone();
    let progress = move |done: u64, total: u64| {
        let due = throttle
            .lock()
            .map(|mut t| t.due(done, total, Instant::now()))
            .unwrap_or(true);
        if due {
            // A closed page: nobody to tell, the import goes on.
            let _ = progress_tx.send(Event::Progress(done, total));
        }
    };
    let org = scope.org().slug.clone();
    let result = services
        .import_members(&scope, csv.as_bytes(), false, &progress)
        .await;
    if let Err(mpsc::error::SendError(Event::Done(result))) = tx.send(Event::Done(result)) {
        match result {
            Ok(r) => tracing::info!(
                organization = %org,
                rows = r.rows,
                "console import finished after its page was closed"
            ),
            Err(e) => tracing::warn!(
                organization = %org,
                error = %e,
                "console import failed after its page was closed: nothing imported"
            ),
        }
    }
}

/// Decides which progress reports become messages: the first, the last, and otherwise one
/// when at least 1% more of the rows are written or [`PROGRESS_EVERY`] has passed.
#[derive(Debug, Default)]
pub(super) struct Throttle {
    last: Option<(u64, Instant)>,
}

impl Throttle {
    pub(super) fn due(&mut self, done: u64, total: u64, now: Instant) -> bool {
        let due = match self.last {
            None => true,
            Some((last, _)) if done <= last => false,
            Some(_) if done >= total => true,
            Some((last, at)) => {
                (done - last).saturating_mul(100) >= total
                    || now.duration_since(at) >= PROGRESS_EVERY
            }
        };
        if due {
            self.last = Some((done, now));
        }
        due
    }
}

/// What the end of the page needs.
struct Page {
    templates: Arc<super::Templates>,
    users_href: String,
    import_href: String,
    /// The rest of the page after the streamed part.
    tail: String,
}

enum Next {
    Head(String),
    Events,
    End,
}

/// The page's head, each progress step, then the result and the page's end.
fn stream(
    head: String,
    rx: mpsc::UnboundedReceiver<Event>,
    page: Page,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    futures_util::stream::unfold(
        (Next::Head(head), rx, page),
        |(next, mut rx, page)| async move {
            match next {
                Next::Head(h) => Some((Ok(Bytes::from(h)), (Next::Events, rx, page))),
                Next::End => None,
                Next::Events => {
                    let chunk = match rx.recv().await {
                        Some(Event::Progress(done, total)) => {
                            return Some((
                                Ok(Bytes::from(step(done, total))),
                                (Next::Events, rx, page),
                            ));
                        }
                        Some(Event::Done(result)) => page.result(Some(result)),
                        // The task ended without an answer (it panicked): the transaction
                        // was dropped, so nothing was written.
                        None => page.result(None),
                    };
                    Some((Ok(Bytes::from(chunk)), (Next::End, rx, page)))
                }
            }
        },
    )
}

/// One progress element: `done` of `total` rows written.
fn step(done: u64, total: u64) -> String {
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    let (value, max) = if total == 0 { (1, 1) } else { (done, total) };
    format!(
        "<p class=\"import-step\" data-done=\"{done}\" data-total=\"{total}\"><progress value=\"{value}\" max=\"{max}\"></progress> <span>{} of {} rows written ({pct}%)</span></p>\n",
        format_number(done.into()),
        format_number(total.into()),
    )
}

impl Page {
    /// The result (or the error), then the rest of the page.
    fn result(&self, outcome: Option<Result<ImportReport, ServiceError>>) -> String {
        let ctx = match &outcome {
            Some(Ok(report)) => context! { report => report },
            Some(Err(ServiceError::ImportRows(rows))) => context! {
                kind => "import-rows",
                error => format!(
                    "{} rows have errors (the data changed since the preview): nothing was imported. Fix them and upload the file again.",
                    rows.len()
                ),
                row_errors => rows,
            },
            Some(Err(e @ ServiceError::Internal(_))) => {
                tracing::error!(error = %e, "console import failed");
                context! {
                    kind => "internal",
                    error => "The database could not write the import, so nothing was imported. Try again in a moment; if it fails again, ask the operator to look at the server's log.",
                }
            }
            Some(Err(e)) => context! {
                kind => error_kind(e),
                error => format!("{} Nothing was imported.", describe_error(e).2),
            },
            None => context! {
                kind => "internal",
                error => "The import stopped unexpectedly: nothing was imported. Try again in a moment.",
            },
        };
        let ctx =
            context! { users_href => &self.users_href, import_href => &self.import_href, ..ctx };
        let fragment = self
            .templates
            .env
            .get_template("orgs/_import_result.html")
            .and_then(|t| t.render(ctx))
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "console template failed");
                "<p id=\"import-result\" data-outcome=\"unknown\">The result could not be shown: look at the Users tab.</p>".into()
            });
        format!("{fragment}{}", self.tail)
    }
}

/// A short name for the error, for the page's `data-error`.
fn error_kind(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::Limit { kind, .. } | ServiceError::Conflict { kind, .. } => kind,
        ServiceError::ImportRows(_) => "import-rows",
        ServiceError::Invalid(_) => "invalid",
        ServiceError::Forbidden(_) => "forbidden",
        ServiceError::NotFound(_) => "not-found",
        ServiceError::Internal(_) => "internal",
        _ => "refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_sends_first_last_every_percent_or_after_a_while() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        assert!(t.due(0, 10_000, t0), "the first");
        assert!(!t.due(0, 10_000, t0), "no news");
        assert!(!t.due(99, 10_000, t0), "less than 1%");
        assert!(t.due(100, 10_000, t0), "1%");
        assert!(!t.due(150, 10_000, t0 + Duration::from_millis(100)));
        assert!(
            t.due(150, 10_000, t0 + PROGRESS_EVERY),
            "a quarter second later"
        );
        assert!(!t.due(151, 10_000, t0 + PROGRESS_EVERY));
        assert!(t.due(10_000, 10_000, t0 + PROGRESS_EVERY), "the last");
        assert!(!t.due(10_000, 10_000, t0 + PROGRESS_EVERY * 4), "once");
        // A thousand rows written one by one within a second: about 100 messages.
        let mut t = Throttle::default();
        let sent = (0..=1000u64)
            .filter(|d| t.due(*d, 1000, t0 + Duration::from_millis(*d)))
            .count();
        assert!((90..=102).contains(&sent), "{sent}");
    }

    #[test]
    fn a_step_carries_done_and_total() {
        let s = step(1500, 3000);
        assert!(s.contains("data-done=\"1500\" data-total=\"3000\""), "{s}");
        assert!(s.contains("1,500 of 3,000 rows written (50%)"), "{s}");
        assert!(step(0, 0).contains("(100%)"));
    }
}
