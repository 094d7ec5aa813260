//! R3 and R4, the reports that list every organization's projects: read whole for an export,
//! or one page of organizations at a time (by name) for the console and the API, so that a
//! platform with 200,000 projects answers a page without reading them all. R4's enrollments
//! per project come from `projects.enrollment_count`, kept by triggers (migration 0019).

use crate::SqlStore;
use crate::audit::paginate;
use crate::orgs::bad_cursor;
use crate::reports::{ADMIN_COLUMNS, parse_err, project_id, reach_clause};
use crate::rows::{self, R};
use portico_domain::ids::{OrgId, ProjectId};
use portico_domain::page::{Page, PageRequest};
use portico_domain::{ProjectStatus, Timestamp};
use portico_services::StoreError;
use portico_services::records::Reach;
use portico_services::reports::*;
use sea_query::Value;
use std::collections::HashMap;

/// A project-scoped role assignment that is live at `?` (its time is the first value).
const LIVE_PROJECT_ROLE: &str = "EXISTS (SELECT 1 FROM role_assignments ra \
     JOIN projects p ON p.id = ra.scope \
     WHERE ra.org_id = o.id AND (ra.expires_at IS NULL OR ra.expires_at > ?))";

impl SqlStore {
    /// One page of the organizations within reach, by name (narrowed by `having`, an SQL
    /// condition on `o` with its values), and the key of the last one when more follow.
    async fn org_page(
        &self,
        reach: &Reach,
        page: &PageRequest,
        having: Option<(&str, Vec<Value>)>,
    ) -> R<Page<OrgId>> {
        let mut values = Vec::new();
        let mut sql = "SELECT o.id AS id, o.name_key AS name_key FROM organizations o WHERE 1 = 1"
            .to_string();
        if let Some((cond, v)) = having {
            sql.push_str(" AND ");
            sql.push_str(cond);
            values.extend(v);
        }
        sql.push_str(&reach_clause("o.id", reach, &mut values));
        if let Some(after) = &page.after {
            let (name, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            sql.push_str(" AND (o.name_key > ? OR (o.name_key = ? AND o.id > ?))");
            values.extend([name.into(), name.into(), id.into()]);
        }
        sql.push_str(" ORDER BY o.name_key, o.id LIMIT ?");
        values.push((page.limit as i64 + 1).into());
        let rs = self.all_rows(&sql, values).await?;
        let orgs = rs
            .iter()
            .map(|r| Ok((rows::org_id(r, "id")?, rows::s(r, "name_key")?)))
            .collect::<R<Vec<_>>>()?;
        Ok(paginate(orgs, page.limit, |(id, name)| format!("{name}\u{1f}{id}")).map(|(id, _)| id))
    }

    /// The organizations a report lists: the whole reach (no page), or one page of it as an
    /// explicit list with the next page's key; `None` when that page is empty.
    async fn listed(
        &self,
        reach: &Reach,
        page: Option<&PageRequest>,
        having: Option<(&str, Vec<Value>)>,
    ) -> R<Option<(Reach, Option<String>)>> {
        let Some(p) = page else {
            return Ok(Some((reach.clone(), None)));
        };
        let orgs = self.org_page(reach, p, having).await?;
        Ok((!orgs.items.is_empty()).then_some((Reach::Orgs(orgs.items), orgs.next)))
    }

    /// R3: live assignments at project scopes, by organization, project and person.
    pub(crate) async fn project_admins_q(
        &self,
        reach: &Reach,
        now: Timestamp,
        page: Option<&PageRequest>,
    ) -> R<Page<ProjectAdminRow>> {
        let having = (LIVE_PROJECT_ROLE, vec![now.millis().into()]);
        let Some((reach, next)) = self.listed(reach, page, Some(having)).await? else {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        };
        let mut v: Vec<Value> = vec![now.millis().into()];
        let c = reach_clause("ra.org_id", &reach, &mut v);
        let rs = self
            .all_rows(
                &format!(
                    "SELECT {ADMIN_COLUMNS}, p.id AS project_id, p.name AS project_name \
                     FROM role_assignments ra \
                     JOIN roles r ON r.id = ra.role_id \
                     JOIN projects p ON p.id = ra.scope \
                     JOIN organizations o ON o.id = p.organization_id \
                     JOIN users u ON u.id = ra.user_id \
                     WHERE (ra.expires_at IS NULL OR ra.expires_at > ?){c} \
                     ORDER BY o.name_key, o.id, p.name_key, p.id, u.username_key, r.name"
                ),
                v,
            )
            .await?;
        let items = rs
            .iter()
            .map(|r| {
                Ok(ProjectAdminRow {
                    project_id: project_id(r, "project_id")?,
                    project_name: rows::s(r, "project_name")?,
                    admin: Self::admin_row(r)?,
                })
            })
            .collect::<R<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    /// R4: the organizations within reach (one page of them, when asked) with their projects
    /// and enrollments; the totals always cover the whole reach.
    pub(crate) async fn system_activity_q(
        &self,
        reach: &Reach,
        page: Option<&PageRequest>,
    ) -> R<SystemActivity> {
        let Some((listed, next)) = self.listed(reach, page, None).await? else {
            return Ok(SystemActivity {
                organizations: vec![],
                totals: self.activity_totals(reach).await?,
                next: None,
            });
        };
        let mut v = Vec::new();
        let c = reach_clause("o.id", &listed, &mut v);
        let rs = self
            .all_rows(
                &format!(
                    "SELECT o.id AS org_id, o.name AS org_name, p.id AS project_id, \
                     p.name AS project_name, p.status AS status, \
                     COALESCE(p.enrollment_count, 0) AS enrollments \
                     FROM organizations o \
                     LEFT JOIN projects p ON p.organization_id = o.id \
                     WHERE 1 = 1{c} \
                     ORDER BY o.name_key, o.id, p.name_key, p.id"
                ),
                v,
            )
            .await?;
        let mut v = Vec::new();
        let c = reach_clause("org_id", &listed, &mut v);
        let members: HashMap<String, i64> = self
            .all_rows(
                &format!(
                    "SELECT org_id, COUNT(*) AS n FROM memberships WHERE 1 = 1{c} GROUP BY org_id"
                ),
                v,
            )
            .await?
            .iter()
            .map(|r| Ok((rows::s(r, "org_id")?, rows::i(r, "n")?)))
            .collect::<R<_>>()?;
        let mut orgs: Vec<OrgActivity> = Vec::new();
        for r in &rs {
            let org_id = rows::org_id(r, "org_id")?;
            if orgs.last().is_none_or(|o| o.org_id != org_id) {
                orgs.push(OrgActivity {
                    org_id,
                    org_name: rows::s(r, "org_name")?,
                    members: members.get(&org_id.to_string()).copied().unwrap_or(0),
                    projects: Vec::new(),
                    enrollments: 0,
                });
            }
            if let Some(pid) = rows::os(r, "project_id")? {
                let n = rows::i(r, "enrollments")?;
                let status = rows::s(r, "status")?;
                let o = orgs.last_mut().expect("pushed above");
                o.enrollments += n;
                o.projects.push(ProjectActivity {
                    project_id: ProjectId::parse(&pid).map_err(|e| parse_err("project_id", e))?,
                    name: rows::s(r, "project_name")?,
                    status: ProjectStatus::parse(&status)
                        .ok_or_else(|| parse_err("status", status))?,
                    enrollments: n,
                });
            }
        }
        let totals = match page {
            Some(_) => self.activity_totals(reach).await?,
            // Every organization within reach is listed: its rows are the totals.
            None => ActivityTotals {
                organizations: orgs.len() as i64,
                members: orgs.iter().map(|o| o.members).sum(),
                projects: orgs.iter().map(|o| o.projects.len() as i64).sum(),
                enrollments: orgs.iter().map(|o| o.enrollments).sum(),
            },
        };
        Ok(SystemActivity {
            organizations: orgs,
            totals,
            next,
        })
    }

    /// R4's totals over the whole reach, for a page (an export adds up its own rows).
    async fn activity_totals(&self, reach: &Reach) -> R<ActivityTotals> {
        let one = |table: &str, col: &str, extra: &str| {
            let mut v = Vec::new();
            let sql = format!(
                "SELECT COUNT(*) AS n{extra} FROM {table} WHERE 1 = 1{}",
                reach_clause(col, reach, &mut v)
            );
            async move {
                self.all_rows(&sql, v)
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| StoreError::Backend("activity totals: no row".into()))
            }
        };
        let organizations = rows::i(&one("organizations", "id", "").await?, "n")?;
        let members = rows::i(&one("memberships", "org_id", "").await?, "n")?;
        let projects = one(
            "projects",
            "organization_id",
            ", CAST(COALESCE(SUM(enrollment_count), 0) AS BIGINT) AS enrollments",
        )
        .await?;
        Ok(ActivityTotals {
            organizations,
            members,
            projects: rows::i(&projects, "n")?,
            enrollments: rows::i(&projects, "enrollments")?,
        })
    }
}
