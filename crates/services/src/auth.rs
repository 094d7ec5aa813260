//! Who is calling, and what they may do. Handlers never check permissions by hand: they ask
//! for a capability ([`BackOffice`], [`OrgScope`]) that can only be built after the check, and
//! ask it for the permission the act needs.

use crate::Services;
use crate::access::AccessSnapshot;
use crate::error::ServiceError;
use crate::records::{
    ApiKeyRecord, AuditCtx, OrgRecord, Reach, ScopeRef, SessionRecord, UserRecord,
};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use portico_domain::access::{PermIx, PermissionSet};
use portico_domain::ids::OrgId;
use portico_domain::user::UserStatus;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;

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
    /// P9: the administrator acting as `user` during an impersonation.
    pub impersonator: Option<UserRecord>,
}

impl Principal {
    pub fn audit_ctx(&self, services: &Services) -> AuditCtx {
        AuditCtx {
            at: services.now(),
            actor: Some(self.user.id),
            impersonator: self.impersonator.as_ref().map(|u| u.id),
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

/// An API key's limits (S5): a subset of its owner's permissions, an organization subtree.
#[derive(Debug, Clone)]
struct KeyLimit {
    permissions: Option<PermissionSet>,
    org: Option<OrgId>,
}

/// Proof that the caller is a back-office user, carrying what they may do: the access snapshot
/// of this request. Only [`Services::back_office`] builds one. Every use case asks it
/// ([`BackOffice::require`], [`BackOffice::reach`]) before acting.
#[derive(Debug, Clone)]
pub struct BackOffice {
    principal: Principal,
    access: Arc<AccessSnapshot>,
    now: i64,
    limit: Option<KeyLimit>,
}

impl BackOffice {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
    pub fn user(&self) -> &UserRecord {
        &self.principal.user
    }
    /// The super admin in person (never true during an impersonation).
    pub fn is_super_admin(&self) -> bool {
        self.principal.user.is_super_admin && self.principal.impersonator.is_none()
    }
    pub fn impersonator(&self) -> Option<&UserRecord> {
        self.principal.impersonator.as_ref()
    }
    pub fn access(&self) -> &AccessSnapshot {
        &self.access
    }
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Everything the caller holds at `scope` (P4, P5), narrowed by an API key's limits.
    pub fn effective(&self, scope: ScopeRef) -> PermissionSet {
        let set = self.access.effective(self.user().id, scope, self.now);
        self.limited(set, scope)
    }

    /// As [`Self::effective`], with the relationship roles that apply to a related user (P8).
    pub fn effective_related(
        &self,
        scope: ScopeRef,
        relation: Option<portico_domain::access::Relation>,
    ) -> PermissionSet {
        let set = self
            .access
            .effective_related(self.user().id, scope, relation, self.now);
        self.limited(set, scope)
    }

    fn limited(&self, mut set: PermissionSet, scope: ScopeRef) -> PermissionSet {
        if let Some(limit) = &self.limit {
            if let Some(p) = &limit.permissions {
                set = set.intersection(p);
            }
            if let Some(root) = limit.org {
                let inside = self
                    .access
                    .scope_org(scope)
                    .is_some_and(|o| self.access.is_within(o, root));
                if !inside {
                    return PermissionSet::EMPTY;
                }
            }
        }
        set
    }

    fn ix(&self, perm: &str) -> PermIx {
        self.access
            .catalog
            .index_of(perm)
            .unwrap_or_else(|_| panic!("permission {perm} is not in the catalogue"))
    }

    pub fn can(&self, perm: &str, scope: ScopeRef) -> bool {
        self.effective(scope).contains(self.ix(perm))
    }

    /// The permission check: `Forbidden` naming the permission and the scope.
    pub fn require(&self, perm: &str, scope: ScopeRef) -> Result<(), ServiceError> {
        if self.can(perm, scope) {
            Ok(())
        } else {
            let at = match scope {
                ScopeRef::Platform => "on the platform".to_string(),
                ScopeRef::Org(_) => "in this organization".to_string(),
                ScopeRef::Project(_) => "in this project".to_string(),
            };
            Err(ServiceError::Forbidden(format!(
                "you need the permission {perm} {at}"
            )))
        }
    }

    /// The organizations where the caller holds `perm` (lists, search, reports, exports).
    pub fn reach(&self, perm: &str) -> Reach {
        let ix = self.ix(perm);
        if let Some(limit) = &self.limit
            && limit.permissions.as_ref().is_some_and(|p| !p.contains(ix))
        {
            return Reach::Orgs(Vec::new());
        }
        let reach = self.access.reach(self.user().id, ix, self.now);
        match self.limit.as_ref().and_then(|l| l.org) {
            None => reach,
            Some(root) => {
                let within = |o: &OrgId| self.access.is_within(*o, root);
                match reach {
                    Reach::All => Reach::Orgs(
                        (0..self.access.org_count() as u32)
                            .filter_map(|k| self.access.org_id(portico_domain::access::OrgKey(k)))
                            .filter(within)
                            .collect(),
                    ),
                    Reach::Orgs(v) => Reach::Orgs(v.into_iter().filter(within).collect()),
                }
            }
        }
    }

    /// Is the organization within the caller's reach at all (any permission there)?
    pub fn sees_org(&self, org: OrgId) -> bool {
        !self.effective(ScopeRef::Org(org)).is_empty()
    }

    /// Is the scope within the caller's reach: the platform always, an organization when
    /// [`Self::sees_org`], a project when its organization is seen (an unknown project: no).
    pub fn sees_scope(&self, scope: ScopeRef) -> bool {
        match scope {
            ScopeRef::Platform => true,
            ScopeRef::Org(o) => self.sees_org(o),
            ScopeRef::Project(p) => self.access.project_org(p).is_some_and(|o| self.sees_org(o)),
        }
    }

    /// Credential changes (API keys, passwords, second factors) are never made while
    /// impersonating (P9).
    pub fn forbid_while_impersonating(&self, what: &str) -> Result<(), ServiceError> {
        match self.impersonator() {
            Some(_) => Err(ServiceError::Forbidden(format!(
                "{what} is not possible while impersonating"
            ))),
            None => Ok(()),
        }
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
    pub fn scope(&self) -> ScopeRef {
        ScopeRef::Org(self.org.id)
    }
    /// The caller's permission check inside this organization.
    pub fn require(&self, perm: &str) -> Result<(), ServiceError> {
        self.actor.require(perm, self.scope())
    }
    pub fn can(&self, perm: &str) -> bool {
        self.actor.can(perm, self.scope())
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
    /// The capability check of the back office: an active user who holds something (an
    /// active role assignment or a grant), or the super admin.
    pub async fn back_office(&self, principal: Principal) -> Result<BackOffice, ServiceError> {
        let u = &principal.user;
        if u.status != UserStatus::Active {
            return Err(ServiceError::Unauthenticated);
        }
        let access = self.access().await?;
        let now = self.now().millis();
        if !access.is_back_office(u.id, now) {
            return Err(ServiceError::Forbidden(
                "your account has no access to the back office".into(),
            ));
        }
        // S6: with the policy on, a back-office user's own session may only set up a second
        // factor until they have one (keys are programs; an impersonation was started by
        // someone who passed this check).
        if self.policy_in(&access, u).mfa_required
            && principal.impersonator.is_none()
            && matches!(principal.credential, Credential::Session(_))
            && !self.has_second_factor(u.id).await?
        {
            return Err(ServiceError::MfaEnrollmentRequired);
        }
        let limit = match &principal.credential {
            Credential::ApiKey(k) if k.permissions.is_some() || k.org_id.is_some() => {
                Some(KeyLimit {
                    permissions: k.permissions.as_ref().map(|p| {
                        p.iter()
                            .filter_map(|k| access.catalog.index_of(k).ok())
                            .collect()
                    }),
                    org: k.org_id,
                })
            }
            _ => None,
        };
        Ok(BackOffice {
            principal,
            access,
            now,
            limit,
        })
    }

    /// An organization the caller may act in. Not visible → not found (ids do not leak).
    pub async fn org_scope(
        &self,
        actor: &BackOffice,
        org: OrgId,
    ) -> Result<OrgScope, ServiceError> {
        if !actor.sees_org(org) {
            return Err(ServiceError::NotFound("organization"));
        }
        let org = self
            .store
            .get_org(org)
            .await?
            .ok_or(ServiceError::NotFound("organization"))?;
        self.scope_for(actor, org)
    }

    /// The one place an [`OrgScope`] is made: every lookup path ends here, so the
    /// visibility rule cannot be skipped. Outside the caller's reach is "not found".
    pub(crate) fn scope_for(
        &self,
        actor: &BackOffice,
        org: OrgRecord,
    ) -> Result<OrgScope, ServiceError> {
        if !actor.sees_org(org.id) {
            return Err(ServiceError::NotFound("organization"));
        }
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
            || now.millis() - session.last_seen_at.millis()
                > session.idle_secs.unwrap_or(self.config.session_idle_secs) * 1000
        {
            self.store
                .delete_session(&self.system_ctx(&meta), &hash)
                .await?;
            return Err(ServiceError::Unauthenticated);
        }
        if user.status != UserStatus::Active || session.impersonator_id.is_some() {
            // An impersonation session is only valid next to its administrator's own session
            // (see `authenticate_impersonation`).
            return Err(ServiceError::Unauthenticated);
        }
        check_address(&user, None, &meta)?;
        // Writing on every request would serialise readers; a minute's precision is enough.
        if now.millis() - session.last_seen_at.millis() > 60_000 {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Principal {
            user,
            credential: Credential::Session(session),
            meta,
            impersonator: None,
        })
    }

    /// P9: the impersonation session `token` started by `admin` (already authenticated by
    /// their own session). Expired, ended or someone else's → unauthenticated, and the caller
    /// falls back to the administrator's own session.
    pub async fn authenticate_impersonation(
        &self,
        admin: &Principal,
        token: &str,
    ) -> Result<Principal, ServiceError> {
        let hash = sha256_hex(token);
        let (session, user) = self
            .store
            .get_session(&hash)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if session.impersonator_id != Some(admin.user.id)
            || !matches!(admin.credential, Credential::Session(_))
        {
            return Err(ServiceError::Unauthenticated);
        }
        if self.now() >= session.expires_at || user.status != UserStatus::Active {
            self.store
                .end_impersonation(&admin.audit_ctx(self), &hash)
                .await?;
            return Err(ServiceError::Unauthenticated);
        }
        Ok(Principal {
            user,
            credential: Credential::Session(session),
            meta: admin.meta.clone(),
            impersonator: Some(admin.user.clone()),
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
        check_address(&user, key.ip_allowlist.as_deref(), &meta)?;
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
            impersonator: None,
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
            impersonator: None,
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

/// U9: the user's IP allowlist (and an API key's own), checked on every authenticated
/// request. The command line (no address) is not restricted. A list that no longer parses
/// lets nothing through.
pub(crate) fn check_address(
    user: &UserRecord,
    key_allowlist: Option<&str>,
    meta: &RequestMeta,
) -> Result<(), ServiceError> {
    let Some(ip) = meta.ip else {
        return Ok(());
    };
    for list in [user.ip_allowlist.as_deref(), key_allowlist]
        .into_iter()
        .flatten()
    {
        let ok = portico_domain::IpAllowlist::parse(list).is_ok_and(|l| l.allows(ip));
        if !ok {
            return Err(ServiceError::AddressNotAllowed);
        }
    }
    Ok(())
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
