//! Reports (R1–R4): read-only aggregate queries over login events, role assignments,
//! projects and enrollments, each limited to the viewer's organizations (R5), and the demo's
//! activity loader. Written once with `?` placeholders for both databases; sums are cast to
//! BIGINT because PostgreSQL widens them to NUMERIC.

use crate::enrollments::placeholders;
use crate::rows::{self, R};
use crate::{SqlStore, exec, fetch_all};
use async_trait::async_trait;
use portico_domain::Timestamp;
use portico_domain::access::Level;
use portico_domain::day::{Day, Period};
use portico_domain::ids::{OrgId, ProjectId, RoleId, UserId};
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::records::{AuditCtx, Reach};
use portico_services::reports::*;
use sea_query::Value;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;

pub(crate) fn parse_err(c: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("column {c}: {e}"))
}
pub(crate) fn project_id(r: &AnyRow, c: &str) -> R<ProjectId> {
    ProjectId::parse(&rows::s(r, c)?).map_err(|e| parse_err(c, e))
}
fn role_id(r: &AnyRow, c: &str) -> R<RoleId> {
    RoleId::parse(&rows::s(r, c)?).map_err(|e| parse_err(c, e))
}

/// ` AND <col> IN (?, …)` for `Reach::Orgs`, with its values; nothing for `All`.
pub(crate) fn reach_clause(col: &str, reach: &Reach, values: &mut Vec<Value>) -> String {
    match reach {
        Reach::All => String::new(),
        Reach::Orgs(ids) => {
            values.extend(ids.iter().map(|o| o.to_string().into()));
            // An empty list never matches (callers refuse it earlier).
            format!(
                " AND {col} IN ({})",
                if ids.is_empty() {
                    "NULL".to_string()
                } else {
                    placeholders(ids.len())
                }
            )
        }
    }
}

/// Where the period's login events come from, and the values of its placeholders, in order:
/// all events; the events of one organization's members (from its memberships, so a
/// drill-down reads that organization's people only); or of the members of the organizations
/// within reach. `e` is the events' alias.
fn events(
    period: Period,
    reach: &Reach,
    hide: Option<UserId>,
    members_of: Option<OrgId>,
) -> (String, Vec<Value>) {
    let mut values = Vec::new();
    let from = match (members_of, reach) {
        (Some(o), _) => {
            values.push(o.to_string().into());
            "memberships mo JOIN login_events e ON e.user_seq = mo.user_seq AND mo.org_id = ?"
                .to_string()
        }
        (None, Reach::All) => "login_events e".to_string(),
        (None, Reach::Orgs(_)) => {
            let c = reach_clause("org_id", reach, &mut values);
            format!(
                "(SELECT DISTINCT user_seq FROM memberships WHERE 1 = 1{c}) r \
                 JOIN login_events e ON e.user_seq = r.user_seq"
            )
        }
    };
    values.push(period.from.number().into());
    values.push(period.to.number().into());
    let mut w = format!("{from} WHERE e.day BETWEEN ? AND ?");
    if let Some(h) = hide {
        // NOT IN: a hidden person who no longer exists hides nobody (`<> NULL` would hide all).
        w.push_str(" AND e.user_seq NOT IN (SELECT seq FROM users WHERE id = ?)");
        values.push(h.to_string().into());
    }
    (w, values)
}

/// ` AND e.user_seq BETWEEN ? AND ?` for one range of people, with its values.
fn partition_clause(lo: i64, hi: i64, values: &mut Vec<Value>) -> String {
    values.push(lo.into());
    values.push(hi.into());
    " AND e.user_seq BETWEEN ? AND ?".to_string()
}

