//! U11 global user search. The one place where the SQL differs by backend, because the
//! full-text engines differ: SQLite's FTS5 and PostgreSQL's text search. Both index the same
//! document (`portico_domain::search::user_document`) and match the same word prefixes.

use crate::orgs::bad_cursor;
use crate::rows::{self, R};
use crate::schema::user_columns_sql;
use crate::{Backend, SqlStore, fetch_all};
use portico_domain::page::{Page, PageRequest};
use portico_services::records::{Reach, UserReach, UserRecord};
use sea_query::Value;

impl SqlStore {
    pub(crate) async fn search_users_q(
        &self,
        terms: Option<&[String]>,
        page: &PageRequest,
        reach: &UserReach,
    ) -> R<Page<UserRecord>> {
        let Some((within, within_values)) = reach_sql(reach, "u") else {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        };
        let after: Option<i64> = page
            .after
            .as_deref()
            .map(|a| a.parse().map_err(|_| bad_cursor()))
            .transpose()?;
        let limit = page.limit as i64 + 1;
        let q = match terms {
            None => {
                let sql = format!(
                    "SELECT {} FROM users u WHERE u.seq < ?{within} ORDER BY u.seq DESC LIMIT ?",
                    user_columns_sql("u")
                );
                let mut values = vec![Value::from(after.unwrap_or(i64::MAX))];
                values.extend(within_values);
                values.push(Value::from(limit));
                self.raw(&sql, values)
            }
            // Terms are letters and digits only (the domain's tokenizer), so quoting them is safe.
            Some(terms) => match self.backend {
                Backend::Sqlite => {
                    let m = terms
                        .iter()
                        .map(|t| format!("\"{t}\"*"))
                        .collect::<Vec<_>>()
                        .join(" AND ");
                    let sql = format!(
                        "SELECT {} FROM users_fts f JOIN users u ON u.seq = f.rowid \
                         WHERE users_fts MATCH ?{within} AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?",
                        user_columns_sql("u")
                    );
                    let mut values = vec![Value::from(m)];
                    values.extend(within_values);
                    values.push(Value::from(after.unwrap_or(i64::MAX)));
                    values.push(Value::from(limit));
                    self.raw(&sql, values)
                }
                Backend::Postgres => {
                    let m = terms
                        .iter()
                        .map(|t| format!("{t}:*"))
                        .collect::<Vec<_>>()
                        .join(" & ");
                    let sql = format!(
                        "SELECT {} FROM users u WHERE to_tsvector('simple', u.search_document) \
                         @@ to_tsquery('simple', ?){within} AND u.seq < ? ORDER BY u.seq DESC LIMIT ?",
                        user_columns_sql("u")
                    );
                    let mut values = vec![Value::from(m)];
                    values.extend(within_values);
                    values.push(Value::from(after.unwrap_or(i64::MAX)));
                    values.push(Value::from(limit));
                    self.raw(&sql, values)
                }
            },
        };
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, q).await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut seqs = Vec::with_capacity(rows.len());
        for r in &rows {
            seqs.push(rows::i(r, "seq")?);
            items.push(rows::user(r)?);
        }
        let more = items.len() > page.limit as usize;
        items.truncate(page.limit as usize);
        let next = if more {
            seqs.get(items.len() - 1).map(|s| s.to_string())
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

/// The conditions of a user reach (P5) on the users aliased `alias`, as `AND …` SQL with `?`
/// placeholders and their values; `None` when the reach is no organization at all.
fn reach_sql(reach: &UserReach, alias: &str) -> Option<(String, Vec<Value>)> {
    let mut sql = String::new();
    let mut values = Vec::new();
    match &reach.orgs {
        Reach::All => {}
        Reach::Orgs(ids) if ids.is_empty() => return None,
        Reach::Orgs(ids) => {
            let marks = vec!["?"; ids.len()].join(",");
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = {alias}.id \
                 AND m.org_id IN ({marks}))"
            ));
            values.extend(ids.iter().map(|o| Value::from(o.to_string())));
        }
    }
    if reach.hide_administrators {
        // Flags are INTEGER 0/1 on SQLite and BOOLEAN on PostgreSQL: NOT reads both.
        sql.push_str(&format!(
            " AND NOT {alias}.is_platform_admin AND NOT {alias}.is_super_admin"
        ));
    }
    Some((sql, values))
}
