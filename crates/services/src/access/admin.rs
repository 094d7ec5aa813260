//! Administrators (S1), the super admin's transfer (P7) and copy user (U7).

use super::guard::check_gain_for;
use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{NewUser, ScopeRef, UserRecord};
use crate::users::for_viewer;
use portico_domain::access::PermissionSet;
use portico_domain::ids::UserId;
use portico_domain::search::user_document;
use portico_domain::user::UserStatus;
use portico_domain::{Email, PersonName, Username};

#[derive(Debug, Clone, Default)]
pub struct CopyUserInput {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// U7: data filters are copied only when asked.
    pub copy_filters: bool,
}

impl Services {
    /// S1: the people with platform roles (and the super admin).
    pub async fn list_administrators(
        &self,
        actor: &BackOffice,
    ) -> Result<Vec<UserRecord>, ServiceError> {
        actor.require("administrators.view", ScopeRef::Platform)?;
        let access = actor.access();
        let mut ids: Vec<UserId> = access
            .users_with_access()
            .filter(|u| {
                access
                    .assignments_of(*u)
                    .iter()
                    .any(|a| a.scope == ScopeRef::Platform)
            })
            .collect();
        if let Some(sa) = access.super_admin()
            && !ids.contains(&sa)
        {
            ids.push(sa);
        }
        let mut out = Vec::new();
        for id in ids {
            if let Some(u) = self.store.get_user(id).await? {
                out.push(for_viewer(actor, u));
            }
        }
        out.sort_by(|a, b| {
            b.is_super_admin
                .cmp(&a.is_super_admin)
                .then(a.username.cmp(&b.username))
        });
        Ok(out)
    }

    /// P7: only the super admin hands the status to another active platform administrator;
    /// the former super admin keeps their roles and stays an administrator.
    pub async fn transfer_super_admin(
        &self,
        actor: &BackOffice,
        to: UserId,
    ) -> Result<UserRecord, ServiceError> {
        if !actor.is_super_admin() {
            return Err(ServiceError::Forbidden(
                "only the super admin can transfer the super admin status".into(),
            ));
        }
        let target = self.visible_user(actor, to).await?;
        if target.id == actor.user().id {
            return Err(ServiceError::conflict(
                "already-super-admin",
                "you are the super admin already",
            ));
        }
        self.store
            .transfer_super_admin(
                &actor.principal().audit_ctx(self),
                actor.user().id,
                target.id,
            )
            .await?;
        // The caller is no longer the super admin: the new one's login details are hidden
        // from them too (P7).
        let mut user = self
            .store
            .get_user(target.id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        user.last_login_at = None;
        Ok(user)
    }

    /// U7: a new person with the source's memberships, roles, personal grants and denials,
    /// and (when asked) data filters. Everything copied must be within what the caller holds
    /// where it applies (P6), and the caller must be able to add members where the copy will
    /// belong. A caller narrowed by data filters must copy the filters (P5 + P6, see below),
    /// and what the copy gets at the platform must stay within the caller's reach with the
    /// filters the copy will carry (`check_gain_for`).
    pub async fn copy_user(
        &self,
        actor: &BackOffice,
        source: UserId,
        input: CopyUserInput,
    ) -> Result<UserRecord, ServiceError> {
        let src = self.visible_user(actor, source).await?;
        if src.is_super_admin && !actor.is_super_admin() {
            return Err(ServiceError::Forbidden(
                "nobody but the super admin may copy the super admin".into(),
            ));
        }
        let username = Username::parse(&input.username)?;
        let email = Email::parse(&input.email)?;
        let first = PersonName::parse("first_name", &input.first_name)?;
        let last = PersonName::parse("last_name", &input.last_name)?;
        let access = actor.access();
        // A caller narrowed by data filters must copy them. Refused rather than copied
        // silently: U7 copies filters "when asked", and the caller asked for a copy without
        // them — a different person from the one they would get; the refusal says what to do
        // and changes nothing. Copying them is not enough on its own either (the source may
        // carry none, or looser ones), which `check_gain_for` below decides.
        if !input.copy_filters
            && !actor.is_super_admin()
            && !access.filter_list(actor.user().id).is_empty()
        {
            return Err(ServiceError::Forbidden(
                "you are narrowed by data filters: a copy you make must keep the source's data \
                 filters (copy_filters) — without them it could reach beyond you"
                    .into(),
            ));
        }
        let copy_filters: &[portico_domain::access::DataFilter] = if input.copy_filters {
            access.filter_list(src.id)
        } else {
            &[]
        };
        // Where the copy will belong.
        for m in self.store.user_memberships(src.id).await? {
            let scope = ScopeRef::Org(m.org.id);
            if !actor.sees_org(m.org.id) {
                return Err(ServiceError::Forbidden(
                    "the source user belongs to an organization outside your reach".into(),
                ));
            }
            actor.require("members.add", scope)?;
        }
        if src.home_org_id.is_none() {
            actor.require("users.edit", ScopeRef::Platform)?;
        }
        // What the copy will hold (P6): each role and grant at its scope.
        for a in access.assignments_of(src.id) {
            actor.require("role_assignments.manage", a.scope)?;
            check_gain_for(
                actor,
                copy_filters,
                a.scope,
                &access.role_set(a.role_id).unwrap_or_default(),
            )?;
        }
        for o in access.overrides_of(src.id) {
            actor.require("permissions.grant", o.scope)?;
            if o.effect == crate::records::OverrideEffect::Grant {
                let set: PermissionSet =
                    access.catalog.index_of(&o.permission).into_iter().collect();
                check_gain_for(actor, copy_filters, o.scope, &set)?;
            }
        }
        let new = NewUser {
            id: UserId::generate(),
            username_key: username.key(),
            search_document: user_document(
                username.as_str(),
                first.as_str(),
                last.as_str(),
                email.as_str(),
            ),
            username: username.as_str().to_string(),
            email: email.as_str().to_string(),
            email_key: email.key().to_string(),
            first_name: first.into_string(),
            last_name: last.into_string(),
            description: src.description.clone(),
            status: UserStatus::Invited,
            password_hash: None,
            is_super_admin: false,
            is_platform_admin: false,
            ip_allowlist: src.ip_allowlist.clone(),
            language: src.language.clone(),
        };
        Ok(self
            .store
            .copy_user(
                &actor.principal().audit_ctx(self),
                src.id,
                new,
                input.copy_filters,
            )
            .await
            .inspect(|_| self.seats_written())?)
    }
}
