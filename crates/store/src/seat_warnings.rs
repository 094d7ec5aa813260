//! C5: license warnings. When a write makes an organization's seat usage reach a warning
//! level of its limit (`portico_domain::application::SEAT_WARNING_LEVELS`: 90 % and 100 %),
//! the organization's administrators get the `license_warning` email, queued in the outbox
//! inside that write's transaction: a seat that is not taken (the write fails or rolls back)
//! warns nobody.
//!
//! Once per crossing: `license_warnings` keeps the level last warned about per organization
//! and seat kind, with the limit it was measured against. A write that takes a seat first
//! compares the record with the usage before it: usage below the recorded level (members
//! removed, assignments expired, a limit raised) or another limit drops the record, so the
//! next crossing warns again; a write that only stays at or above the level warns nobody.
//!
//! Recipients (as R2 counts organization administrators): people holding a live
//! organization-level role at the organization's own scope whose role grants
//! `licenses.view` (they can open the Licenses tab the email links to), blocked accounts
//! left out. Each email is rendered in its recipient's language when it is sent (the
//! platform's default when they have none, with the usual fallback).

use crate::outbox::queue_in;
use crate::rows::{self, R};
use crate::{SqlStore, exec, fetch_all, fetch_opt};
use portico_domain::application::seat_warning_level;
use portico_domain::ids::{EmailId, OrgId};
use portico_domain::{EmailTemplateKey, Timestamp};
use portico_services::StoreError;
use portico_services::records::*;
use serde_json::json;
use sqlx::AnyConnection;

/// The permission that makes an organization role's holder a recipient.
const RECIPIENT_PERMISSION: &str = "licenses.view";

/// Seats of `kind` go from `before` to `after` in a write; `limit` is the limit after it
/// (`None`: unlimited).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeatChange {
    pub kind: SeatKind,
    pub limit: Option<i64>,
    pub before: i64,
    pub after: i64,
}

fn kind_key(kind: SeatKind) -> &'static str {
    match kind {
        SeatKind::Application => "application",
        SeatKind::BackOffice => "back_office",
    }
}

