//! CSV downloads (R5, AU2), shared by the console and the API.
//!
//! Every cell a spreadsheet could run as a formula is neutralised with a leading `'` (OWASP
//! "CSV injection"): cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_services::records::AuditRow;

/// The most audit entries one export holds.
pub const MAX_EXPORT_ROWS: usize = 100_000;

pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The rule lives in the domain crate (the CLI's exports use it too).
pub use portico_domain::spreadsheet::neutralise;

/// Writes a header row and then `rows`, every cell neutralised.
pub fn write_csv<R, C>(header: &[&str], rows: impl IntoIterator<Item = R>) -> csv::Result<Vec<u8>>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|h| neutralise(h).into_owned()))?;
    let mut record = csv::StringRecord::new();
    for row in rows {
        record.clear();
        for cell in row {
            record.push_field(&neutralise(cell.as_ref()));
        }
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The columns of an audit export: the fields of `GET /api/v1/audit-events`, with `changes`
/// and `personal` as JSON text.
pub const AUDIT_COLUMNS: [&str; 14] = [
    "seq",
    "id",
    "at",
    "action",
    "actor_user_id",
    "impersonator_user_id",
    "ip",
    "user_agent",
    "target_kind",
    "target_id",
    "organization_id",
    "subject_user_id",
    "changes",
    "personal",
];

/// Audit entries as CSV, newest first as given. `personal` is empty when there is none, and
/// `erased` once the person was deleted (U5).
pub fn audit_csv(rows: Vec<AuditRow>) -> csv::Result<Vec<u8>> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    write_csv(
        &AUDIT_COLUMNS,
        rows.into_iter().map(|r| {
            let personal = match (&r.personal, r.personal_erased) {
                (Some(p), _) => p.to_string(),
                (None, true) => "erased".to_string(),
                (None, false) => String::new(),
            };
            [
                r.seq.to_string(),
                r.id,
                r.at.to_rfc3339(),
                r.action,
                opt(r.actor_user_id),
                opt(r.impersonator_user_id),
                opt(r.ip),
                opt(r.user_agent),
                opt(r.target_kind),
                opt(r.target_id),
                opt(r.org_id),
                opt(r.subject_user_id),
                r.changes.to_string(),
                personal,
            ]
        }),
    )
}

/// A CSV download named `filename`; a write failure becomes a logged 500.
pub fn csv_response(filename: &str, body: csv::Result<Vec<u8>>) -> Response {
    match body {
        Ok(bytes) => {
            let disposition =
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(CSV_CONTENT_TYPE),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "CSV export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Whether the request's `Accept` header asks for CSV.
pub fn wants_csv(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            range
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn formulas_are_neutralised_and_the_rest_is_untouched() {
        for bad in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in ["", "Acme", "1", "{\"name\":\"=x\"}", "a=b", " =x", "'=x"] {
            assert_eq!(neutralise(ok), ok, "{ok:?}");
        }
    }

    #[test]
    fn writes_a_header_and_quoted_rows() {
        let out = write_csv(
            &["name", "note"],
            [
                ["Acme, Inc.", "=cmd|' /C calc'!A0"],
                ["line\nbreak", "\"q\""],
            ],
        )
        .unwrap();
        let rows = parse(&out);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], ["name", "note"]);
        assert_eq!(rows[1], ["Acme, Inc.", "'=cmd|' /C calc'!A0"]);
        assert_eq!(rows[2], ["line\nbreak", "\"q\""]);
    }

    #[test]
    fn accept_header_negotiation() {
        let h = |v: &str| {
            let mut m = axum::http::HeaderMap::new();
            m.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(wants_csv(&h("text/csv")));
        assert!(wants_csv(&h(
            "application/json;q=0.5, Text/CSV; charset=utf-8"
        )));
        assert!(!wants_csv(&h("application/json")));
        assert!(!wants_csv(&h("*/*")));
        assert!(!wants_csv(&axum::http::HeaderMap::new()));
    }
}
