//! API keys (S5, first part): shown once, stored hashed, revocable, last-used time.

use crate::Services;
use crate::access::guard::check_gain;
use crate::auth::{BackOffice, random_token, sha256_hex};
use crate::error::ServiceError;
use crate::records::{ApiKeyRecord, ScopeRef};
use portico_domain::IpAllowlist;
use portico_domain::access::PermissionSet;
use portico_domain::ids::{ApiKeyId, OrgId, UserId};
use portico_domain::{Timestamp, ValidationError};

pub const TOKEN_PREFIX: &str = "ptk_";

/// `ptk_<26-char key id>_<64 hex secret>` → (id, secret).
pub fn split_token(token: &str) -> Option<(ApiKeyId, &str)> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = ApiKeyId::parse(&format!("key_{id}")).ok()?;
    Some((id, secret))
}

pub struct CreatedKey {
    pub record: ApiKeyRecord,
    /// The whole key: shown once, never stored.
    pub token: String,
}

fn parse_key_name(name: &str) -> Result<String, ValidationError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(ValidationError::new(
            "name",
            "a key name has 1 to 100 characters",
        ));
    }
    Ok(n.to_string())
}

/// S5: what a key may do, at most its creator's permissions.
#[derive(Debug, Clone, Default)]
pub struct KeyInput {
    pub name: String,
    pub expires_at: Option<Timestamp>,
    /// `None`: everything the owner holds (now and later).
    pub permissions: Option<Vec<String>>,
    /// Limit the key to this organization and its sub-organizations.
    pub org_id: Option<OrgId>,
    pub ip_allowlist: Option<String>,
    /// Another owner than the caller: only the operator on the server's command line (who acts
    /// as the super admin) makes keys for others; the key is then within the owner's
    /// permissions.
    pub owner: Option<UserId>,
}

impl Services {
    /// Keys act as their owner, within the key's limits; a caller creates keys for
    /// themselves. The key's permissions must be inside the caller's at the key's scope (P6),
    /// and nobody creates keys while impersonating (P9).
    pub async fn create_api_key(
        &self,
        actor: &BackOffice,
        input: KeyInput,
    ) -> Result<CreatedKey, ServiceError> {
        actor.forbid_while_impersonating("creating an API key")?;
        let name = parse_key_name(&input.name)?;
        let scope = match input.org_id {
            Some(o) if !actor.sees_org(o) => return Err(ServiceError::NotFound("organization")),
            Some(o) => ScopeRef::Org(o),
            None => ScopeRef::Platform,
        };
        let owner = match input.owner {
            Some(o) if o != actor.user().id => {
                if !matches!(actor.principal().credential, crate::auth::Credential::Cli) {
                    return Err(ServiceError::Forbidden(
                        "you can create API keys for yourself only".into(),
                    ));
                }
                self.store
                    .get_user(o)
                    .await?
                    .ok_or(ServiceError::NotFound("user"))?
                    .id
            }
            _ => {
                actor.require("api_keys.manage", scope)?;
                actor.user().id
            }
        };
        let access = actor.access();
        let permissions = match &input.permissions {
            None => None,
            Some(keys) => {
                let mut set = PermissionSet::EMPTY;
                for k in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
                    set.insert(access.catalog.index_of(k).map_err(|_| {
                        ValidationError::new("permissions", format!("unknown permission {k:?}"))
                    })?);
                }
                if owner == actor.user().id {
                    check_gain(actor, scope, &set)?;
                } else {
                    let theirs = access.effective(owner, scope, actor.now());
                    let missing = set.difference(&theirs);
                    if !missing.is_empty() {
                        return Err(ServiceError::Forbidden(format!(
                            "the key's owner does not hold {}",
                            access.catalog.keys(&missing).join(", ")
                        )));
                    }
                }
                Some(
                    access
                        .catalog
                        .keys(&set)
                        .into_iter()
                        .map(str::to_string)
                        .collect::<Vec<_>>(),
                )
            }
        };
        let ip_allowlist = input
            .ip_allowlist
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| IpAllowlist::parse(s).map(|l| l.to_string()))
            .transpose()?;
        let now = self.now();
        if input.expires_at.is_some_and(|e| e <= now) {
            return Err(
                ValidationError::new("expires_at", "the expiry must be in the future").into(),
            );
        }
        let id = ApiKeyId::generate();
        let secret = random_token(32);
        let token = format!(
            "{TOKEN_PREFIX}{}_{secret}",
            id.to_string().trim_start_matches("key_")
        );
        let record = ApiKeyRecord {
            id,
            user_id: owner,
            name,
            secret_hash: sha256_hex(&secret),
            created_at: now,
            expires_at: input.expires_at,
            last_used_at: None,
            revoked_at: None,
            permissions,
            org_id: input.org_id,
            ip_allowlist,
        };
        self.store
            .create_api_key(&actor.principal().audit_ctx(self), record.clone())
            .await?;
        Ok(CreatedKey { record, token })
    }

    /// One's own keys; everyone's with `api_keys.manage` on the platform.
    pub async fn list_api_keys(
        &self,
        actor: &BackOffice,
    ) -> Result<Vec<ApiKeyRecord>, ServiceError> {
        let all = actor.can("api_keys.manage", ScopeRef::Platform)
            && actor.can("administrators.view", ScopeRef::Platform);
        let scope = (!all).then_some(actor.user().id);
        Ok(self.store.list_api_keys(scope).await?)
    }

    /// One's own key, or (with `api_keys.manage` on the platform and P6 over its owner)
    /// anyone's. Others' keys outside that are "not found".
    pub async fn revoke_api_key(
        &self,
        actor: &BackOffice,
        id: ApiKeyId,
    ) -> Result<ApiKeyRecord, ServiceError> {
        actor.forbid_while_impersonating("revoking an API key")?;
        let (key, owner) = self
            .store
            .get_api_key(id)
            .await?
            .ok_or(ServiceError::NotFound("API key"))?;
        if key.user_id != actor.user().id {
            if !actor.can("api_keys.manage", ScopeRef::Platform) {
                return Err(ServiceError::NotFound("API key"));
            }
            self.visible_user(actor, owner.id)
                .await
                .map_err(|_| ServiceError::NotFound("API key"))?;
            if !actor.is_super_admin() {
                self.check_dominates(actor, owner.id, "revoke the keys of")?;
            }
        }
        Ok(self
            .store
            .revoke_api_key(&actor.principal().audit_ctx(self), id)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split() {
        let id = ApiKeyId::generate();
        let body = id.to_string();
        let t = format!("ptk_{}_{}", body.trim_start_matches("key_"), "a".repeat(64));
        let (got, secret) = split_token(&t).unwrap();
        assert_eq!(got, id);
        assert_eq!(secret.len(), 64);
        assert!(split_token("ptk_x_y").is_none());
        assert!(split_token(&t[..t.len() - 1]).is_none());
    }
}
