//! Multi-row INSERTs (the bulk import's, and the audit chain's). A column that has the same value on every row of a
//! statement (the organization, the time, a status, the actor…) is a constant in the SQL
//! instead of a parameter bound on every row: more than half of an imported person's values
//! are such, and each bound value is copied twice on its way to SQLite and freed twice after
//! (sqlx's `Any` driver, then SQLite's own binding). A 100,000-row import's write went from
//! 2.4–2.9 s to 2.0–2.3 s. Only values that cannot
//! need quoting are written as constants (numbers, NULL, short strings of letters, digits and
//! `_-.:@/`); everything else, and everything a person typed, stays a bound parameter.

use sea_query::{Expr, InsertStatement, IntoIden, Query, Value};

/// Rows per multi-row INSERT (the widest table has 19 columns: under SQLite's 32766
/// parameters and PostgreSQL's 65535).
pub(crate) const CHUNK: usize = 1000;

/// `INSERT INTO table (columns) VALUES rows…`, with the rows' common safe values as constants.
pub(crate) fn multi_insert<C: IntoIden>(
    table: impl IntoIden,
    columns: impl IntoIterator<Item = C>,
    mut rows: Vec<Vec<Expr>>,
) -> InsertStatement {
    inline_common_values(&mut rows);
    let mut q = Query::insert();
    q.into_table(table).columns(columns);
    for row in rows {
        q.values_panic(row);
    }
    q
}

/// Turns each column whose bound value is equal on every row into a constant, when that value
/// is safe to write into SQL as it is. A single row keeps all its values bound (the statement
/// would otherwise be new SQL on every call).
fn inline_common_values(rows: &mut [Vec<Expr>]) {
    let Some((first, rest)) = rows.split_first() else {
        return;
    };
    if rest.is_empty() {
        return;
    }
    let common: Vec<usize> = (0..first.len())
        .filter(|&c| match &first[c] {
            Expr::Value(v) => inline_safe(v) && rest.iter().all(|r| r.get(c) == Some(&first[c])),
            _ => false,
        })
        .collect();
    for row in rows.iter_mut() {
        for &c in &common {
            if let Expr::Value(v) = &row[c] {
                row[c] = Expr::Constant(v.clone());
            }
        }
    }
}

/// Numbers, booleans and NULL; strings of at most 64 characters from `[A-Za-z0-9_.:@/ -]`,
/// which no SQL dialect quotes or escapes differently.
fn inline_safe(v: &Value) -> bool {
    match v {
        Value::String(None) | Value::Bool(_) | Value::Int(_) | Value::BigInt(_) => true,
        Value::String(Some(s)) => {
            s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.:@/ -".contains(&b))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use sea_query::Alias;

    fn row(id: &str, org: &str, note: &str, n: i64) -> Vec<Expr> {
        vec![
            id.into(),
            org.into(),
            note.into(),
            n.into(),
            None::<String>.into(),
        ]
    }

    fn build(rows: Vec<Vec<Expr>>, backend: Backend) -> (String, usize) {
        let q = multi_insert(
            Alias::new("t"),
            ["id", "org", "note", "n", "x"].map(Alias::new),
            rows,
        );
        let (sql, values) = backend.build(&q);
        (sql, values.0.0.len())
    }

    #[test]
    fn common_safe_values_become_constants() {
        let rows = vec![
            row("usr_1", "org_a", "it's", 7),
            row("usr_2", "org_a", "it's", 7),
        ];
        let (sql, bound) = build(rows, Backend::Sqlite);
        // id differs: bound; org, n and NULL are common and safe: constants; the note has a
        // quote: bound although common.
        assert_eq!(bound, 4, "{sql}");
        assert!(sql.contains("'org_a', ?, 7, NULL"), "{sql}");
        let (sql, bound) = build(
            vec![row("usr_1", "org_a", "x", 7), row("usr_2", "org_a", "x", 7)],
            Backend::Postgres,
        );
        assert_eq!(bound, 2, "{sql}");
        assert!(
            sql.contains("($1, 'org_a', 'x', 7, NULL), ($2, 'org_a', 'x', 7, NULL)"),
            "{sql}"
        );
    }

    #[test]
    fn a_single_row_and_differing_values_stay_bound() {
        let (_, bound) = build(vec![row("usr_1", "org_a", "x", 7)], Backend::Sqlite);
        assert_eq!(bound, 5);
        let (_, bound) = build(
            vec![row("usr_1", "org_a", "x", 7), row("usr_2", "org_b", "y", 8)],
            Backend::Sqlite,
        );
        assert_eq!(bound, 8, "only the NULL column is common");
    }

    #[test]
    fn only_plain_strings_are_written_into_sql() {
        for s in [
            "a'b",
            "a\\b",
            "Mozilla/5.0 (X11; Linux)",
            "é",
            "a\"b",
            "a;b",
            &"x".repeat(65),
        ] {
            assert!(!inline_safe(&Value::from(s)), "{s:?}");
        }
        for s in [
            "usr_01m98a2bkt",
            "user.create",
            "2001:db8::1",
            "portico-cli",
            "a@b.c",
            "",
        ] {
            assert!(inline_safe(&Value::from(s)), "{s:?}");
        }
    }
}
