//! Licenses (L1–L3): seat limits per organization and their usage, counted and enforced
//! inside the writing transaction. Writes are serialized by `begin_write`, so a count taken
//! there cannot be overtaken by a concurrent writer before the transaction commits (L2).
//!
//! Usage: an application seat is a member with access to at least one application of the
//! organization; a back-office seat is someone holding a live (unexpired) role assignment at
//! the organization's own scope.

use crate::applications::limit_value;
use crate::rows::{self, R};
use crate::schema::Organizations as O;
use crate::seat_warnings::SeatChange;
use crate::{SqlStore, db_err, exec, fetch_opt};
use portico_domain::Timestamp;
use portico_domain::ids::{OrgId, UserId};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use sqlx::AnyConnection;

impl SqlStore {
    /// The organization's name and its limit of `kind` (NotFound when it does not exist).
    async fn limit_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
    ) -> R<(String, Option<i64>, Option<i64>)> {
        let r = fetch_opt(
            conn,
            self.raw(
                "SELECT name, app_seat_limit, office_seat_limit FROM organizations WHERE id = ?",
                vec![org.to_string().into()],
            ),
        )
        .await?
        .ok_or(StoreError::NotFound("organization"))?;
        Ok((
            rows::s(&r, "name")?,
            rows::oi(&r, "app_seat_limit")?,
            rows::oi(&r, "office_seat_limit")?,
        ))
    }

    pub(crate) async fn seats_used_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        kind: SeatKind,
        at: Timestamp,
    ) -> R<i64> {
        let (sql, values) = match kind {
            SeatKind::Application => (
                "SELECT COUNT(DISTINCT user_id) AS n FROM membership_applications WHERE org_id = ?",
                vec![org.to_string().into()],
            ),
            SeatKind::BackOffice => (
                "SELECT COUNT(DISTINCT user_id) AS n FROM role_assignments WHERE scope = ? \
                 AND (expires_at IS NULL OR expires_at > ?)",
                vec![org.to_string().into(), at.millis().into()],
            ),
        };
        let r = fetch_opt(conn, self.raw(sql, values)).await?;
        Ok(r.map(|r| rows::i(&r, "n")).transpose()?.unwrap_or(0))
    }

    async fn holds_seat_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
        kind: SeatKind,
        at: Timestamp,
    ) -> R<bool> {
        let (sql, values) = match kind {
            SeatKind::Application => (
                "SELECT 1 AS one FROM membership_applications WHERE org_id = ? AND user_id = ?",
                vec![org.to_string().into(), user.to_string().into()],
            ),
            SeatKind::BackOffice => (
                "SELECT 1 AS one FROM role_assignments WHERE scope = ? AND user_id = ? \
                 AND (expires_at IS NULL OR expires_at > ?)",
                vec![
                    org.to_string().into(),
                    user.to_string().into(),
                    at.millis().into(),
                ],
            ),
        };
        Ok(fetch_opt(conn, self.raw(sql, values)).await?.is_some())
    }

    /// L1, L2: `user` is about to take a seat of `kind` in `org`. Fine when they hold one
    /// already or one is free; otherwise Limit `seat-limit-reached` naming the limit. The
    /// caller takes the seat in this transaction, so a warning level it reaches is handled
    /// here too (C5, `seats_changed_in`).
    pub(crate) async fn take_seat_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        org: OrgId,
        user: UserId,
        kind: SeatKind,
    ) -> R<()> {
        let at = ctx.at;
        let (name, app, office) = self.limit_in(conn, org).await?;
        let limit = match kind {
            SeatKind::Application => app,
            SeatKind::BackOffice => office,
        };
        let Some(limit) = limit else {
            return Ok(());
        };
        if self.holds_seat_in(conn, org, user, kind, at).await? {
            return Ok(());
        }
        let used = self.seats_used_in(conn, org, kind, at).await?;
        if used >= limit {
            return Err(StoreError::Limit {
                kind: "seat-limit-reached",
                message: format!("{} seat limit of {limit} reached in {name}", kind.label()),
                limit,
                used,
            });
        }
        let change = SeatChange {
            kind,
            limit: Some(limit),
            before: used,
            after: used + 1,
        };
        self.seats_changed_in(conn, ctx, org, change).await
    }

    async fn licenses_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        at: Timestamp,
    ) -> R<LicenseUsage> {
        let (_, app, office) = self.limit_in(conn, org).await?;
        Ok(LicenseUsage {
            org_id: org,
            application: SeatUsage {
                used: self
                    .seats_used_in(conn, org, SeatKind::Application, at)
                    .await?,
                limit: app,
            },
            back_office: SeatUsage {
                used: self
                    .seats_used_in(conn, org, SeatKind::BackOffice, at)
                    .await?,
                limit: office,
            },
        })
    }

    pub(crate) async fn licenses_q(&self, org: OrgId, at: Timestamp) -> R<LicenseUsage> {
        let mut conn = self.conn().await?;
        self.licenses_in(&mut conn, org, at).await
    }

    pub(crate) async fn set_licenses_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        p: LicensePatch,
    ) -> R<LicenseUsage> {
        let mut tx = self.begin_write().await?;
        let before = self.licenses_in(&mut tx, org, ctx.at).await?;
        let (name, _, _) = self.limit_in(&mut tx, org).await?;
        let mut q = Query::update();
        q.table(O::Table)
            .and_where(Expr::col(O::Id).eq(org.to_string()));
        let mut changes = serde_json::Map::new();
        let mut any = false;
        for (kind, asked, usage, col) in [
            (
                SeatKind::Application,
                p.application,
                before.application,
                "app_seat_limit",
            ),
            (
                SeatKind::BackOffice,
                p.back_office,
                before.back_office,
                "office_seat_limit",
            ),
        ] {
            let Some(new) = asked else { continue };
            let new = limit_value(new);
            if let Some(l) = new
                && l < usage.used
            {
                return Err(StoreError::Limit {
                    kind: "limit-below-usage",
                    message: format!(
                        "{} {} seat(s) are in use in {name}: the limit cannot be lower than that",
                        usage.used,
                        kind.label()
                    ),
                    limit: l,
                    used: usage.used,
                });
            }
            let column = match kind {
                SeatKind::Application => O::AppSeatLimit,
                SeatKind::BackOffice => O::OfficeSeatLimit,
            };
            q.value(column, new);
            any = true;
            if new != usage.limit {
                changes.insert(col.into(), json!({ "before": usage.limit, "after": new }));
            }
        }
        if any {
            exec(&mut tx, self.build(&q)).await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("licenses.update")
                .target("organization", org)
                .org(org)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        let after = self.licenses_in(&mut tx, org, ctx.at).await?;
        // C5: a new limit re-arms the warnings, and a lower one may reach a level at once.
        for (kind, was, now) in [
            (SeatKind::Application, before.application, after.application),
            (SeatKind::BackOffice, before.back_office, after.back_office),
        ] {
            if was.limit != now.limit {
                let change = SeatChange {
                    kind,
                    limit: now.limit,
                    before: now.used,
                    after: now.used,
                };
                self.seats_changed_in(&mut tx, ctx, org, change).await?;
            }
        }
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    /// U7 with L1, L2: a copy takes an application seat wherever the source has
    /// applications and a back-office seat wherever the source holds a live role at the
    /// organization's scope. Called before the copy's rows are written.
    pub(crate) async fn copy_seats_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        source: UserId,
        copy: UserId,
    ) -> R<()> {
        let at = ctx.at;
        let app_orgs = crate::fetch_all(
            conn,
            self.raw(
                "SELECT DISTINCT org_id FROM membership_applications WHERE user_id = ?",
                vec![source.to_string().into()],
            ),
        )
        .await?;
        for r in &app_orgs {
            let org = rows::org_id(r, "org_id")?;
            self.take_seat_in(conn, ctx, org, copy, SeatKind::Application)
                .await?;
        }
        let office_orgs = crate::fetch_all(
            conn,
            self.raw(
                "SELECT DISTINCT org_id FROM role_assignments WHERE user_id = ? \
                 AND org_id IS NOT NULL AND scope = org_id \
                 AND (expires_at IS NULL OR expires_at > ?)",
                vec![source.to_string().into(), at.millis().into()],
            ),
        )
        .await?;
        for r in &office_orgs {
            let org = rows::org_id(r, "org_id")?;
            self.take_seat_in(conn, ctx, org, copy, SeatKind::BackOffice)
                .await?;
        }
        Ok(())
    }
}
