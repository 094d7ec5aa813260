//! P9: "log in as". Needs `users.impersonate` where the person lives and no escalation; never
//! the super admin; a reason; a time limit; both people in every audit entry made meanwhile;
//! no credential changes while it lasts.

use super::guard::check_gain;
use crate::Services;
use crate::auth::{BackOffice, Credential, Principal, random_token, sha256_hex};
use crate::error::ServiceError;
use crate::records::SessionRecord;
use portico_domain::access::UserAction;
use portico_domain::ids::{SessionId, UserId};
use portico_domain::{Timestamp, ValidationError};

/// An impersonation just started: the token goes in its own cookie, next to the
/// administrator's session (which is untouched and resumes when it ends).
pub struct Impersonation {
    pub token: String,
    pub csrf_token: String,
    pub target: crate::records::UserRecord,
    pub expires_at: Timestamp,
}

impl Services {
    pub async fn start_impersonation(
        &self,
        actor: &BackOffice,
        user: UserId,
        reason: &str,
        minutes: Option<i64>,
    ) -> Result<Impersonation, ServiceError> {
        let target = self.visible_user(actor, user).await?;
        if actor.impersonator().is_some() {
            return Err(ServiceError::Forbidden(
                "end the current impersonation first".into(),
            ));
        }
        let Credential::Session(own) = &actor.principal().credential else {
            return Err(ServiceError::Forbidden(
                "impersonation starts from a console session, not an API key".into(),
            ));
        };
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ValidationError::new(
                "reason",
                "say why you log in as this person (1 to 500 characters)",
            )
            .into());
        }
        let max = self.config.impersonation_max_minutes;
        let minutes = minutes.unwrap_or(max);
        if !(1..=max).contains(&minutes) {
            return Err(ValidationError::new(
                "minutes",
                format!("an impersonation lasts 1 to {max} minutes"),
            )
            .into());
        }
        self.check_act_on(actor, &target, UserAction::Impersonate)
            .await?;
        if target.status != portico_domain::UserStatus::Active {
            return Err(ServiceError::conflict(
                "user-not-active",
                "only active users can be impersonated",
            ));
        }
        // Acting as the target must not give the administrator anything they lack: P6 at
        // every scope the target holds something was checked above; the target's own
        // platform set is checked here too (a user with no home is acted on there).
        check_gain(
            actor,
            crate::records::ScopeRef::Platform,
            &actor
                .access()
                .effective(target.id, crate::records::ScopeRef::Platform, actor.now()),
        )?;
        let now = self.now();
        let expires_at = now.plus_secs(minutes * 60).min(own.expires_at);
        let token = random_token(32);
        let csrf_token = random_token(32);
        let session = SessionRecord {
            id: SessionId::generate(),
            token_hash: sha256_hex(&token),
            user_id: target.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at,
            ip: actor.principal().meta.ip.map(|i| i.to_string()),
            user_agent: actor.principal().meta.user_agent.clone(),
            impersonator_id: Some(actor.user().id),
            impersonation_reason: Some(reason.to_string()),
            idle_secs: None,
        };
        let mut ctx = actor.principal().audit_ctx(self);
        ctx.at = now;
        self.store
            .start_impersonation(&ctx, session, reason)
            .await?;
        Ok(Impersonation {
            token,
            csrf_token,
            target,
            expires_at,
        })
    }

    /// Ends the impersonation `principal` is in (a no-op for anyone else).
    pub async fn end_impersonation(&self, principal: &Principal) -> Result<(), ServiceError> {
        if let (Some(_), Credential::Session(s)) = (&principal.impersonator, &principal.credential)
        {
            self.store
                .end_impersonation(&principal.audit_ctx(self), &s.token_hash)
                .await?;
        }
        Ok(())
    }
}
