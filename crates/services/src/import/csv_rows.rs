//! The members CSV: its columns, and parsing each record into domain values (parse, don't
//! validate). Every bad cell is reported with its file line (the header is line 1) and field.

use portico_domain::template::Language;
use portico_domain::{Email, IpAllowlist, PersonName, Username};
use serde::Serialize;

/// The columns, in the order `portico export users` writes them. Only `email` is required;
/// the others may be missing or empty (names may be empty, as in a single add).
pub const COLUMNS: [&str; 8] = [
    "email",
    "username",
    "first_name",
    "last_name",
    "language",
    "role",
    "applications",
    "ip_allowlist",
];

/// One problem in the file: its line (header = 1), the column, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, field: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// A parsed row: typed values, not strings.
#[derive(Debug, Clone)]
pub struct CsvMember {
    pub line: u64,
    pub email: Email,
    /// Suggested from the email when absent (and suffixed when taken, as a single add does).
    pub username: Option<Username>,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub language: Option<String>,
    /// A role key or name, resolved against the catalogue later.
    pub role: Option<String>,
    /// Application slugs; `None` (empty cell) = the organization's auto-assigned ones.
    pub applications: Option<Vec<String>>,
    /// U9: a new back-office user's allowlist (addresses or ranges separated by `;`, or `*`).
    pub ip_allowlist: Option<IpAllowlist>,
}

/// Parses the whole file. Returns the rows that parsed and the errors of those that did not.
pub fn parse(bytes: &[u8]) -> (Vec<CsvMember>, Vec<RowError>) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut errors = Vec::new();
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return (vec![], vec![RowError::new(1, "header", e.to_string())]),
    };
    let mut pos = [None; COLUMNS.len()];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        match COLUMNS.iter().position(|c| *c == h) {
            Some(k) if pos[k].is_none() => pos[k] = Some(i),
            Some(_) => errors.push(RowError::new(1, &h, "this column appears twice")),
            None => errors.push(RowError::new(
                1,
                &h,
                format!("unknown column (known: {})", COLUMNS.join(", ")),
            )),
        }
    }
    if pos[0].is_none() {
        errors.push(RowError::new(1, "email", "required column missing"));
    }
    if !errors.is_empty() {
        return (vec![], errors);
    }
    // Records are split here, on one thread; their cells become domain values on every core.
    let mut records = Vec::new();
    loop {
        let line_hint = rdr.position().line();
        let mut record = csv::StringRecord::new();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line_hint, |p| p.line());
                if record.iter().all(str::is_empty) {
                    continue;
                }
                records.push((line, record));
            }
            Err(e) => {
                let line = e.position().map_or(line_hint, |p| p.line());
                errors.push(RowError::new(line, "row", e.to_string()));
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    let mut rows = Vec::with_capacity(records.len());
    let parsed = super::parallel::map_in_order(records, |(line, r)| member(&r, &pos, line));
    for m in parsed {
        match m {
            Ok(m) => rows.push(m),
            Err(mut e) => errors.append(&mut e),
        }
    }
    (rows, errors)
}

fn member(
    r: &csv::StringRecord,
    pos: &[Option<usize>; COLUMNS.len()],
    line: u64,
) -> Result<CsvMember, Vec<RowError>> {
    // Cells neutralised by an export (`'=…`) come back as they were.
    let cell = |k: usize| {
        portico_domain::spreadsheet::unneutralise(pos[k].and_then(|i| r.get(i)).unwrap_or(""))
    };
    let opt = |k: usize| Some(cell(k).to_string()).filter(|s| !s.is_empty());
    let mut errs = Vec::new();
    let email = ok(&mut errs, line, Email::parse(cell(0)));
    let username = opt(1).and_then(|u| ok(&mut errs, line, Username::parse(&u)));
    let first = ok(&mut errs, line, PersonName::parse("first_name", cell(2)));
    let last = ok(&mut errs, line, PersonName::parse("last_name", cell(3)));
    let language = ok(&mut errs, line, Language::optional(opt(4).as_deref()))
        .flatten()
        .map(|l| l.as_str().to_string());
    let ip_allowlist =
        opt(7).and_then(|a| ok(&mut errs, line, IpAllowlist::parse(&a.replace(';', ","))));
    let applications = opt(6).map(|s| {
        s.split([';', ','])
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
    });
    match (email, first, last) {
        (Some(email), Some(first_name), Some(last_name)) if errs.is_empty() => Ok(CsvMember {
            line,
            email,
            username,
            first_name,
            last_name,
            language,
            role: opt(5),
            applications,
            ip_allowlist,
        }),
        _ => Err(errs),
    }
}

/// The value, or `None` with the error recorded for `line`.
fn ok<T>(
    errs: &mut Vec<RowError>,
    line: u64,
    r: Result<T, portico_domain::ValidationError>,
) -> Option<T> {
    r.map_err(|e| errs.push(RowError::new(line, e.field, e.message)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_each_bad_row_with_its_line_and_field() {
        let csv = "email,username,first_name,last_name\n\
                   a@example.com,,Ann,Lee\n\
                   not-an-email,bob,Bob,Ray\n\
                   c@example.com,c d,Cy,Ng\n";
        let (rows, errors) = parse(csv.as_bytes());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "email"));
        assert_eq!((errors[1].line, errors[1].field.as_str()), (4, "username"));
    }

    #[test]
    fn unknown_and_missing_columns_are_header_errors() {
        let (_, errors) = parse(b"mail,first_name\nx,y\n");
        assert!(errors.iter().all(|e| e.line == 1));
        assert!(errors.iter().any(|e| e.field == "mail"));
        assert!(errors.iter().any(|e| e.field == "email"));
    }
}
