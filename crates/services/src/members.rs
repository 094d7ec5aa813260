//! Memberships (U2–U4): adding people by email, listing, removing.

use crate::Services;
use crate::auth::OrgScope;
use crate::error::ServiceError;
use crate::records::*;
use crate::users::for_viewer;
use portico_domain::ids::UserId;
use portico_domain::page::{Page, PageRequest};
use portico_domain::search::{query_terms, user_document};
use portico_domain::template::Language;
use portico_domain::user::UserStatus;
use portico_domain::{Email, PersonName, Username};

#[derive(Debug, Clone, Default)]
pub struct AddMemberInput {
    pub email: String,
    /// For a new user; suggested from the email when absent.
    pub username: Option<String>,
    pub first_name: String,
    pub last_name: String,
    /// A3: applications to give the membership; `None` = the organization's auto-assigned
    /// ones (an explicit list needs `applications.manage`).
    pub applications: Option<Vec<portico_domain::ids::AppId>>,
    /// U8: how a new user gets their first credential (ignored for a known email).
    pub credentials: portico_domain::credential::CredentialChoice,
    /// A new person's language (their emails' language; a malformed code is refused).
    pub language: Option<String>,
}

/// What adding a member produced.
#[derive(Debug, Clone)]
pub struct AddedMember {
    pub user: UserRecord,
    pub outcome: AddOutcome,
    /// U8: the generated password, to show once; never stored or retrievable again.
    pub generated_password: Option<String>,
    /// A welcome email was queued (or held in the outbox) for the new user.
    pub welcome_email: bool,
}

impl Services {
    /// U3. An unknown email creates a user internal to this organization (status `invited`,
    /// no password yet); a known email adds an external membership, leaving names untouched.
    pub async fn add_member(
        &self,
        scope: &OrgScope,
        input: AddMemberInput,
    ) -> Result<AddedMember, ServiceError> {
        scope.require("members.add")?;
        if input.applications.as_ref().is_some_and(|a| !a.is_empty()) {
            scope.require("applications.manage")?;
        }
        let email = Email::parse(&input.email)?;
        let first = PersonName::parse("first_name", &input.first_name)?;
        let last = PersonName::parse("last_name", &input.last_name)?;
        let explicit = input
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(Username::parse)
            .transpose()?;
        let username = explicit
            .clone()
            .unwrap_or_else(|| Username::suggest_from_email(&email));
        let fallbacks = if explicit.is_some() {
            vec![]
        } else {
            (1..=20)
                .map(|n| {
                    let u = username.with_suffix(n);
                    (u.as_str().to_string(), u.key())
                })
                .collect()
        };
        let language = Language::optional(input.language.as_deref())?;
        let mut user = NewUser {
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
            description: String::new(),
            status: UserStatus::Invited,
            password_hash: None,
            is_super_admin: false,
            is_platform_admin: false,
            ip_allowlist: None,
            language: language.as_ref().map(|l| l.as_str().to_string()),
        };
        use portico_domain::credential::CredentialChoice;
        let mut generated = None;
        let mut welcome = None;
        match input.credentials {
            CredentialChoice::GeneratedPassword => {
                let (pw, hash) = self.generated_credentials().await?;
                user.password_hash = Some(hash);
                user.status = UserStatus::Active;
                generated = Some(pw);
            }
            CredentialChoice::WelcomeEmail => {
                let names: Vec<&str> = fallbacks.iter().map(|(n, _)| n.as_str()).collect();
                welcome = Some(self.welcome_rows(&user, &names).await?);
            }
            CredentialChoice::None => {}
        }
        let (user, outcome) = self
            .store
            .add_member(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                NewMember {
                    user,
                    username_fallbacks: fallbacks,
                    welcome: welcome.clone(),
                    applications: input.applications,
                },
            )
            .await?;
        let created = outcome == AddOutcome::Created;
        // A welcome email, or a license warning (C5) for the seat the member took.
        self.email_queued();
        Ok(AddedMember {
            user: for_viewer(scope.actor(), user),
            outcome,
            generated_password: generated.filter(|_| created),
            welcome_email: created && welcome.is_some(),
        })
    }

    pub async fn list_members(
        &self,
        scope: &OrgScope,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<MemberRow>, ServiceError> {
        scope.require("members.view")?;
        let terms = q.and_then(query_terms);
        let mut page = self
            .store
            .list_members(scope.org_id(), terms.as_deref(), &page)
            .await?;
        let ids: Vec<UserId> = page.items.iter().map(|r| r.user.id).collect();
        let mut apps = self
            .apps_by_user(scope.actor(), Some(scope.org_id()), &ids)
            .await?;
        for row in &mut page.items {
            row.user = for_viewer(scope.actor(), row.user.clone());
            row.applications = apps.remove(&row.user.id).unwrap_or_default();
        }
        Ok(page)
    }

    pub async fn member_removal_preview(
        &self,
        scope: &OrgScope,
        user: UserId,
    ) -> Result<RemovalPreview, ServiceError> {
        scope.require("members.remove")?;
        self.visible_user(scope.actor(), user).await?;
        let mut preview = self.store.removal_preview(scope.org_id(), user).await?;
        preview.user = for_viewer(scope.actor(), preview.user);
        Ok(preview)
    }

    /// U4. Removing an internal member deletes the person from the whole system, so the caller
    /// must have seen the preview and confirmed.
    pub async fn remove_member(
        &self,
        scope: &OrgScope,
        user: UserId,
        confirmed: bool,
    ) -> Result<RemovalPreview, ServiceError> {
        scope.require("members.remove")?;
        self.visible_user(scope.actor(), user).await?;
        let preview = self.store.removal_preview(scope.org_id(), user).await?;
        if preview.deletes_user && preview.user.id != scope.actor().user().id {
            // U4: removing an internal member deletes the person: an act on them (P6, P7).
            self.check_act_on(
                scope.actor(),
                &preview.user,
                portico_domain::access::UserAction::Delete,
            )
            .await?;
        } else if !preview.deletes_user && !scope.actor().is_super_admin() {
            // Removing an external membership takes this organization's roles' reach away
            // from them here: the caller must hold what they hold here.
            let a = scope.actor();
            let missing = a
                .access()
                .effective(user, scope.scope(), a.now())
                .difference(&a.effective(scope.scope()));
            if !missing.is_empty() && user != a.user().id {
                return Err(ServiceError::Forbidden(format!(
                    "you cannot remove someone who holds permissions you lack here ({})",
                    a.access().catalog.keys(&missing).join(", ")
                )));
            }
        }
        if preview.user.is_super_admin && preview.deletes_user {
            return Err(ServiceError::Forbidden(
                "the super admin cannot be deleted".into(),
            ));
        }
        if preview.user.id == scope.actor().user().id && preview.deletes_user {
            return Err(ServiceError::Forbidden("you cannot delete yourself".into()));
        }
        if preview.deletes_user && !confirmed {
            let others: Vec<String> = preview
                .other_organizations
                .iter()
                .map(|o| o.name.clone())
                .collect();
            let also = if others.is_empty() {
                String::new()
            } else {
                format!(" and from {}", others.join(", "))
            };
            return Err(ServiceError::conflict(
                "confirmation-required",
                format!(
                    "{} is an internal member: removing them deletes the user from the whole system{also}. Repeat with confirm=true to proceed.",
                    preview.user.display_name()
                ),
            ));
        }
        Ok(self
            .store
            .remove_member(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                user,
            )
            .await?)
    }
}
