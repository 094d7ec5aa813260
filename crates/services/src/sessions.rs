//! Login and logout (sessions in the database; throttled per account and per address).

use crate::Services;
use crate::auth::{Credential, Principal, RequestMeta, random_token, sha256_hex};
use crate::error::ServiceError;
use crate::records::{AuditCtx, AuditDraft, LoginThrottleKeys, SessionRecord, UserRecord};
use portico_domain::Email;
use portico_domain::ids::{SessionId, UserId};
use portico_domain::security::SecurityPolicy;
use portico_domain::user::UserStatus;
use serde_json::json;

/// A new session: the token goes to the cookie once; only its hash is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: UserRecord,
    pub max_age_secs: i64,
}

pub(crate) fn login_key(login: &str) -> String {
    let t = login.trim();
    if t.contains('@') {
        Email::key_of(t).unwrap_or_else(|| t.to_lowercase())
    } else {
        portico_domain::Username::parse(t)
            .map(|u| u.key())
            .unwrap_or_else(|_| t.to_lowercase())
    }
}

impl Services {
    /// Logs in by username or email. Every refusal is the same `BadCredentials`, whether the
    /// user is unknown, the password wrong, the account blocked or locked out.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        meta: RequestMeta,
    ) -> Result<NewSession, ServiceError> {
        self.login_with_code(login, password, None, meta).await
    }

    /// A login with the second-factor code sent along (programs that know the account has
    /// one). Without a code, an account with a second factor answers `MfaRequired` with a
    /// challenge for [`Services::login_second_factor`].
    pub async fn login_with_code(
        &self,
        login: &str,
        password: &str,
        code: Option<&str>,
        meta: RequestMeta,
    ) -> Result<NewSession, ServiceError> {
        let now = self.now();
        let key = login_key(login);
        let cfg = &self.config;
        // Count the attempt before checking it, so parallel attempts cannot slip past the limit.
        let account_key = format!("acct:{key}");
        let address_key = meta.ip.map(|ip| format!("ip:{ip}"));
        let found = self.store.find_login(&key).await?;
        // S6: the account's lockout rules are its policy's (an unknown account: the
        // platform's, the same as for anyone without a home organization).
        let access = self.access().await?;
        let policy = match &found {
            Some((u, _)) => self.policy_in(&access, u),
            None => self.platform_policy_in(&access),
        };
        drop(access);
        let (account_attempts, ip_attempts) = if policy.lockout_window_secs == cfg.login_window_secs
        {
            let mut keys = vec![account_key.clone()];
            keys.extend(address_key.clone());
            let counts = self
                .store
                .throttle_hit(&keys, now, cfg.login_window_secs)
                .await?;
            (
                counts.first().copied().unwrap_or(0),
                counts.get(1).copied().unwrap_or(0),
            )
        } else {
            let account = self
                .store
                .throttle_hit(
                    std::slice::from_ref(&account_key),
                    now,
                    policy.lockout_window_secs,
                )
                .await?;
            let ip = match &address_key {
                Some(k) => self
                    .store
                    .throttle_hit(std::slice::from_ref(k), now, cfg.login_window_secs)
                    .await?
                    .first()
                    .copied()
                    .unwrap_or(0),
                None => 0,
            };
            (account.first().copied().unwrap_or(0), ip)
        };
        let ctx = self.system_ctx(&meta);
        if account_attempts > policy.lockout_max_failures
            || ip_attempts > cfg.login_max_failures_per_ip
        {
            let mut d = AuditDraft::new("login.throttled").changes(json!({
                "account_attempts": account_attempts, "address_attempts": ip_attempts
            }));
            if let Some((u, _)) = &found {
                d = d.subject(u.id).target("user", u.id);
            }
            self.store.append_audit(&ctx, d).await?;
            return Err(ServiceError::BadCredentials);
        }
        let (user, hash) = match found {
            Some((u, h)) => (Some(u), h),
            None => (None, None),
        };
        let password_ok = self.verify_password(password, hash).await;
        let user = match user {
            Some(u) if password_ok && u.status == UserStatus::Active => u,
            other => {
                let mut d = AuditDraft::new("login.failed");
                if let Some(u) = &other {
                    let reason = if !password_ok {
                        "password"
                    } else {
                        u.status.as_str()
                    };
                    d = d
                        .subject(u.id)
                        .target("user", u.id)
                        .changes(json!({ "reason": reason }));
                } else {
                    d = d.changes(json!({ "reason": "unknown-user" }));
                }
                self.store.append_audit(&ctx, d).await?;
                return Err(ServiceError::BadCredentials);
            }
        };
        // U9: the right password from the wrong address is refused (and said so: the password
        // was right, so nothing leaks that the attempt did not already prove).
        if let Err(e) = crate::auth::check_address(&user, None, &meta) {
            let d = AuditDraft::new("login.address_refused")
                .subject(user.id)
                .target("user", user.id);
            self.store.append_audit(&ctx, d).await?;
            return Err(e);
        }
        let settle = LoginThrottleKeys {
            account: account_key,
            address: address_key,
            second_factor: mfa_key(user.id),
        };
        if let Some(mfa) = self.confirmed_mfa(user.id).await? {
            match code {
                Some(c) if !c.trim().is_empty() => {
                    self.second_factor_or_fail(&user, &policy, &mfa, c, &meta)
                        .await?;
                }
                _ => {
                    let challenge = self.issue_challenge(&user, &meta).await?;
                    return Err(ServiceError::MfaRequired { challenge });
                }
            }
        }
        self.open_session(user, &policy, &meta, settle).await
    }

    /// Checks a login's code; wrong or replayed codes count against the account like wrong
    /// passwords, so the six digits cannot be guessed in bulk.
    async fn second_factor_or_fail(
        &self,
        user: &UserRecord,
        policy: &SecurityPolicy,
        mfa: &crate::records::MfaRecord,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<(), ServiceError> {
        let key = mfa_key(user.id);
        let n = self
            .store
            .throttle_hit(
                std::slice::from_ref(&key),
                self.now(),
                policy.lockout_window_secs,
            )
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        let max = policy.lockout_max_failures;
        let ok = n <= max && self.check_code(user.id, mfa, code).await?;
        if !ok {
            let d = AuditDraft::new("login.failed")
                .subject(user.id)
                .target("user", user.id)
                .changes(json!({ "reason": if n > max { "second-factor-throttled" } else { "second-factor" } }));
            self.store.append_audit(&self.system_ctx(meta), d).await?;
            return Err(ServiceError::Invalid(portico_domain::ValidationError::new(
                "code",
                "the code is not right (or was already used): enter the current code from your authenticator app",
            )));
        }
        Ok(())
    }

    /// The second step of a login: the challenge from `MfaRequired` and a code. The
    /// challenge works once and for five minutes.
    pub async fn login_second_factor(
        &self,
        challenge: &str,
        code: &str,
        meta: RequestMeta,
    ) -> Result<NewSession, ServiceError> {
        let hash = sha256_hex(challenge);
        let rec = self
            .store
            .credential_token(&hash)
            .await?
            .filter(|r| {
                r.purpose == portico_domain::credential::TokenPurpose::MfaChallenge
                    && r.used_at.is_none()
                    && r.expires_at > self.now()
            })
            .ok_or(ServiceError::Unauthenticated)?;
        let user = rec.user;
        if user.status != UserStatus::Active {
            return Err(ServiceError::BadCredentials);
        }
        // The second factor was removed meanwhile: start again from the password.
        let mfa = self
            .confirmed_mfa(user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let policy = self.policy_for(&user).await?;
        self.second_factor_or_fail(&user, &policy, &mfa, code, &meta)
            .await?;
        let ctx = AuditCtx {
            actor: Some(user.id),
            ..self.system_ctx(&meta)
        };
        // One use: a second request with the same challenge finds it used.
        self.store
            .redeem_token(
                &ctx,
                &hash,
                portico_domain::credential::TokenPurpose::MfaChallenge,
                None,
            )
            .await
            .map_err(|e| match e {
                crate::error::StoreError::Conflict { .. } => ServiceError::Unauthenticated,
                e => e.into(),
            })?;
        let settle = LoginThrottleKeys {
            account: format!("acct:{}", login_key(&user.username)),
            address: meta.ip.map(|ip| format!("ip:{ip}")),
            second_factor: mfa_key(user.id),
        };
        self.open_session(user, &policy, &meta, settle).await
    }

    /// S6: the session keeps the lifetime and idle timeout of `policy`, the account's.
    async fn open_session(
        &self,
        user: UserRecord,
        policy: &SecurityPolicy,
        meta: &RequestMeta,
        settle: LoginThrottleKeys,
    ) -> Result<NewSession, ServiceError> {
        let now = self.now();
        let ctx = self.system_ctx(meta);
        let token = random_token(32);
        let csrf_token = random_token(32);
        let session = SessionRecord {
            id: SessionId::generate(),
            token_hash: sha256_hex(&token),
            user_id: user.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now.plus_secs(policy.session_lifetime_secs),
            ip: meta.ip.map(|i| i.to_string()),
            user_agent: meta.user_agent.clone(),
            impersonator_id: None,
            impersonation_reason: None,
            idle_secs: Some(policy.session_idle_secs),
        };
        let ctx = AuditCtx {
            actor: Some(user.id),
            ..ctx
        };
        self.store
            .record_login(&ctx, user.id, session, settle)
            .await?;
        Ok(NewSession {
            token,
            csrf_token,
            user,
            max_age_secs: policy.session_lifetime_secs,
        })
    }

    /// Ends the caller's session on the server.
    pub async fn logout(&self, principal: &Principal) -> Result<(), ServiceError> {
        if let Credential::Session(s) = &principal.credential {
            self.store
                .delete_session(&principal.audit_ctx(self), &s.token_hash)
                .await?;
        }
        Ok(())
    }
}

/// The throttle counter of an account's second step.
fn mfa_key(user: UserId) -> String {
    format!("mfa:{user}")
}
