//! U11 global user search. The one place where the SQL differs by backend, because the
//! full-text engines differ: SQLite's FTS5 and PostgreSQL's text search. Both index the same
//! document (`portico_domain::search::user_document`) and match the same word prefixes.

use crate::orgs::bad_cursor;
use crate::rows::{self, R};
use crate::schema::{USER_COLUMNS, Users as U, user_columns_sql};
use crate::{Backend, SqlStore, fetch_all};
use portico_domain::page::{Page, PageRequest};
use portico_services::records::UserRecord;
use sea_query::{Expr, ExprTrait, Order, Query, Value};

impl SqlStore {
    pub(crate) async fn search_users_q(
        &self,
        terms: Option<&[String]>,
        page: &PageRequest,
    ) -> R<Page<UserRecord>> {
        let after: Option<i64> = page
            .after
            .as_deref()
            .map(|a| a.parse().map_err(|_| bad_cursor()))
            .transpose()?;
        let limit = page.limit as i64 + 1;
        let q = match terms {
            None => {
                let mut q = Query::select();
                q.columns(USER_COLUMNS)
                    .from(U::Table)
                    .order_by(U::Seq, Order::Desc)
                    .limit(limit as u64);
                if let Some(a) = after {
                    q.and_where(Expr::col(U::Seq).lt(a));
                }
                self.build(&q)
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
                         WHERE users_fts MATCH ? AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?",
                        user_columns_sql("u")
                    );
                    self.raw(
                        &sql,
                        vec![
                            Value::from(m),
                            Value::from(after.unwrap_or(i64::MAX)),
                            Value::from(limit),
                        ],
                    )
                }
                Backend::Postgres => {
                    let m = terms
                        .iter()
                        .map(|t| format!("{t}:*"))
                        .collect::<Vec<_>>()
                        .join(" & ");
                    let sql = format!(
                        "SELECT {} FROM users u WHERE to_tsvector('simple', u.search_document) \
                         @@ to_tsquery('simple', ?) AND u.seq < ? ORDER BY u.seq DESC LIMIT ?",
                        user_columns_sql("u")
                    );
                    self.raw(
                        &sql,
                        vec![
                            Value::from(m),
                            Value::from(after.unwrap_or(i64::MAX)),
                            Value::from(limit),
                        ],
                    )
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