impl SqlStore {
    /// People split into equal ranges of sequence numbers, one per core (two to four), so
    /// that R1 reads them in parallel.
    async fn user_partitions(&self) -> R<Vec<(i64, i64)>> {
        let rs = self
            .all_rows(
                "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS top FROM users",
                vec![],
            )
            .await?;
        let top = rs
            .first()
            .map(|r| rows::i(r, "top"))
            .transpose()?
            .unwrap_or(0);
        let n = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 4) as i64;
        let width = top / n + 1;
        Ok((0..n)
            .map(|i| {
                let lo = i * width;
                // The last range is open-ended: people created while the report runs.
                let hi = if i == n - 1 { i64::MAX } else { lo + width - 1 };
                (lo, hi)
            })
            .collect())
    }

    pub(crate) async fn all_rows(&self, sql: &str, values: Vec<Value>) -> R<Vec<AnyRow>> {
        let mut conn = self.conn().await?;
        fetch_all(&mut conn, self.raw(sql, values)).await
    }

    pub(crate) fn admin_row(r: &AnyRow) -> R<OrgAdminRow> {
        Ok(OrgAdminRow {
            org_id: rows::org_id(r, "org_id")?,
            org_name: rows::s(r, "org_name")?,
            user_id: rows::user_id(r, "user_id")?,
            username: rows::s(r, "username")?,
            first_name: rows::s(r, "first_name")?,
            last_name: rows::s(r, "last_name")?,
            email: rows::s(r, "email")?,
            role_id: role_id(r, "role_id")?,
            role_name: rows::s(r, "role_name")?,
            last_login_at: rows::ots(r, "last_login_at")?,
            is_super_admin: rows::b(r, "is_super_admin")?,
        })
    }

    /// R1's login event, inside the login's transaction.
    pub(crate) async fn insert_login_event_in(
        &self,
        conn: &mut AnyConnection,
        user: UserId,
        at: Timestamp,
    ) -> R<()> {
        exec(
            conn,
            self.raw(
                "INSERT INTO login_events (user_seq, at, day) SELECT seq, ?, ? FROM users \
                 WHERE id = ?",
                vec![
                    at.millis().into(),
                    Day::of(at).number().into(),
                    user.to_string().into(),
                ],
            ),
        )
        .await?;
        Ok(())
    }
}

pub(crate) const ADMIN_COLUMNS: &str = "o.id AS org_id, o.name AS org_name, u.id AS user_id, \
     u.username AS username, u.first_name AS first_name, u.last_name AS last_name, \
     u.email AS email, u.is_super_admin AS is_super_admin, u.last_login_at AS last_login_at, \
     r.id AS role_id, r.name AS role_name";

