//! Users (U1, U5, U6, U11): global search, details, block/unblock, permanent deletion.

use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::*;
use portico_domain::PersonName;
use portico_domain::ids::UserId;
use portico_domain::page::{Page, PageRequest};
use portico_domain::search::query_terms;
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
    /// Only the super admin may flag platform administrators.
    pub is_platform_admin: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub description: Option<String>,
    pub is_platform_admin: Option<bool>,
}

impl Services {
    /// U11: one box finds users by name, email or username (word prefixes).
    pub async fn search_users(
        &self,
        _actor: &BackOffice,
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
        Ok(self.store.search_users(terms.as_deref(), &page).await?)
    }

    pub async fn user_detail(
        &self,
        _actor: &BackOffice,
        id: UserId,
    ) -> Result<UserDetail, ServiceError> {
        let user = self
            .store
            .get_user(id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        let memberships = self.store.user_memberships(id).await?;
        Ok(UserDetail { user, memberships })
    }

    /// Checks shared by every action on another user: P7 protects the super admin, and
    /// nobody blocks or deletes themselves by accident.
    async fn target_user(
        &self,
        actor: &BackOffice,
        id: UserId,
        action: &str,
    ) -> Result<UserRecord, ServiceError> {
        let user = self
            .store
            .get_user(id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        if user.is_super_admin && actor.user().id != user.id {
            return Err(ServiceError::Forbidden(format!(
                "nobody may {action} the super admin"
            )));
        }
        if user.id == actor.user().id && action != "edit" {
            return Err(ServiceError::Forbidden(format!(
                "you cannot {action} yourself"
            )));
        }
        Ok(user)
    }

    /// U6: a blocked user cannot log in; their sessions and keys stop working at once.
    pub async fn block_user(
        &self,
        actor: &BackOffice,
        id: UserId,
    ) -> Result<UserRecord, ServiceError> {
        self.target_user(actor, id, "block").await?;
        Ok(self
            .store
            .set_user_status(&actor.principal().audit_ctx(self), id, UserStatus::Blocked)
            .await?)
    }

    /// Unblocking restores login only (sessions and keys stay ended).
    pub async fn unblock_user(
        &self,
        actor: &BackOffice,
        id: UserId,
    ) -> Result<UserRecord, ServiceError> {
        let user = self.target_user(actor, id, "unblock").await?;
        if user.status != UserStatus::Blocked {
            return Ok(user);
        }
        Ok(self
            .store
            .set_user_status(&actor.principal().audit_ctx(self), id, UserStatus::Active)
            .await?)
    }

    /// U5: permanent deletion; personal data erased, the audit log keeps the id.
    pub async fn delete_user(&self, actor: &BackOffice, id: UserId) -> Result<(), ServiceError> {
        self.target_user(actor, id, "delete").await?;
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
        let user = self.target_user(actor, id, "edit").await?;
        if update.is_platform_admin.is_some() && !actor.is_super_admin() {
            return Err(ServiceError::Forbidden(
                "only the super admin may change who is a platform administrator".into(),
            ));
        }
        if user.is_super_admin && update.is_platform_admin == Some(false) {
            return Err(ServiceError::Forbidden(
                "the super admin cannot be demoted".into(),
            ));
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
            is_platform_admin: update.is_platform_admin,
        };
        Ok(self
            .store
            .update_user(
                &actor.principal().audit_ctx(self),
                id,
                expected_version,
                patch,
            )
            .await?)
    }
}
