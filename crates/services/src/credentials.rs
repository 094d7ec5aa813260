//! U8: first credentials and password resets (the TOTP second factor is in `mfa.rs`).
//!
//! A member gets a welcome email with a single-use, expiring set-password link, or a strong
//! generated password shown once. Passwords are reset by the user (an emailed link) or by an
//! administrator (P6: only over someone they dominate). Links carry a random token; only its
//! SHA-256 is stored, and redeeming it is one conditional update, so a link works once.

use crate::Services;
use crate::auth::{BackOffice, RequestMeta, random_token, sha256_hex};
use crate::email::RenderedEmail;
use crate::email::records::{DeferredEmail, OutboxInsert};
use crate::error::ServiceError;
pub use crate::mfa::{MfaEnrolment, MfaStatus};
use crate::records::{
    AuditDraft, MfaRecord, NewUser, TokenInsert, TokenRecord, UserRecord, WelcomeRows,
};
use portico_domain::access::UserAction;
use portico_domain::credential::{TokenPurpose, TokenRefusal};
use portico_domain::ids::UserId;
use portico_domain::password::generate_password;
use portico_domain::user::UserStatus;
use portico_domain::{Email, EmailTemplateKey};
use serde_json::json;

/// What the holder of a link sees before choosing a password.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub purpose: TokenPurpose,
    pub display_name: String,
    pub username: String,
    /// The minimum length the policy asks of this user.
    pub min_length: usize,
}

/// How an administrator resets someone's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMode {
    /// Email a reset link (the person chooses the password).
    Email,
    /// A generated password, shown once to the administrator.
    Generate,
}

impl Services {
    fn token_for(
        &self,
        user: UserId,
        purpose: TokenPurpose,
        ttl_secs: i64,
    ) -> (String, TokenInsert) {
        let token = random_token(32);
        let now = self.now();
        let row = TokenInsert {
            token_hash: sha256_hex(&token),
            user_id: user,
            purpose,
            created_at: now,
            expires_at: now.plus_secs(ttl_secs),
        };
        (token, row)
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!(
            "{}/{path}/{token}",
            self.config.public_url.trim_end_matches('/')
        )
    }

    fn email_to(
        &self,
        to: &str,
        user: Option<UserId>,
        rendered: RenderedEmail,
    ) -> Result<OutboxInsert, ServiceError> {
        let to = Email::parse(to)?;
        Ok(self.outbox_message(&to, user, rendered))
    }

    /// The welcome link and email for a user about to be created (stored with them), in
    /// their language.
    pub(crate) async fn welcome_rows(
        &self,
        user: &NewUser,
        fallback_usernames: &[&str],
    ) -> Result<WelcomeRows, ServiceError> {
        let overrides = self.email_overrides(EmailTemplateKey::Welcome).await?;
        self.welcome_rows_with(&overrides, user, fallback_usernames)
    }

    /// [`Services::welcome_rows`] with the welcome template's overrides already read.
    fn welcome_rows_with(
        &self,
        overrides: &[crate::templates::platform::PlatformOverride],
        user: &NewUser,
        fallback_usernames: &[&str],
    ) -> Result<WelcomeRows, ServiceError> {
        let (row, vars) = self.welcome_link(user);
        let email_naming = |username: &str| -> Result<OutboxInsert, ServiceError> {
            let rendered = self.render_email_with(
                overrides,
                EmailTemplateKey::Welcome,
                user.language.as_deref(),
                &vars(username),
            )?;
            self.email_to(&user.email, Some(user.id), rendered)
        };
        Ok(WelcomeRows {
            token: row,
            email: email_naming(&user.username)?,
            email_for_fallback: fallback_usernames
                .iter()
                .map(|n| Ok((n.to_string(), email_naming(n)?)))
                .collect::<Result<_, ServiceError>>()?,
        })
    }

    /// The welcome link and email for a user of a bulk import, whose username is settled:
    /// the email is queued as its template and variables and rendered when it is sent.
    pub(crate) fn welcome_rows_deferred(&self, user: &NewUser, to: &Email) -> WelcomeRows {
        let (row, vars) = self.welcome_link(user);
        let email = self.outbox_deferred(
            to,
            Some(user.id),
            DeferredEmail {
                template: EmailTemplateKey::Welcome,
                language: user.language.clone(),
                vars: vars(&user.username),
            },
        );
        WelcomeRows {
            token: row,
            email,
            email_for_fallback: Vec::new(),
        }
    }

    /// A new welcome token and the welcome template's variables for a given username.
    fn welcome_link(
        &self,
        user: &NewUser,
    ) -> (TokenInsert, impl Fn(&str) -> serde_json::Value + use<>) {
        let hours = self.config.welcome_link_hours;
        let (token, row) = self.token_for(user.id, TokenPurpose::Welcome, hours * 3600);
        let name = format!("{} {}", user.first_name, user.last_name)
            .trim()
            .to_string();
        let link = self.link("set-password", &token);
        let platform = self.config.platform_name.clone();
        let vars = move |username: &str| {
            json!({
                "name": name,
                "link": link,
                "expires_hours": hours,
                "platform": platform,
                "username": username,
            })
        };
        (row, vars)
    }