#[async_trait]
impl ReportStore for SqlStore {
    async fn login_summary(
        &self,
        period: Period,
        reach: &Reach,
        hide: Option<UserId>,
    ) -> R<LoginSummary> {
        // People are split into disjoint ranges of their sequence number, one per core, and
        // each range is read on its own connection (readers do not block one another on
        // either database): its per-day counts, and each person's logins once (materialized:
        // read by both parts) spread over their memberships per organization, with the total
        // as the row without an organization. The ranges share no person, so distinct counts
        // add up exactly.
        let parts = self.user_partitions().await?;
        let reads = parts.iter().map(|&(lo, hi)| {
            let (src, mut v) = events(period, reach, hide, None);
            let p = partition_clause(lo, hi, &mut v);
            let mut v2 = v.clone();
            // The range again on the memberships: PostgreSQL hashes only this range's (its
            // plan reads memberships whole, not by index).
            v2.extend([lo.into(), hi.into()]);
            let c = reach_clause("m.org_id", reach, &mut v2);
            let days_sql = format!(
                "SELECT e.day AS day, COUNT(*) AS logins, COUNT(DISTINCT e.user_seq) AS users \
                 FROM {src}{p} GROUP BY e.day"
            );
            let orgs_sql = format!(
                "WITH c AS MATERIALIZED (SELECT e.user_seq AS user_seq, COUNT(*) AS n \
                 FROM {src}{p} GROUP BY e.user_seq), \
                 g AS (SELECT m.org_id AS org_id, COUNT(*) AS users, \
                 CAST(SUM(c.n) AS BIGINT) AS logins \
                 FROM c JOIN memberships m ON m.user_seq = c.user_seq \
                 WHERE m.user_seq BETWEEN ? AND ?{c} \
                 GROUP BY m.org_id) \
                 SELECT g.org_id AS org_id, o.name AS org_name, g.users AS users, \
                 g.logins AS logins FROM g JOIN organizations o ON o.id = g.org_id \
                 UNION ALL SELECT NULL, NULL, COUNT(*), CAST(COALESCE(SUM(c.n), 0) AS BIGINT) \
                 FROM c"
            );
            async move {
                let days = self.all_rows(&days_sql, v).await?;
                let orgs = self.all_rows(&orgs_sql, v2).await?;
                Ok::<_, StoreError>((days, orgs))
            }
        });
        let (mut distinct_users, mut logins) = (0, 0);
        let mut by_day: HashMap<i64, (i64, i64)> = HashMap::new();
        let mut by_org: HashMap<String, OrgLogins> = HashMap::new();
        for (days, orgs) in futures::future::try_join_all(reads).await? {
            for r in &days {
                let d = by_day.entry(rows::i(r, "day")?).or_default();
                d.0 += rows::i(r, "logins")?;
                d.1 += rows::i(r, "users")?;
            }
            for r in &orgs {
                let (users, n) = (rows::i(r, "users")?, rows::i(r, "logins")?);
                match rows::os(r, "org_id")? {
                    None => {
                        distinct_users += users;
                        logins += n;
                    }
                    Some(id) => match by_org.get_mut(&id) {
                        Some(o) => {
                            o.users += users;
                            o.logins += n;
                        }
                        None => {
                            let o = OrgLogins {
                                org_id: rows::org_id(r, "org_id")?,
                                org_name: rows::s(r, "org_name")?,
                                users,
                                logins: n,
                            };
                            by_org.insert(id, o);
                        }
                    },
                }
            }
        }
        let per_day = period
            .days()
            .map(|d| {
                let (logins, users) = by_day.get(&d.number()).copied().unwrap_or((0, 0));
                DayLogins {
                    day: d,
                    logins,
                    users,
                }
            })
            .collect();
        let mut per_org: Vec<OrgLogins> = by_org.into_values().collect();
        per_org.sort_by(|a, b| {
            b.users
                .cmp(&a.users)
                .then(b.logins.cmp(&a.logins))
                .then_with(|| a.org_name.cmp(&b.org_name))
                .then_with(|| a.org_id.to_string().cmp(&b.org_id.to_string()))
        });
        Ok(LoginSummary {
            period,
            distinct_users,
            logins,
            per_day,
            per_org,
        })
    }

    async fn login_drilldown(
        &self,
        period: Period,
        org: Option<OrgId>,
        reach: &Reach,
        hide: Option<UserId>,
        limit: u32,
    ) -> R<Vec<UserLogins>> {
        // With an organization (already checked to be within reach), its members only. Each
        // range of people gives its own top `limit`; the overall top is among them (the
        // ranges share no person).
        let parts = self.user_partitions().await?;
        let reads = parts.iter().map(|&(lo, hi)| {
            let (src, mut v) = events(period, reach, hide, org);
            let p = partition_clause(lo, hi, &mut v);
            v.push((limit as i64).into());
            let sql = format!(
                "WITH c AS (SELECT e.user_seq AS user_seq, COUNT(*) AS n, \
                 MAX(e.at) AS last_at FROM {src}{p} GROUP BY e.user_seq \
                 ORDER BY n DESC, last_at DESC, e.user_seq LIMIT ?) \
                 SELECT u.seq AS user_seq, u.id AS user_id, c.n AS logins, \
                 c.last_at AS last_at, u.username AS username, u.first_name AS first_name, \
                 u.last_name AS last_name FROM c JOIN users u ON u.seq = c.user_seq"
            );
            async move { self.all_rows(&sql, v).await }
        });
        let mut found = Vec::new();
        for rs in futures::future::try_join_all(reads).await? {
            for r in &rs {
                found.push((
                    rows::i(r, "user_seq")?,
                    UserLogins {
                        user_id: rows::user_id(r, "user_id")?,
                        username: rows::s(r, "username")?,
                        first_name: rows::s(r, "first_name")?,
                        last_name: rows::s(r, "last_name")?,
                        logins: rows::i(r, "logins")?,
                        last_login_at: rows::ts(r, "last_at")?,
                    },
                ));
            }
        }
        found.sort_by(|(sa, a), (sb, b)| {
            b.logins
                .cmp(&a.logins)
                .then(b.last_login_at.cmp(&a.last_login_at))
                .then(sa.cmp(sb))
        });
        found.truncate(limit as usize);
        Ok(found.into_iter().map(|(_, u)| u).collect())
    }

