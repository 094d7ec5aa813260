//! `portico init`: the one super admin (P7).

use crate::Services;
use crate::auth::RequestMeta;
use crate::error::ServiceError;
use crate::records::{NewUser, UserRecord};
use portico_domain::ids::UserId;
use portico_domain::password::generate_password;
use portico_domain::search::user_document;
use portico_domain::user::UserStatus;
use portico_domain::{Email, Username};

pub struct InitOutcome {
    pub user: UserRecord,
    /// Set when Portico generated the password: shown once.
    pub generated_password: Option<String>,
}

impl Services {
    pub async fn init_super_admin(
        &self,
        username: &str,
        email: &str,
        password: Option<&str>,
        preset: &str,
    ) -> Result<InitOutcome, ServiceError> {
        let username = Username::parse(username)?;
        let email = Email::parse(email)?;
        let (roles, admin_role) = self.preset_records(preset)?;
        if self.store.super_admin().await?.is_some() {
            return Err(ServiceError::conflict(
                "super-admin-exists",
                "this installation already has its super admin",
            ));
        }
        let (password, generated) = match password {
            Some(p) => (p.to_string(), None),
            None => {
                let p = generate_password();
                (p.clone(), Some(p))
            }
        };
        self.platform_password_policy().await?.check(
            &password,
            false,
            &[username.as_str(), email.as_str()],
        )?;
        let hash = self.hash_password(&password).await?;
        let new = NewUser {
            id: UserId::generate(),
            username_key: username.key(),
            search_document: user_document(username.as_str(), "", "", email.as_str()),
            username: username.as_str().to_string(),
            email: email.as_str().to_string(),
            email_key: email.key().to_string(),
            first_name: String::new(),
            last_name: String::new(),
            description: "Super admin".into(),
            status: UserStatus::Active,
            password_hash: Some(hash),
            is_super_admin: true,
            is_platform_admin: true,
            ip_allowlist: Some("*".into()),
            language: None,
        };
        let ctx = self.system_ctx(&RequestMeta::cli());
        // The super admin and the preset's roles in one transaction; the super admin holds the
        // preset's top platform role, so that after a transfer (P7) they stay an administrator.
        let user = self
            .store
            .init_installation(&ctx, new, roles, admin_role)
            .await?;
        Ok(InitOutcome {
            user,
            generated_password: generated,
        })
    }

    /// Creates an active back-office user with a password (CLI `user create`, tests, demo).
    /// Platform staff without a home organization (the dev server, tests, the CLI): an
    /// active user with a password, an allowlist of `*`, and optionally a platform role.
    pub async fn create_platform_user(
        &self,
        actor: &crate::auth::BackOffice,
        username: &str,
        email: &str,
        password: &str,
        role_key: Option<&str>,
    ) -> Result<UserRecord, ServiceError> {
        actor.require("users.edit", crate::records::ScopeRef::Platform)?;
        let id = UserId::generate();
        let role = match role_key {
            Some(k) => {
                let access = actor.access();
                let role = access
                    .role_by_key(k)
                    .ok_or(ServiceError::NotFound("role"))?;
                // The assignment's own checks, before anything is written, so a refusal leaves
                // no user behind (assign_role repeats them).
                actor.require(
                    "role_assignments.manage",
                    crate::records::ScopeRef::Platform,
                )?;
                crate::access::guard::check_gain_to(
                    actor,
                    id,
                    crate::records::ScopeRef::Platform,
                    &access.role_set(role.id).unwrap_or_default(),
                )?;
                Some(role.id)
            }
            None => None,
        };
        let username = Username::parse(username)?;
        let email = Email::parse(email)?;
        self.platform_password_policy().await?.check(
            password,
            false,
            &[username.as_str(), email.as_str()],
        )?;
        let hash = self.hash_password(password).await?;
        let new = NewUser {
            id,
            username_key: username.key(),
            search_document: user_document(username.as_str(), "", "", email.as_str()),
            username: username.as_str().to_string(),
            email: email.as_str().to_string(),
            email_key: email.key().to_string(),
            first_name: String::new(),
            last_name: String::new(),
            description: String::new(),
            status: UserStatus::Active,
            password_hash: Some(hash),
            is_super_admin: false,
            is_platform_admin: false,
            ip_allowlist: Some("*".into()),
            language: None,
        };
        let user = self
            .store
            .create_user(&actor.principal().audit_ctx(self), new)
            .await?;
        if let Some(role) = role {
            self.assign_role(
                actor,
                user.id,
                crate::access::grants::AssignInput {
                    role_id: role,
                    scope: crate::records::ScopeRef::Platform,
                    expires_at: None,
                },
            )
            .await?;
        }
        Ok(user)
    }
}
