//! Users (U1, U5, U6, U11): global search, details, block/unblock, permanent deletion.

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::*;
use portico_domain::PersonName;
use portico_domain::access::UserAction;
use portico_domain::ids::UserId;
use portico_domain::page::{Page, PageRequest};
use portico_domain::search::query_terms;
use portico_domain::template::Language;
use portico_domain::user::UserStatus;

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserDetail {
    pub user: UserRecord,
    pub memberships: Vec<MembershipRecord>,
}

/// What may change on a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub description: Option<String>,
    /// Their emails' language; blank goes back to the platform's default.
    pub language: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub description: Option<String>,
    /// U9: `Some(None)` clears the allowlist.
    pub ip_allowlist: Option<Option<String>>,
    /// C2/C5: `Some(None)` goes back to the platform's default language.
    pub language: Option<Option<String>>,
}

/// P7: whether `viewer` may see `user`'s login details (when they last signed in).
/// Everyone's but the super admin's, which only the super admin themself sees.
pub fn sees_login_details(viewer: &BackOffice, user: &UserRecord) -> bool {
    !user.is_super_admin || (viewer.is_super_admin() && viewer.user().id == user.id)
}

/// `user` as `viewer` may read it: the super admin's login details are blanked for anyone
/// else (P7). Every use case that hands a user record to a caller should pass it through here.
pub fn for_viewer(viewer: &BackOffice, mut user: UserRecord) -> UserRecord {
    if !sees_login_details(viewer, &user) {
        user.last_login_at = None;
    }
    user
}

impl Services {
    /// U11: one box finds users by name, email or username (word prefixes), among the users
    /// the caller may see (P5).
    pub async fn search_users(
        &self,
        actor: &BackOffice,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<UserRecord>, ServiceError> {
        let terms = q.and_then(query_terms);
        if q.is_some_and(|q| !q.trim().is_empty()) && terms.is_none() {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        }
        let reach = UserReach {
            orgs: actor.reach("users.view"),
            hide_administrators: !actor.can("administrators.view", ScopeRef::Platform),
        };
        if reach.orgs == Reach::Orgs(Vec::new()) {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        }
        Ok(self
            .store
            .search_users(terms.as_deref(), &page, &reach)
            .await?
            .map(|u| for_viewer(actor, u)))
    }

    pub async fn user_detail(
        &self,
        actor: &BackOffice,
        id: UserId,
    ) -> Result<UserDetail, ServiceError> {
        let user = for_viewer(actor, self.visible_user(actor, id).await?);
        let memberships = self
            .store
            .user_memberships(id)
            .await?
            .into_iter()
            .filter(|m| actor.sees_org(m.org.id))
            .collect();
        Ok(UserDetail { user, memberships })
    }

    /// The person, checked for the act: visible (else not found), not oneself for
    /// destructive acts, and P6/P7 through [`Services::check_act_on`].
    async fn target_user(
        &self,
        actor: &BackOffice,
        id: UserId,
        action: UserAction,
    ) -> Result<UserRecord, ServiceError> {
        let user = self.visible_user(actor, id).await?;
        if user.id == actor.user().id && action != UserAction::Edit {
            return Err(ServiceError::Forbidden(format!(
                "you cannot {} yourself",
                crate::access::guard::action_verb(action)
            )));
        }
        if user.id != actor.user().id {
            self.check_act_on(actor, &user, action).await?;
        }
        Ok(user)
    }

    /// U6: a blocked user cannot log in; their sessions and keys stop working at once.
    pub async fn block_user(
        &self,
        actor: &BackOffice,
        id: UserId,
    ) -> Result<UserRecord, ServiceError> {
        self.target_user(actor, id, UserAction::Block).await?;
        let user = self
            .store
            .set_user_status(&actor.principal().audit_ctx(self), id, UserStatus::Blocked)
            .await?;
        Ok(for_viewer(actor, user))
    }

    /// Unblocking restores login only (sessions and keys stay ended).
    pub async fn unblock_user(
        &self,
        actor: &BackOffice,
        id: UserId,
    ) -> Result<UserRecord, ServiceError> {
        let user = self.target_user(actor, id, UserAction::Block).await?;
        if user.status != UserStatus::Blocked {
            return Ok(for_viewer(actor, user));
        }
        let user = self
            .store
            .set_user_status(&actor.principal().audit_ctx(self), id, UserStatus::Active)
            .await?;
        Ok(for_viewer(actor, user))
    }

    /// U5: permanent deletion; personal data erased, the audit log keeps the id.
    pub async fn delete_user(&self, actor: &BackOffice, id: UserId) -> Result<(), ServiceError> {
        self.target_user(actor, id, UserAction::Delete).await?;
        Ok(self
            .store
            .delete_user(&actor.principal().audit_ctx(self), id)
            .await?)
    }

    pub async fn update_user(
        &self,
        actor: &BackOffice,
        id: UserId,
        expected_version: Option<i64>,
        update: UserUpdate,
    ) -> Result<UserRecord, ServiceError> {
        self.target_user(actor, id, UserAction::Edit).await?;
        if id == actor.user().id && !actor.is_super_admin() {
            actor.require("users.edit", crate::access::guard::act_scope(actor.user()))?;
        }
        let patch = UserPatch {
            first_name: update
                .first_name
                .map(|n| PersonName::parse("first_name", &n).map(PersonName::into_string))
                .transpose()?,
            last_name: update
                .last_name
                .map(|n| PersonName::parse("last_name", &n).map(PersonName::into_string))
                .transpose()?,
            description: update
                .description
                .map(|d| {
                    let d = d.trim().to_string();
                    if d.chars().count() > 1000 {
                        Err(portico_domain::ValidationError::new(
                            "description",
                            "at most 1000 characters",
                        ))
                    } else {
                        Ok(d)
                    }
                })
                .transpose()?,
            ip_allowlist: None,
            language: update
                .language
                .map(|l| Language::optional(Some(&l)).map(|l| l.map(|l| l.as_str().to_string())))
                .transpose()?,
        };
        let user = self
            .store
            .update_user(
                &actor.principal().audit_ctx(self),
                id,
                expected_version,
                patch,
            )
            .await?;
        Ok(for_viewer(actor, user))
    }
}
