//! Applications (A2–A4) in organizations and memberships: assignment to organizations (by
//! hand, automatic and default), removal with its preview, and per-membership access. Each
//! write is one transaction with its audit entry; taking an application seat is checked inside
//! it (`licenses.rs`). Definitions are in `applications.rs`.

use crate::rows::{self, R};
use crate::schema::{
    APP_COLUMNS, Applications as A, MembershipApplications as MA, Memberships as M,
    OrganizationApplications as OA,
};
use crate::{SqlStore, db_err, exec, fetch_all};
use portico_domain::Timestamp;
use portico_domain::ValidationError;
use portico_domain::ids::{AppId, OrgId, UserId};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;

impl SqlStore {
    /// A2: assigns the application to every organization that lacks it and gives it to
    /// members: those holding an application seat there already get it; the others while the
    /// organization's application seats last, in the order they joined.
    pub(crate) async fn auto_assign_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        app: AppId,
    ) -> R<AutoAssignReport> {
        let at = ctx.at;
        let a = app.to_string();
        let organizations = exec(
            conn,
            self.raw(
                "INSERT INTO organization_applications (org_id, app_id, assigned_at) \
                 SELECT o.id, ?, ? FROM organizations o WHERE NOT EXISTS \
                 (SELECT 1 FROM organization_applications x WHERE x.org_id = o.id AND x.app_id = ?)",
                vec![a.clone().into(), at.millis().into(), a.clone().into()],
            ),
        )
        .await?;
        // Members who already take an application seat: no new seat.
        let seated = exec(
            conn,
            self.raw(
                "INSERT INTO membership_applications (org_id, user_id, app_id, granted_at) \
                 SELECT DISTINCT ma.org_id, ma.user_id, ?, ? FROM membership_applications ma \
                 WHERE ma.app_id <> ? AND NOT EXISTS (SELECT 1 FROM membership_applications y \
                 WHERE y.org_id = ma.org_id AND y.user_id = ma.user_id AND y.app_id = ?)",
                vec![
                    a.clone().into(),
                    at.millis().into(),
                    a.clone().into(),
                    a.clone().into(),
                ],
            ),
        )
        .await?;
        // Organizations without an application seat limit: everyone else.
        let unlimited = exec(
            conn,
            self.raw(
                "INSERT INTO membership_applications (org_id, user_id, app_id, granted_at) \
                 SELECT m.org_id, m.user_id, ?, ? FROM memberships m \
                 JOIN organizations o ON o.id = m.org_id WHERE o.app_seat_limit IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM membership_applications y \
                 WHERE y.org_id = m.org_id AND y.user_id = m.user_id)",
                vec![a.clone().into(), at.millis().into()],
            ),
        )
        .await?;
        let mut report = AutoAssignReport {
            organizations: organizations as i64,
            members_given: (seated + unlimited) as i64,
            members_not_given: 0,
        };
        // Organizations with a limit: while seats remain.
        let limited = fetch_all(
            conn,
            self.raw(
                "SELECT id, app_seat_limit FROM organizations WHERE app_seat_limit IS NOT NULL",
                vec![],
            ),
        )
        .await?;
        for r in &limited {
            let org = rows::org_id(r, "id")?;
            let limit = rows::i(r, "app_seat_limit")?;
            let used = self
                .seats_used_in(conn, org, SeatKind::Application, at)
                .await?;
            let waiting = fetch_all(
                conn,
                self.raw(
                    "SELECT m.user_id FROM memberships m WHERE m.org_id = ? AND NOT EXISTS \
                     (SELECT 1 FROM membership_applications y WHERE y.org_id = m.org_id \
                     AND y.user_id = m.user_id) ORDER BY m.created_at, m.user_seq",
                    vec![org.to_string().into()],
                ),
            )
            .await?;
            let free = Ord::max(limit - used, 0) as usize;
            let given = waiting.len().min(free) as i64;
            for w in waiting.iter().take(free) {
                let user = rows::user_id(w, "user_id")?;
                self.insert_member_apps_in(conn, org, user, &[app], at)
                    .await?;
                report.members_given += 1;
            }
            if given > 0 {
                // C5: the seats just given may reach a warning level.
                let change = crate::seat_warnings::SeatChange {
                    kind: SeatKind::Application,
                    limit: Some(limit),
                    before: used,
                    after: used + given,
                };
                self.seats_changed_in(conn, ctx, org, change).await?;
            }
            report.members_not_given += waiting.len().saturating_sub(free) as i64;
        }
        Ok(report)
    }

    /// The default application and the auto-assigned ones, for a new organization (A1, A2).
    pub(crate) async fn assign_defaults_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        at: Timestamp,
    ) -> R<u64> {
        exec(
            conn,
            self.raw(
                "INSERT INTO organization_applications (org_id, app_id, assigned_at) \
                 SELECT ?, a.id, ? FROM applications a WHERE a.is_default OR a.auto_assigned",
                vec![org.to_string().into(), at.millis().into()],
            ),
        )
        .await
    }

    pub(crate) async fn insert_member_apps_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
        apps: &[AppId],
        at: Timestamp,
    ) -> R<()> {
        if apps.is_empty() {
            return Ok(());
        }
        let mut q = Query::insert();
        q.into_table(MA::Table)
            .columns([MA::OrgId, MA::UserId, MA::AppId, MA::GrantedAt]);
        for a in apps {
            q.values_panic([
                org.to_string().into(),
                user.to_string().into(),
                a.to_string().into(),
                at.millis().into(),
            ]);
        }
        exec(conn, self.build(&q)).await?;
        Ok(())
    }

    /// The applications assigned to the organization, with their records.
    pub(crate) async fn assigned_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
    ) -> R<Vec<(AppRecord, Timestamp)>> {
        let cols: Vec<(A, A)> = APP_COLUMNS.iter().map(|c| (A::Table, *c)).collect();
        let rows = fetch_all(
            conn,
            self.build(
                &Query::select()
                    .columns(cols)
                    .expr_as(Expr::col((OA::Table, OA::AssignedAt)), "assigned_at")
                    .from(OA::Table)
                    .inner_join(
                        A::Table,
                        Expr::col((A::Table, A::Id)).equals((OA::Table, OA::AppId)),
                    )
                    .and_where(Expr::col((OA::Table, OA::OrgId)).eq(org.to_string()))
                    .order_by((A::Table, A::NameKey), Order::Asc)
                    .order_by((A::Table, A::Id), Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        rows.iter()
            .map(|r| Ok((rows::app(r)?, rows::ts(r, "assigned_at")?)))
            .collect()
    }

    /// A3: the applications a new membership gets: the ones asked for (each assigned to the
    /// organization, else a Rule error naming it), or the organization's auto-assigned ones.
    /// A first application takes a seat (L1); the caller has inserted the membership.
    pub(crate) async fn grant_new_member_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
        asked: Option<&[AppId]>,
        ctx: &AuditCtx,
    ) -> R<Vec<AppId>> {
        let at = ctx.at;
        let assigned = self.assigned_in(conn, org).await?;
        let apps: Vec<AppId> = match asked {
            Some(list) => {
                self.check_assigned_in(conn, org, &assigned, list).await?;
                list.to_vec()
            }
            None => assigned
                .iter()
                .filter(|(a, _)| a.auto_assigned)
                .map(|(a, _)| a.id)
                .collect(),
        };
        if !apps.is_empty() {
            self.take_seat_in(conn, ctx, org, user, SeatKind::Application)
                .await?;
            self.insert_member_apps_in(conn, org, user, &apps, at)
                .await?;
        }
        Ok(apps)
    }

    pub(crate) async fn check_assigned_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        assigned: &[(AppRecord, Timestamp)],
        list: &[AppId],
    ) -> R<()> {
        for id in list {
            if assigned.iter().any(|(a, _)| a.id == *id) {
                continue;
            }
            let what = match self.app_in(conn, *id).await? {
                Some(a) => a.name,
                None => format!("application {id}"),
            };
            let org_name = self
                .org_in(conn, org)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            return Err(StoreError::Rule(ValidationError::new(
                "applications",
                format!(
                    "{what} is not assigned to {org_name}: assign it to the organization first"
                ),
            )));
        }
        Ok(())
    }

    pub(crate) async fn org_apps_q(&self, org: OrgId) -> R<Vec<OrgAppRow>> {
        let mut conn = self.conn().await?;
        self.require_org(&mut conn, org).await?;
        self.org_apps_in(&mut conn, org).await
    }

    pub(crate) async fn org_apps_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
    ) -> R<Vec<OrgAppRow>> {
        let assigned = self.assigned_in(conn, org).await?;
        let counts = fetch_all(
            conn,
            self.raw(
                "SELECT app_id, COUNT(*) AS n FROM membership_applications WHERE org_id = ? \
                 GROUP BY app_id",
                vec![org.to_string().into()],
            ),
        )
        .await?;
        let mut by_app = std::collections::HashMap::new();
        for r in &counts {
            by_app.insert(rows::app_id(r, "app_id")?, rows::i(r, "n")?);
        }
        Ok(assigned
            .into_iter()
            .map(|(app, assigned_at)| OrgAppRow {
                members: by_app.get(&app.id).copied().unwrap_or(0),
                app,
                assigned_at,
            })
            .collect())
    }

    pub(crate) async fn assign_app_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        app: AppId,
    ) -> R<OrgAppRow> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, org).await?;
        let a = self.require_app_in(&mut tx, app).await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(OA::Table)
                    .columns([OA::OrgId, OA::AppId, OA::AssignedAt])
                    .values_panic([
                        org.to_string().into(),
                        app.to_string().into(),
                        ctx.at.millis().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("application.assign")
                .target("application", app)
                .org(org)
                .changes(json!({ "application": a.slug, "status": a.status.as_str() })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(OrgAppRow {
            app: a,
            assigned_at: ctx.at,
            members: 0,
        })
    }

    pub(crate) async fn unassign_preview_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        app: AppId,
    ) -> R<UnassignPreview> {
        self.require_org(conn, org).await?;
        let row = self
            .org_apps_in(conn, org)
            .await?
            .into_iter()
            .find(|r| r.app.id == app)
            .ok_or(StoreError::NotFound("application"))?;
        Ok(UnassignPreview {
            members_losing_access: row.members,
            app: row.app,
        })
    }

    pub(crate) async fn unassign_preview_q(&self, org: OrgId, app: AppId) -> R<UnassignPreview> {
        let mut conn = self.conn().await?;
        self.unassign_preview_in(&mut conn, org, app).await
    }

    pub(crate) async fn unassign_app_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        app: AppId,
    ) -> R<UnassignPreview> {
        let mut tx = self.begin_write().await?;
        let p = self.unassign_preview_in(&mut tx, org, app).await?;
        let revoked = self
            .delete_where(
                &mut tx,
                MA::Table,
                Expr::col(MA::OrgId)
                    .eq(org.to_string())
                    .and(Expr::col(MA::AppId).eq(app.to_string())),
            )
            .await?;
        self.delete_where(
            &mut tx,
            OA::Table,
            Expr::col(OA::OrgId)
                .eq(org.to_string())
                .and(Expr::col(OA::AppId).eq(app.to_string())),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("application.unassign")
                .target("application", app)
                .org(org)
                .changes(json!({ "application": p.app.slug, "members_revoked": revoked })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(UnassignPreview {
            members_losing_access: revoked as i64,
            app: p.app,
        })
    }

    pub(crate) async fn member_app_ids_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
    ) -> R<Vec<AppId>> {
        let rows = fetch_all(
            conn,
            self.build(
                &Query::select()
                    .column(MA::AppId)
                    .from(MA::Table)
                    .and_where(Expr::col(MA::OrgId).eq(org.to_string()))
                    .and_where(Expr::col(MA::UserId).eq(user.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        rows.iter().map(|r| rows::app_id(r, "app_id")).collect()
    }

    pub(crate) async fn set_member_apps_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        user: UserId,
        apps: Vec<AppId>,
    ) -> R<Vec<AppBrief>> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, org).await?;
        if !self
            .exists_in(
                &mut tx,
                M::Table,
                Expr::col(M::OrgId)
                    .eq(org.to_string())
                    .and(Expr::col(M::UserId).eq(user.to_string())),
            )
            .await?
        {
            return Err(StoreError::NotFound("member"));
        }
        let assigned = self.assigned_in(&mut tx, org).await?;
        self.check_assigned_in(&mut tx, org, &assigned, &apps)
            .await?;
        let before = self.member_app_ids_in(&mut tx, org, user).await?;
        if before.is_empty() && !apps.is_empty() {
            self.take_seat_in(&mut tx, ctx, org, user, SeatKind::Application)
                .await?;
        }
        self.delete_where(
            &mut tx,
            MA::Table,
            Expr::col(MA::OrgId)
                .eq(org.to_string())
                .and(Expr::col(MA::UserId).eq(user.to_string())),
        )
        .await?;
        self.insert_member_apps_in(&mut tx, org, user, &apps, ctx.at)
            .await?;
        let slug_of = |id: &AppId| {
            assigned
                .iter()
                .find(|(a, _)| a.id == *id)
                .map(|(a, _)| a.slug.clone())
                .unwrap_or_else(|| id.to_string())
        };
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("member.applications")
                .target("user", user)
                .org(org)
                .subject(user)
                .changes(json!({
                    "before": before.iter().map(slug_of).collect::<Vec<_>>(),
                    "after": apps.iter().map(slug_of).collect::<Vec<_>>(),
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        // `assigned` is by name already.
        let out: Vec<AppBrief> = assigned
            .iter()
            .filter(|(a, _)| apps.contains(&a.id))
            .map(|(a, _)| a.brief())
            .collect();
        Ok(out)
    }

    pub(crate) async fn member_apps_q(
        &self,
        org: Option<OrgId>,
        users: &[UserId],
    ) -> R<Vec<MemberAppRow>> {
        if users.is_empty() {
            return Ok(vec![]);
        }
        let cols: Vec<(A, A)> = APP_COLUMNS.iter().map(|c| (A::Table, *c)).collect();
        let mut q = Query::select();
        q.columns(cols)
            .expr_as(Expr::col((MA::Table, MA::OrgId)), "ma_org_id")
            .expr_as(Expr::col((MA::Table, MA::UserId)), "ma_user_id")
            .from(MA::Table)
            .inner_join(
                A::Table,
                Expr::col((A::Table, A::Id)).equals((MA::Table, MA::AppId)),
            )
            .and_where(
                Expr::col((MA::Table, MA::UserId)).is_in(users.iter().map(|u| u.to_string())),
            )
            .order_by((A::Table, A::NameKey), Order::Asc)
            .order_by((A::Table, A::Id), Order::Asc);
        if let Some(o) = org {
            q.and_where(Expr::col((MA::Table, MA::OrgId)).eq(o.to_string()));
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        rows.iter()
            .map(|r| {
                Ok(MemberAppRow {
                    org_id: rows::org_id(r, "ma_org_id")?,
                    user_id: rows::user_id(r, "ma_user_id")?,
                    app: rows::app(r)?.brief(),
                })
            })
            .collect()
    }
}