impl SqlStore {
    /// The recorded warning of `kind` in `org`: (level, limit it was about).
    async fn warning_record_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        kind: SeatKind,
    ) -> R<Option<(i64, i64)>> {
        let r = fetch_opt(
            conn,
            self.raw(
                "SELECT level, seat_limit FROM license_warnings WHERE org_id = ? AND seat_kind = ?",
                vec![org.to_string().into(), kind_key(kind).into()],
            ),
        )
        .await?;
        r.map(|r| Ok((rows::i(&r, "level")?, rows::i(&r, "seat_limit")?)))
            .transpose()
    }

    async fn drop_warning_in(&self, conn: &mut AnyConnection, org: OrgId, kind: SeatKind) -> R<()> {
        exec(
            conn,
            self.raw(
                "DELETE FROM license_warnings WHERE org_id = ? AND seat_kind = ?",
                vec![org.to_string().into(), kind_key(kind).into()],
            ),
        )
        .await?;
        Ok(())
    }

    /// Seats in `org` change in this write (`c`). Re-arms or records the warning and queues
    /// the emails when a level is reached that was not warned about since usage was last
    /// below it.
    pub(crate) async fn seats_changed_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        org: OrgId,
        c: SeatChange,
    ) -> R<()> {
        let SeatChange {
            kind,
            limit,
            before,
            after,
        } = c;
        let record = self.warning_record_in(conn, org, kind).await?;
        let Some(limit) = limit else {
            if record.is_some() {
                self.drop_warning_in(conn, org, kind).await?;
            }
            return Ok(());
        };
        let armed = match record {
            Some((level, l)) if l == limit && level <= seat_warning_level(before, limit) => level,
            _ => 0,
        };
        let now = seat_warning_level(after, limit);
        if now > armed {
            if record.is_some() {
                self.drop_warning_in(conn, org, kind).await?;
            }
            exec(
                conn,
                self.raw(
                    "INSERT INTO license_warnings (org_id, seat_kind, level, seat_limit, used, \
                     warned_at) VALUES (?, ?, ?, ?, ?, ?)",
                    vec![
                        org.to_string().into(),
                        kind_key(kind).into(),
                        now.into(),
                        limit.into(),
                        after.into(),
                        ctx.at.millis().into(),
                    ],
                ),
            )
            .await?;
            self.queue_warnings_in(conn, ctx, org, kind, now, (after, limit))
                .await?;
        } else if record.is_some() && armed == 0 {
            self.drop_warning_in(conn, org, kind).await?;
        }
        Ok(())
    }

    /// Queues one `license_warning` per recipient, each with its `email.queued` entry, and
    /// appends `licenses.warning` (level, usage, how many were told).
    async fn queue_warnings_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        org: OrgId,
        kind: SeatKind,
        level: i64,
        (used, limit): (i64, i64),
    ) -> R<()> {
        let settings = self.outbox_settings()?;
        let org_name = fetch_opt(
            conn,
            self.raw(
                "SELECT name FROM organizations WHERE id = ?",
                vec![org.to_string().into()],
            ),
        )
        .await?
        .map(|r| rows::s(&r, "name"))
        .transpose()?
        .ok_or(StoreError::NotFound("organization"))?;
        let recipients = self.license_admins_in(conn, org, ctx.at).await?;
        let link = format!(
            "{}/organizations/{org}/licenses",
            settings.public_url.trim_end_matches('/')
        );
        for (user, email, name, language) in &recipients {
            let m = OutboxInsert {
                id: EmailId::generate(),
                to_address: email.clone(),
                to_user_id: Some(*user),
                body: OutboxBody::Deferred(DeferredEmail {
                    template: EmailTemplateKey::LicenseWarning,
                    language: language.clone(),
                    vars: json!({
                        "name": name,
                        "org": org_name,
                        "seats": kind_key(kind),
                        "used": used,
                        "limit": limit,
                        "link": link,
                    }),
                }),
                status: settings.status(),
                created_at: ctx.at,
            };
            queue_in(conn, self, ctx, &m).await?;
        }
        self.append_in(
            conn,
            ctx,
            AuditDraft::new("licenses.warning")
                .target("organization", org)
                .org(org)
                .changes(json!({
                    "seat_kind": kind_key(kind),
                    "level": level,
                    "used": used,
                    "limit": limit,
                    "recipients": recipients.len(),
                })),
        )
        .await
    }

    /// The organization's administrators for license matters: (user, email, full name).
    async fn license_admins_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        at: Timestamp,
    ) -> R<Vec<(portico_domain::ids::UserId, String, String, Option<String>)>> {
        let rs = fetch_all(
            conn,
            self.raw(
                "SELECT DISTINCT u.id AS id, u.email AS email, u.first_name AS first_name, \
                 u.last_name AS last_name, u.language AS language FROM role_assignments ra \
                 JOIN roles r ON r.id = ra.role_id \
                 JOIN users u ON u.id = ra.user_id \
                 WHERE ra.scope = ? AND r.level = ? \
                 AND (ra.expires_at IS NULL OR ra.expires_at > ?) \
                 AND (' ' || r.permissions || ' ') LIKE ? AND u.status <> ? \
                 ORDER BY u.id",
                vec![
                    org.to_string().into(),
                    portico_domain::access::Level::Organization.as_str().into(),
                    at.millis().into(),
                    format!("% {RECIPIENT_PERMISSION} %").into(),
                    portico_domain::user::UserStatus::Blocked.as_str().into(),
                ],
            ),
        )
        .await?;
        rs.iter()
            .map(|r| {
                let first = rows::s(r, "first_name")?;
                let last = rows::s(r, "last_name")?;
                Ok((
                    rows::user_id(r, "id")?,
                    rows::s(r, "email")?,
                    format!("{first} {last}").trim().to_string(),
                    rows::os(r, "language")?,
                ))
            })
            .collect()
    }
}
