//! API keys (S5, first part): shown once, stored hashed, revocable, last-used time.

use crate::Services;
use crate::access::guard::check_gain;
use crate::auth::{BackOffice, Credential, random_token, sha256_hex};
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
    /// `None`: never, or, when an API key creates the key, that key's own expiry.
    pub expires_at: Option<Timestamp>,
    /// `None`: everything the owner holds (now and later), or, when an API key creates the
    /// key, within that key's permission limits.
    pub permissions: Option<Vec<String>>,
    /// Limit the key to this organization and its sub-organizations. `None`: no limit, or,
    /// when an API key creates the key, that key's organization limit.
    pub org_id: Option<OrgId>,
    /// `None`: no list of the key's own, or, when an API key creates the key, that key's list.
    pub ip_allowlist: Option<String>,
    /// Another owner than the caller: only the operator on the server's command line (who acts
    /// as the super admin) makes keys for others; the key is then within the owner's
    /// permissions, and the caller must hold everything the owner holds (P6).
    pub owner: Option<UserId>,
}

/// What a key-made key may not exceed: the calling key's own limits (S5: never wider than
/// its creator).
struct ParentLimits<'a> {
    permissions: Option<PermissionSet>,
    org: Option<OrgId>,
    expires_at: Option<Timestamp>,
    ip_allowlist: Option<&'a str>,
}

impl<'a> ParentLimits<'a> {
    fn of(actor: &'a BackOffice) -> Option<Self> {
        let Credential::ApiKey(k) = &actor.principal().credential else {
            return None;
        };
        let catalog = &actor.access().catalog;
        Some(Self {
            // As `Services::back_office` reads them: a permission no longer in the catalogue
            // gives nothing.
            permissions: k
                .permissions
                .as_ref()
                .map(|p| p.iter().filter_map(|k| catalog.index_of(k).ok()).collect()),
            org: k.org_id,
            expires_at: k.expires_at,
            ip_allowlist: k.ip_allowlist.as_deref(),
        })
    }
}

fn too_wide(what: String) -> ServiceError {
    ServiceError::Forbidden(format!(
        "an API key cannot create a key wider than itself: {what}"
    ))
}

impl Services {
    /// Keys act as their owner, within the key's limits; a caller creates keys for
    /// themselves. The key's permissions must be inside the caller's at the key's scope (P6),
    /// and nobody creates keys while impersonating (P9). A key created with an API key stays
    /// within that key: its permissions, organization, expiry and IP allowlist are inherited
    /// when not given, and refused when wider.
    pub async fn create_api_key(
        &self,
        actor: &BackOffice,
        input: KeyInput,
    ) -> Result<CreatedKey, ServiceError> {
        actor.forbid_while_impersonating("creating an API key")?;
        let name = parse_key_name(&input.name)?;
        let access = actor.access();
        let parent = ParentLimits::of(actor);
        let parent = parent.as_ref();

        // Malformed values first (422), before any permission is weighed.
        let requested_list = input
            .ip_allowlist
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(IpAllowlist::parse)
            .transpose()?;
        let now = self.now();
        if input.expires_at.is_some_and(|e| e <= now) {
            return Err(
                ValidationError::new("expires_at", "the expiry must be in the future").into(),
            );
        }
        let requested_perms = match &input.permissions {
            None => None,
            Some(keys) => {
                let mut set = PermissionSet::EMPTY;
                for k in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
                    set.insert(access.catalog.index_of(k).map_err(|_| {
                        ValidationError::new("permissions", format!("unknown permission {k:?}"))
                    })?);
                }
                Some(set)
            }
        };

        // The organization: a key-made key stays inside the calling key's subtree (outside it,
        // the organization is out of the key's reach: "not found").
        let org_id = match (input.org_id, parent.and_then(|p| p.org)) {
            (None, inherited) => inherited,
            (Some(o), Some(root)) if !access.is_within(o, root) => {
                return Err(ServiceError::NotFound("organization"));
            }
            (Some(o), _) => Some(o),
        };
        let scope = match org_id {
            Some(o) if !actor.sees_org(o) => return Err(ServiceError::NotFound("organization")),
            Some(o) => ScopeRef::Org(o),
            None => ScopeRef::Platform,
        };
        let owner = match input.owner {
            Some(o) if o != actor.user().id => {
                if !matches!(actor.principal().credential, Credential::Cli) {
                    return Err(ServiceError::Forbidden(
                        "you can create API keys for yourself only".into(),
                    ));
                }
                let owner = self
                    .store
                    .get_user(o)
                    .await?
                    .ok_or(ServiceError::NotFound("user"))?
                    .id;
                // P6: a key acts as its owner, so its creator must hold all the owner holds.
                self.check_dominates(actor, owner, "create API keys for")?;
                owner
            }
            _ => {
                actor.require("api_keys.manage", scope)?;
                actor.user().id
            }
        };

        let permissions = match (requested_perms, parent.and_then(|p| p.permissions.as_ref())) {
            // Everything the owner holds, now and later.
            (None, None) => None,
            // The calling key's limits: never more than the calling key reaches.
            (None, Some(limit)) => Some(*limit),
            (Some(set), limit) => {
                if let Some(limit) = limit {
                    let missing = set.difference(limit);
                    if !missing.is_empty() {
                        return Err(too_wide(format!(
                            "it is limited to permissions without {}",
                            access.catalog.keys(&missing).join(", ")
                        )));
                    }
                }
                check_gain(actor, scope, &set)?;
                if owner != actor.user().id {
                    let theirs = access.effective(owner, scope, actor.now());
                    let missing = set.difference(&theirs);
                    if !missing.is_empty() {
                        return Err(ServiceError::Forbidden(format!(
                            "the key's owner does not hold {}",
                            access.catalog.keys(&missing).join(", ")
                        )));
                    }
                }
                Some(set)
            }
        }
        .map(|set| {
            access
                .catalog
                .keys(&set)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        });

        let expires_at = match (input.expires_at, parent.and_then(|p| p.expires_at)) {
            (None, inherited) => inherited,
            (Some(e), Some(limit)) if e > limit => {
                return Err(too_wide(format!(
                    "it expires at {}, and the new key may not outlive it",
                    limit.to_rfc3339()
                )));
            }
            (Some(e), _) => Some(e),
        };

        let ip_allowlist = match (requested_list, parent.and_then(|p| p.ip_allowlist)) {
            (None, None) => None,
            (Some(list), None) => Some(list.to_string()),
            // U9: the calling key's list, as stored.
            (None, Some(inherited)) => Some(inherited.to_string()),
            (Some(list), Some(limit)) => {
                // A stored list that no longer parses lets nothing through, so nothing fits.
                let fits = IpAllowlist::parse(limit).is_ok_and(|l| l.covers(&list));
                if !fits {
                    return Err(too_wide(format!(
                        "it may be used only from {limit}, and the IP allowlist {list} reaches \
                         further"
                    )));
                }
                Some(list.to_string())
            }
        };

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
            expires_at,
            last_used_at: None,
            revoked_at: None,
            permissions,
            org_id,
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
