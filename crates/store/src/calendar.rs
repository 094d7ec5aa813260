//! C5's calendar invitation: people enrolled in a scheduled project that has not started get
//! the `calendar_invitation` email, queued in the outbox inside the transaction that enrolls
//! them or moves the project (a new time or place goes to everyone enrolled again).

use crate::outbox::queue_in;
use crate::rows::{self, R};
use crate::{SqlStore, fetch_all};
use portico_domain::ids::{EmailId, UserId};
use portico_domain::user::UserStatus;
use portico_domain::{EmailTemplateKey, ProjectStatus};
use portico_services::records::*;
use serde_json::json;
use sqlx::AnyConnection;

impl SqlStore {
    /// Queues the invitation to `only` (a new enrollment) or to everyone enrolled, when the
    /// project is active and starts after now. People who are blocked get none. Returns how
    /// many were queued.
    pub(crate) async fn calendar_invite_in(
        &self,
        conn: &mut AnyConnection,
        ctx: &AuditCtx,
        project: &ProjectRecord,
        only: Option<UserId>,
    ) -> R<usize> {
        let Some(starts_at) = project.starts_at else {
            return Ok(0);
        };
        if project.status != ProjectStatus::Active || starts_at <= ctx.at {
            return Ok(0);
        }
        let settings = self.outbox_settings()?;
        let mut values = vec![
            project.id.to_string().into(),
            UserStatus::Blocked.as_str().into(),
        ];
        let mut sql = "SELECT u.id AS id, u.email AS email, u.first_name AS first_name, \
             u.last_name AS last_name, u.language AS language \
             FROM enrollments e JOIN users u ON u.id = e.user_id \
             WHERE e.project_id = ? AND u.status <> ?"
            .to_string();
        if let Some(u) = only {
            sql.push_str(" AND e.user_id = ?");
            values.push(u.to_string().into());
        }
        sql.push_str(" ORDER BY u.seq");
        let people = fetch_all(conn, self.raw(&sql, values)).await?;
        for r in &people {
            let user = rows::user_id(r, "id")?;
            let name = format!("{} {}", rows::s(r, "first_name")?, rows::s(r, "last_name")?);
            let m = OutboxInsert {
                id: EmailId::generate(),
                to_address: rows::s(r, "email")?,
                to_user_id: Some(user),
                body: OutboxBody::Deferred(DeferredEmail {
                    template: EmailTemplateKey::CalendarInvitation,
                    language: rows::os(r, "language")?,
                    vars: json!({
                        "name": name.trim(),
                        "title": project.name,
                        "starts_at": format!("{} UTC", starts_at.to_display()),
                        "location": project.location,
                        "link": settings.public_url,
                    }),
                }),
                status: settings.status(),
                created_at: ctx.at,
            };
            queue_in(conn, self, ctx, &m).await?;
        }
        Ok(people.len())
    }
}
