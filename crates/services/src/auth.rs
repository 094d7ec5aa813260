//! Who is calling, and what they may do. Handlers never check permissions by hand: they ask
//! for a capability ([`BackOffice`], [`OrgScope`]) that can only be built after the check.

use crate::Services;
use crate::error::ServiceError;
use crate::records::{ApiKeyRecord, AuditCtx, OrgRecord, SessionRecord, UserRecord};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use portico_domain::ids::OrgId;
use portico_domain::user::UserStatus;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Where a request came from: the client address (already resolved through trusted proxies)
/// and the user agent.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    pub fn cli() -> Self {
        Self {
            ip: None,
            user_agent: Some("portico-cli".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Credential {
    Session(SessionRecord),
    ApiKey(ApiKeyRecord),
    /// The operator at the server's console (`portico` CLI with database access).
    Cli,
}

/// An authenticated caller. Proof of identity, not of any permission.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserRecord,
    pub credential: Credential,
    pub meta: RequestMeta,
}

impl Principal {
    pub fn audit_ctx(&self, services: &Services) -> AuditCtx {
        AuditCtx {
            at: services.now(),
            actor: Some(self.user.id),
            impersonator: None,
            ip: self.meta.ip,
            user_agent: self.meta.user_agent.clone(),
        }
    }
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session(s) => Some(&s.csrf_token),
            _ => None,
        }
    }
}

/// Proof that the caller may use the back office. Only [`Services::back_office`] builds one.
///
/// Until the access-control engine lands, the rule is: the super admin and users flagged as
/// platform administrators. The engine will fill this same type with effective permissions.
#[derive(Debug, Clone)]
pub struct BackOffice {
    principal: Principal,
}

impl BackOffice {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
    pub fn user(&self) -> &UserRecord {
        &self.principal.user
    }
    pub fn is_super_admin(&self) -> bool {
        self.principal.user.is_super_admin
    }
}

/// Proof that the caller may act inside one organization, and that it exists.
/// Tenant-owned operations start from this, so they cannot reach another organization.
#[derive(Debug, Clone)]
pub struct OrgScope {
    pub(crate) actor: BackOffice,
    pub(crate) org: OrgRecord,
}

