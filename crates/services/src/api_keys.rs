//! API keys (S5, first part): shown once, stored hashed, revocable, last-used time.

use crate::Services;
use crate::auth::{BackOffice, random_token, sha256_hex};
use crate::error::ServiceError;
use crate::records::ApiKeyRecord;
use portico_domain::ids::{ApiKeyId, UserId};
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

impl Services {
    /// Creates a key for `owner` (the caller, or anyone when the caller is the super admin).
    pub async fn create_api_key(
        &self,
        actor: &BackOffice,
        owner: UserId,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<CreatedKey, ServiceError> {
        let name = parse_key_name(name)?;
        if owner != actor.user().id && !actor.is_super_admin() {
            return Err(ServiceError::Forbidden(
                "you can create API keys for yourself only".into(),
            ));
        }
        let owner_rec = self
            .store
            .get_user(owner)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        let now = self.now();
        if expires_at.is_some_and(|e| e <= now) {
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
            user_id: owner_rec.id,
            name,
            secret_hash: sha256_hex(&secret),
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        self.store
            .create_api_key(&actor.principal().audit_ctx(self), record.clone())
            .await?;
        Ok(CreatedKey { record, token })
    }

    pub async fn list_api_keys(
        &self,
        actor: &BackOffice,
    ) -> Result<Vec<ApiKeyRecord>, ServiceError> {
        let scope = (!actor.is_super_admin()).then_some(actor.user().id);
        Ok(self.store.list_api_keys(scope).await?)
    }

    pub async fn revoke_api_key(
        &self,
        actor: &BackOffice,
        id: ApiKeyId,
    ) -> Result<ApiKeyRecord, ServiceError> {
        let (key, _) = self
            .store
            .get_api_key(id)
            .await?
            .ok_or(ServiceError::NotFound("API key"))?;
        if key.user_id != actor.user().id && !actor.is_super_admin() {
            return Err(ServiceError::NotFound("API key"));
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
