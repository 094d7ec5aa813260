//! Licenses (L1–L3): each organization's application and back-office seat limits.
//!
//! Usage (L1): a member with access to any application of the organization takes one
//! application seat; someone holding a live (unexpired) role assignment at the organization's
//! own scope takes one back-office seat; one with both takes two. The store counts and
//! enforces both inside the writing transaction (L2).

use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::*;
use crate::templates::platform::NotificationKey;
use portico_domain::application::seat_warning_level;
use portico_domain::ids::OrgId;
use serde::Serialize;

/// Organizations one Home page looks at for notices, at most.
const MAX_NOTICE_ORGS: usize = 20;

/// C5: a notice for an organization administrator's Home: one kind of seats of one of their
/// organizations is at a warning level, with the `license.seats_low` notification's text in
/// the viewer's language.
#[derive(Debug, Clone, Serialize)]
pub struct LicenseNotice {
    pub org_id: OrgId,
    pub org_name: String,
    pub seats: SeatKind,
    pub used: i64,
    pub limit: i64,
    /// 90 or 100 (percent of the limit).
    pub level: i64,
    pub text: String,
}

impl Services {
    /// After a write that may have taken seats or changed a limit: the store may have queued
    /// license warnings (C5) in it, so the delivery worker looks now rather than at its next
    /// poll.
    pub(crate) fn seats_written(&self) {
        self.email_queued();
    }

    /// Seats used and limits (`licenses.view` in the organization).
    pub async fn licenses(&self, scope: &OrgScope) -> Result<LicenseUsage, ServiceError> {
        scope.require("licenses.view")?;
        Ok(self.store.licenses(scope.org_id(), self.now()).await?)
    }

    /// Seats for the console (no permission needed beyond seeing the organization): whether
    /// "New user" can take an application seat (L3).
    pub async fn seats(&self, scope: &OrgScope) -> Result<LicenseUsage, ServiceError> {
        Ok(self.store.licenses(scope.org_id(), self.now()).await?)
    }

    /// C5: the license notices for the viewer's Home: each organization where they hold a
    /// live role at the organization's own scope and may see licenses (`licenses.view`
    /// there), for each kind of seats at 90 % of its limit or more, while it is. The text is
    /// the `license.seats_low` notification in `language` (falling back to the default
    /// language, then English; an operator's override before the built-in).
    pub async fn license_notices(
        &self,
        actor: &BackOffice,
        language: Option<&str>,
    ) -> Result<Vec<LicenseNotice>, ServiceError> {
        let now = self.now();
        let mut orgs: Vec<OrgId> = Vec::new();
        for a in actor.access().assignments_of(actor.user().id) {
            let ScopeRef::Org(o) = a.scope else { continue };
            if a.expires_at.is_some_and(|e| e <= now)
                || orgs.contains(&o)
                || !actor.can("licenses.view", a.scope)
            {
                continue;
            }
            orgs.push(o);
            if orgs.len() == MAX_NOTICE_ORGS {
                break;
            }
        }
        let mut notices = Vec::new();
        for o in orgs {
            // Usage first: the organization's name is read only where a notice is shown.
            let usage = match self.store.licenses(o, now).await {
                Ok(u) => u,
                Err(crate::error::StoreError::NotFound(_)) => continue, // deleted meanwhile
                Err(e) => return Err(e.into()),
            };
            let due: Vec<_> = [
                (SeatKind::Application, usage.application),
                (SeatKind::BackOffice, usage.back_office),
            ]
            .into_iter()
            .filter_map(|(seats, u)| {
                let limit = u.limit?;
                let level = seat_warning_level(u.used, limit);
                (level > 0).then_some((seats, u.used, limit, level))
            })
            .collect();
            if due.is_empty() {
                continue;
            }
            let Some(org) = self.store.get_org(o).await? else {
                continue; // deleted meanwhile
            };
            for (seats, used, limit, level) in due {
                let text = self
                    .render_notification(
                        NotificationKey::LicenseSeatsLow,
                        language,
                        &serde_json::json!({
                            "org": org.name,
                            "seats": seats,
                            "used": used,
                            "limit": limit,
                        }),
                    )
                    .await?;
                notices.push(LicenseNotice {
                    org_id: o,
                    org_name: org.name.clone(),
                    seats,
                    used,
                    limit,
                    level,
                    text,
                });
            }
        }
        Ok(notices)
    }

    /// Changes limits (`licenses.manage`, a platform permission); a limit below what is in
    /// use is refused (L3).
    pub async fn set_licenses(
        &self,
        scope: &OrgScope,
        patch: LicensePatch,
    ) -> Result<LicenseUsage, ServiceError> {
        scope.require("licenses.manage")?;
        Ok(self
            .store
            .set_licenses(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                patch,
            )
            .await
            .inspect(|_| self.seats_written())?)
    }
}