    /// A strong password for a new member, shown once (U8), and its hash.
    pub(crate) async fn generated_credentials(&self) -> Result<(String, String), ServiceError> {
        let pw = generate_password();
        let hash = self.hash_password(&pw).await?;
        Ok((pw, hash))
    }

    /// The user's second factor, once confirmed (a pending enrolment does not count).
    pub(crate) async fn confirmed_mfa(
        &self,
        user: UserId,
    ) -> Result<Option<MfaRecord>, ServiceError> {
        Ok(self
            .store
            .mfa(user)
            .await?
            .filter(|m| m.confirmed_at.is_some()))
    }

    pub(crate) async fn has_second_factor(&self, user: UserId) -> Result<bool, ServiceError> {
        Ok(self.confirmed_mfa(user).await?.is_some())
    }

    /// Whether someone the caller may see has a second factor (the "Reset sign-in" page).
    pub async fn second_factor_of(
        &self,
        actor: &BackOffice,
        user: UserId,
    ) -> Result<bool, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        self.has_second_factor(target.id).await
    }

    /// U8 + S6: the person's minimum password length.
    async fn min_length(&self, user: &UserRecord, has_mfa: bool) -> Result<usize, ServiceError> {
        let p = self.policy_for(user).await?;
        Ok(if has_mfa {
            p.password_min_length_with_mfa
        } else {
            p.password_min_length
        })
    }

    /// What a set-password or reset link stands for, or why it cannot be used.
    pub async fn link_view(&self, token: &str) -> Result<LinkView, ServiceError> {
        let rec = self.usable_link(&sha256_hex(token)).await?;
        let has_mfa = self.has_second_factor(rec.user.id).await?;
        Ok(LinkView {
            purpose: rec.purpose,
            display_name: rec.user.display_name(),
            username: rec.user.username.clone(),
            min_length: self.min_length(&rec.user, has_mfa).await?,
        })
    }

    /// A welcome or reset link that can still be used, or why not. (The store decides again
    /// when redeeming, so two requests racing with one link cannot both pass.)
    async fn usable_link(&self, hash: &str) -> Result<TokenRecord, ServiceError> {
        let rec = self
            .store
            .credential_token(hash)
            .await?
            .filter(|r| r.purpose != TokenPurpose::MfaChallenge)
            .ok_or_else(|| refusal(TokenRefusal::Unknown))?;
        if rec.used_at.is_some() {
            return Err(refusal(TokenRefusal::Used));
        }
        if rec.expires_at <= self.now() {
            return Err(refusal(TokenRefusal::Expired));
        }
        if rec.user.status == UserStatus::Blocked {
            return Err(refusal(TokenRefusal::Unknown));
        }
        Ok(rec)
    }

    /// Sets a password through a welcome or reset link: the policy applies (U8), the link
    /// works once, an invited user becomes active, and a reset ends every session.
    pub async fn set_password_with_link(
        &self,
        token: &str,
        password: &str,
        meta: RequestMeta,
    ) -> Result<UserRecord, ServiceError> {
        let hash = sha256_hex(token);
        let rec = self.usable_link(&hash).await?;
        let u = &rec.user;
        let has_mfa = self.has_second_factor(u.id).await?;
        self.policy_for(u).await?.password_policy().check(
            password,
            has_mfa,
            &[&u.username, &u.email, &u.first_name, &u.last_name],
        )?;
        let password_hash = self.hash_password(password).await?;
        let ctx = crate::records::AuditCtx {
            actor: Some(u.id),
            ..self.system_ctx(&meta)
        };
        Ok(self
            .store
            .redeem_token(&ctx, &hash, rec.purpose, Some(password_hash))
            .await?)
    }

    /// "Forgot password": emails a reset link when the login names an account that can log
    /// in. Always answers the same, so it does not tell who has an account; throttled per
    /// account and per address like logins.
    pub async fn request_password_reset(
        &self,
        login: &str,
        language: Option<&str>,
        meta: RequestMeta,
    ) -> Result<(), ServiceError> {
        let key = crate::sessions::login_key(login);
        let mut keys = vec![format!("reset:{key}")];
        keys.extend(meta.ip.map(|ip| format!("reset-ip:{ip}")));
        let counts = self
            .store
            .throttle_hit(&keys, self.now(), self.config.login_window_secs)
            .await?;
        let ctx = self.system_ctx(&meta);
        if counts.first().copied().unwrap_or(0) > 3
            || counts.get(1).copied().unwrap_or(0) > self.config.login_max_failures_per_ip
        {
            self.store
                .append_audit(&ctx, AuditDraft::new("password_reset.throttled"))
                .await?;
            return Ok(());
        }
        let Some((user, _)) = self.store.find_login(&key).await? else {
            return Ok(());
        };
        if user.status == UserStatus::Blocked {
            return Ok(());
        }
        self.send_reset_link(&ctx, &user, language, "password_reset.requested")
            .await
    }

    async fn send_reset_link(
        &self,
        ctx: &crate::records::AuditCtx,
        user: &UserRecord,
        language: Option<&str>,
        action: &'static str,
    ) -> Result<(), ServiceError> {
        let hours = self.config.reset_link_hours;
        let (token, row) = self.token_for(user.id, TokenPurpose::Reset, hours * 3600);
        let rendered = self
            .render_email(
                portico_domain::outbox::EmailTemplateKey::PasswordReset,
                // The person's own language first, then the one the request asked for.
                user.language.as_deref().or(language),
                &json!({
                    "name": user.display_name(),
                    "link": self.link("reset-password", &token),
                    "expires_hours": hours,
                    "platform": self.config.platform_name,
                }),
            )
            .await?;
        let email = self.email_to(&user.email, Some(user.id), rendered)?;
        self.store
            .issue_token(
                ctx,
                row,
                Some(email),
                Some(
                    AuditDraft::new(action)
                        .target("user", user.id)
                        .subject(user.id),
                ),
            )
            .await?;
        Ok(())
    }

    /// An administrator resets someone's password (U8) — P6: only a person the caller may act
    /// on (`users.reset_credentials` where they are, and holding all they hold). Answers the
    /// generated password, to be shown once, in `Generate` mode.
    pub async fn admin_reset_password(
        &self,
        actor: &BackOffice,
        user: UserId,
        mode: ResetMode,
        language: Option<&str>,
    ) -> Result<Option<String>, ServiceError> {
        actor.forbid_while_impersonating("resetting a password")?;
        let target = self.visible_user(actor, user).await?;
        if target.id != actor.user().id {
            self.check_act_on(actor, &target, UserAction::ResetCredentials)
                .await?;
        }
        let ctx = actor.principal().audit_ctx(self);
        match mode {
            ResetMode::Email => {
                self.send_reset_link(&ctx, &target, language, "password_reset.sent")
                    .await?;
                Ok(None)
            }
            ResetMode::Generate => {
                let (pw, hash) = self.generated_credentials().await?;
                self.store
                    .set_password(&ctx, target.id, hash, true, None)
                    .await?;
                Ok(Some(pw))
            }
        }
    }

    /// Removes someone's second factor (a lost phone) — same rule as a password reset.
    pub async fn admin_reset_mfa(
        &self,
        actor: &BackOffice,
        user: UserId,
    ) -> Result<bool, ServiceError> {
        actor.forbid_while_impersonating("removing a second factor")?;
        let target = self.visible_user(actor, user).await?;
        if target.id != actor.user().id {
            self.check_act_on(actor, &target, UserAction::ResetCredentials)
                .await?;
        }
        let email = self
            .mfa_email(
                &target,
                portico_domain::outbox::EmailTemplateKey::MfaDisabled,
            )
            .await?;
        Ok(self
            .store
            .mfa_remove(&actor.principal().audit_ctx(self), target.id, Some(email))
            .await?)
    }

    pub(crate) async fn mfa_email(
        &self,
        user: &UserRecord,
        key: portico_domain::outbox::EmailTemplateKey,
    ) -> Result<OutboxInsert, ServiceError> {
        let rendered = self
            .render_email(
                key,
                user.language.as_deref(),
                &json!({
                    "name": user.display_name(),
                    "platform": self.config.platform_name,
                    "when": self.now().to_rfc3339(),
                }),
            )
            .await?;
        self.email_to(&user.email, Some(user.id), rendered)
    }

    /// A short-lived challenge for a login that passed the password.
    pub(crate) async fn issue_challenge(
        &self,
        user: &UserRecord,
        meta: &RequestMeta,
    ) -> Result<String, ServiceError> {
        let (token, row) = self.token_for(user.id, TokenPurpose::MfaChallenge, 5 * 60);
        let ctx = crate::records::AuditCtx {
            actor: Some(user.id),
            ..self.system_ctx(meta)
        };
        self.store
            .issue_token(
                &ctx,
                row,
                None,
                Some(
                    AuditDraft::new("login.second_factor_asked")
                        .target("user", user.id)
                        .subject(user.id),
                ),
            )
            .await?;
        Ok(token)
    }
}

fn refusal(r: TokenRefusal) -> ServiceError {
    let kind = match r {
        TokenRefusal::Unknown => "link-invalid",
        TokenRefusal::Expired => "link-expired",
        TokenRefusal::Used => "link-used",
    };
    ServiceError::conflict(kind, r.message())
}
