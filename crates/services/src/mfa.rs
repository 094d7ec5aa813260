//! U8 + S6: one's own TOTP second factor (enrol, confirm with a first code, remove with the
//! password unless the policy requires it) and the code check of a login's second step.

use crate::Services;
use crate::auth::Principal;
use crate::error::ServiceError;
use crate::records::{MfaRecord, UserRecord};
use portico_domain::ids::UserId;
use portico_domain::totp::{TotpRefusal, TotpSecret};

/// A TOTP enrolment in progress: shown once, confirmed with a first code.
#[derive(Debug, Clone)]
pub struct MfaEnrolment {
    pub secret: String,
    pub uri: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MfaStatus {
    pub enabled: bool,
    pub pending: bool,
    /// S6: the policy requires a second factor of this user.
    pub required: bool,
}

impl Services {
    pub async fn mfa_status(&self, me: &Principal) -> Result<MfaStatus, ServiceError> {
        let m = self.store.mfa(me.user.id).await?;
        Ok(MfaStatus {
            enabled: m.as_ref().is_some_and(|m| m.confirmed_at.is_some()),
            pending: m.as_ref().is_some_and(|m| m.confirmed_at.is_none()),
            required: self.mfa_required_for(&me.user).await?,
        })
    }

    /// S6: the policy requires a second factor of back-office users.
    async fn mfa_required_for(&self, user: &UserRecord) -> Result<bool, ServiceError> {
        let access = self.access().await?;
        Ok(self.policy_in(&access, user).mfa_required
            && access.is_back_office(user.id, self.now().millis()))
    }

    /// Starts TOTP enrolment: a new secret, shown once as text and as an `otpauth://` URI.
    pub async fn mfa_begin(&self, me: &Principal) -> Result<MfaEnrolment, ServiceError> {
        forbid_impersonated(me)?;
        let secret = TotpSecret::generate();
        self.store
            .mfa_begin(&me.audit_ctx(self), me.user.id, secret.encoded())
            .await?;
        Ok(MfaEnrolment {
            secret: secret.encoded(),
            uri: secret.uri(&self.config.platform_name, &me.user.email),
        })
    }

    /// The enrolment waiting for its first code (to show again after a wrong code).
    pub async fn mfa_pending(&self, me: &Principal) -> Result<Option<MfaEnrolment>, ServiceError> {
        let Some(m) = self
            .store
            .mfa(me.user.id)
            .await?
            .filter(|m| m.confirmed_at.is_none())
        else {
            return Ok(None);
        };
        let secret = TotpSecret::parse(&m.secret)?;
        Ok(Some(MfaEnrolment {
            secret: secret.encoded(),
            uri: secret.uri(&self.config.platform_name, &me.user.email),
        }))
    }

    /// Confirms enrolment with a first code from the app.
    pub async fn mfa_confirm(&self, me: &Principal, code: &str) -> Result<(), ServiceError> {
        forbid_impersonated(me)?;
        let m = self
            .store
            .mfa(me.user.id)
            .await?
            .filter(|m| m.confirmed_at.is_none())
            .ok_or_else(|| {
                ServiceError::conflict("mfa-not-pending", "start the second-factor set-up first")
            })?;
        let secret = TotpSecret::parse(&m.secret)?;
        let step = secret
            .verify(code, self.now().millis() / 1000, None)
            .map_err(code_refusal)?;
        let email = self
            .mfa_email(
                &me.user,
                portico_domain::outbox::EmailTemplateKey::MfaEnabled,
            )
            .await?;
        self.store
            .mfa_confirm(&me.audit_ctx(self), me.user.id, step, Some(email))
            .await?;
        Ok(())
    }

    /// Removes one's own second factor; needs the current password. Refused while the policy
    /// requires one.
    pub async fn mfa_disable(&self, me: &Principal, password: &str) -> Result<(), ServiceError> {
        forbid_impersonated(me)?;
        if self.mfa_required_for(&me.user).await? {
            return Err(ServiceError::conflict(
                "mfa-required-by-policy",
                "the security policy requires a second factor for back-office users",
            ));
        }
        let hash = self
            .store
            .find_login(&crate::sessions::login_key(&me.user.username))
            .await?
            .and_then(|(_, h)| h);
        if !self.verify_password(password, hash).await {
            return Err(portico_domain::ValidationError::new(
                "password",
                "the password is not right",
            )
            .into());
        }
        let email = self
            .mfa_email(
                &me.user,
                portico_domain::outbox::EmailTemplateKey::MfaDisabled,
            )
            .await?;
        self.store
            .mfa_remove(&me.audit_ctx(self), me.user.id, Some(email))
            .await?;
        Ok(())
    }

    /// A login's second step: the code must match and must not have been used (a replay is
    /// refused even inside its 30-second window).
    pub(crate) async fn check_code(
        &self,
        user: UserId,
        m: &MfaRecord,
        code: &str,
    ) -> Result<bool, ServiceError> {
        let secret = TotpSecret::parse(&m.secret)?;
        match secret.verify(code, self.now().millis() / 1000, m.last_step) {
            Ok(step) => Ok(self.store.mfa_accept_step(user, step).await?),
            Err(_) => Ok(false),
        }
    }
}

fn forbid_impersonated(me: &Principal) -> Result<(), ServiceError> {
    if me.impersonator.is_some() {
        return Err(ServiceError::Forbidden(
            "a second factor cannot be changed while impersonating".into(),
        ));
    }
    Ok(())
}

fn code_refusal(r: TotpRefusal) -> ServiceError {
    let m = match r {
        TotpRefusal::Wrong => {
            "the code is not right: check the time on your phone and try the next code"
        }
        TotpRefusal::Replayed => "this code was already used: wait for the next one",
    };
    portico_domain::ValidationError::new("code", m).into()
}