    async fn org_admins(&self, reach: &Reach, now: Timestamp) -> R<Vec<OrgAdminRow>> {
        let mut v: Vec<Value> = vec![Level::Organization.as_str().into(), now.millis().into()];
        let c = reach_clause("ra.org_id", reach, &mut v);
        let rs = self
            .all_rows(
                &format!(
                    "SELECT {ADMIN_COLUMNS} FROM role_assignments ra \
                     JOIN roles r ON r.id = ra.role_id \
                     JOIN organizations o ON o.id = ra.scope \
                     JOIN users u ON u.id = ra.user_id \
                     WHERE r.level = ? AND (ra.expires_at IS NULL OR ra.expires_at > ?){c} \
                     ORDER BY o.name_key, o.id, u.username_key, r.name"
                ),
                v,
            )
            .await?;
        rs.iter().map(Self::admin_row).collect()
    }

    async fn project_admins(
        &self,
        reach: &Reach,
        now: Timestamp,
        page: Option<&PageRequest>,
    ) -> R<Page<ProjectAdminRow>> {
        self.project_admins_q(reach, now, page).await
    }

    async fn system_activity(
        &self,
        reach: &Reach,
        page: Option<&PageRequest>,
    ) -> R<SystemActivity> {
        self.system_activity_q(reach, page).await
    }

    async fn seat_usage(&self, reach: &Reach, now: Timestamp) -> R<Vec<SeatRow>> {
        let mut v: Vec<Value> = vec![now.millis().into()];
        let c = reach_clause("o.id", reach, &mut v);
        let rs = self
            .all_rows(
                &format!(
                    "SELECT o.id AS org_id, o.name AS org_name, o.app_seat_limit AS app_limit, \
                     o.office_seat_limit AS office_limit, COALESCE(a.n, 0) AS app_used, \
                     COALESCE(b.n, 0) AS office_used \
                     FROM organizations o \
                     LEFT JOIN (SELECT org_id, COUNT(DISTINCT user_id) AS n \
                     FROM membership_applications GROUP BY org_id) a ON a.org_id = o.id \
                     LEFT JOIN (SELECT scope, COUNT(DISTINCT user_id) AS n FROM role_assignments \
                     WHERE expires_at IS NULL OR expires_at > ? GROUP BY scope) b ON b.scope = o.id \
                     WHERE (a.n IS NOT NULL OR b.n IS NOT NULL OR o.app_seat_limit IS NOT NULL \
                     OR o.office_seat_limit IS NOT NULL){c} \
                     ORDER BY COALESCE(a.n, 0) + COALESCE(b.n, 0) DESC, o.name_key, o.id"
                ),
                v,
            )
            .await?;
        rs.iter()
            .map(|r| {
                Ok(SeatRow {
                    org_id: rows::org_id(r, "org_id")?,
                    org_name: rows::s(r, "org_name")?,
                    app_used: rows::i(r, "app_used")?,
                    app_limit: rows::oi(r, "app_limit")?,
                    office_used: rows::i(r, "office_used")?,
                    office_limit: rows::oi(r, "office_limit")?,
                })
            })
            .collect()
    }

    async fn bulk_activity(&self, ctx: &AuditCtx, batch: ActivityBatch) -> R<()> {
        self.load_demo_activity(ctx, batch).await
    }
}