impl OrgScope {
    pub fn org(&self) -> &OrgRecord {
        &self.org
    }
    pub fn org_id(&self) -> OrgId {
        self.org.id
    }
    pub fn actor(&self) -> &BackOffice {
        &self.actor
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl Services {
    /// The capability check of the back office.
    pub fn back_office(&self, principal: Principal) -> Result<BackOffice, ServiceError> {
        let u = &principal.user;
        if u.status != UserStatus::Active {
            return Err(ServiceError::Unauthenticated);
        }
        if !(u.is_super_admin || u.is_platform_admin) {
            return Err(ServiceError::Forbidden(
                "your account has no access to the back office".into(),
            ));
        }
        Ok(BackOffice { principal })
    }

    /// An organization the caller may act in. Not visible → not found (ids do not leak).
    pub async fn org_scope(
        &self,
        actor: &BackOffice,
        org: OrgId,
    ) -> Result<OrgScope, ServiceError> {
        let org = self
            .store
            .get_org(org)
            .await?
            .ok_or(ServiceError::NotFound("organization"))?;
        self.scope_for(actor, org)
    }

    /// The one place an [`OrgScope`] is made: every lookup path ends here, so the
    /// visibility rule (the access-control engine's, once it lands) cannot be skipped.
    pub(crate) fn scope_for(
        &self,
        actor: &BackOffice,
        org: OrgRecord,
    ) -> Result<OrgScope, ServiceError> {
        Ok(OrgScope {
            actor: actor.clone(),
            org,
        })
    }

    /// Resolves a session cookie's token. Expired or idle sessions end here.
    pub async fn authenticate_session(
        &self,
        token: &str,
        meta: RequestMeta,
    ) -> Result<Principal, ServiceError> {
        let hash = sha256_hex(token);
        let (session, user) = self
            .store
            .get_session(&hash)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let now = self.now();
        if now >= session.expires_at
            || now.millis() - session.last_seen_at.millis() > self.config.session_idle_secs * 1000
        {
            self.store
                .delete_session(&self.system_ctx(&meta), &hash)
                .await?;
            return Err(ServiceError::Unauthenticated);
        }
        if user.status != UserStatus::Active {
            return Err(ServiceError::Unauthenticated);
        }
        // Writing on every request would serialise readers; a minute's precision is enough.
        if now.millis() - session.last_seen_at.millis() > 60_000 {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Principal {
            user,
            credential: Credential::Session(session),
            meta,
        })
    }

    /// Resolves `Authorization: Bearer ptk_…`.
    pub async fn authenticate_api_key(
        &self,
        token: &str,
        meta: RequestMeta,
    ) -> Result<Principal, ServiceError> {
        let (id, secret) =
            crate::api_keys::split_token(token).ok_or(ServiceError::Unauthenticated)?;
        let (key, user) = self
            .store
            .get_api_key(id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let now = self.now();
        let expected = key.secret_hash.as_bytes();
        let given = sha256_hex(secret);
        if !constant_time_eq(expected, given.as_bytes())
            || key.revoked_at.is_some()
            || key.expires_at.is_some_and(|e| now >= e)
            || user.status != UserStatus::Active
        {
            return Err(ServiceError::Unauthenticated);
        }
        if key
            .last_used_at
            .is_none_or(|t| now.millis() - t.millis() > 60_000)
        {
            self.store.touch_api_key(key.id, now).await?;
        }
        Ok(Principal {
            user,
            credential: Credential::ApiKey(key),
            meta,
        })
    }

    /// The operator on the server's command line acts as the super admin.
    pub async fn cli_principal(&self) -> Result<Principal, ServiceError> {
        let user = self.store.super_admin().await?.ok_or_else(|| {
            ServiceError::conflict(
                "not-initialized",
                "no super admin yet: run `portico init` first",
            )
        })?;
        Ok(Principal {
            user,
            credential: Credential::Cli,
            meta: RequestMeta::cli(),
        })
    }

    pub(crate) fn system_ctx(&self, meta: &RequestMeta) -> AuditCtx {
        AuditCtx {
            at: self.now(),
            actor: None,
            impersonator: None,
            ip: meta.ip,
            user_agent: meta.user_agent.clone(),
        }
    }

    fn argon2(&self) -> Argon2<'static> {
        let params = Params::new(
            self.config.argon2_memory_kib,
            self.config.argon2_iterations,
            1,
            None,
        )
        .expect("valid argon2 parameters");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Argon2id, off the async threads.
    pub async fn hash_password(&self, password: &str) -> Result<String, ServiceError> {
        let argon = self.argon2();
        let pw = password.to_owned();
        let _slot = self.hash_slots.acquire().await;
        tokio::task::spawn_blocking(move || {
            let salt = new_salt();
            argon
                .hash_password(pw.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
    }

    /// Verifies against a stored hash; with `None`, verifies against a dummy hash so that an
    /// unknown user costs the same time as a wrong password.
    pub async fn verify_password(&self, password: &str, hash: Option<String>) -> bool {
        let argon = self.argon2();
        let pw = password.to_owned();
        let dummy = hash.is_none();
        let hash = match hash {
            Some(h) => h,
            None => self
                .dummy_hash
                .get_or_init(|| {
                    let salt = new_salt();
                    argon
                        .hash_password(b"portico-dummy-password", &salt)
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone(),
        };
        let _slot = self.hash_slots.acquire().await;
        tokio::task::spawn_blocking(move || {
            let ok = PasswordHash::new(&hash)
                .map(|parsed| argon.verify_password(pw.as_bytes(), &parsed).is_ok())
                .unwrap_or(false);
            ok && !dummy
        })
        .await
        .unwrap_or(false)
    }
}

fn new_salt() -> SaltString {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    SaltString::encode_b64(&b).expect("16 bytes make a valid salt")
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
