//! S6: the security policy, platform-wide with per-organization overrides.
//!
//! The configured values (`ServiceConfig`) are the platform's policy until an operator saves
//! one; an organization's override changes some rules for the people whose home organization
//! is it or below it (a sub-organization inherits, and may refine). Policies travel with the
//! access snapshot — saving one bumps the access version — so every `portico serve` process
//! applies a change on its next request and a check reads memory only.
//!
//! Who changes what: the platform's policy needs `settings.manage` on the platform; an
//! organization's override `settings.manage` in that organization, and an organization's own
//! administrators may only tighten what their organization inherits (loosening a rule needs
//! `settings.manage` on the platform).

use crate::Services;
use crate::access::snapshot::AccessSnapshot;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::{ScopeRef, UserRecord};
use portico_domain::ids::{OrgId, UserId};
use portico_domain::security::{PolicyOverride, SecurityPolicy};
use portico_domain::{Timestamp, ValidationError};
use serde::Serialize;

/// A stored policy: the platform's (`org_id` `None`, every rule set) or an organization's
/// override.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRecord {
    pub org_id: Option<OrgId>,
    pub policy: PolicyOverride,
    pub updated_at: Timestamp,
    pub updated_by: Option<UserId>,
    pub version: i64,
}

/// The platform's policy as an administrator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformPolicyView {
    pub policy: SecurityPolicy,
    /// `false`: the configured defaults apply (nothing saved yet).
    pub saved: bool,
    /// For `If-Match`: 0 until saved.
    pub version: i64,
    pub updated_at: Option<Timestamp>,
}

/// An organization's policy: what it inherits, what it changes, and the outcome.
#[derive(Debug, Clone, Serialize)]
pub struct OrgPolicyView {
    pub org_id: OrgId,
    /// The policy from the platform and the organization's ancestors.
    pub inherited: SecurityPolicy,
    /// The rules this organization sets (empty: it inherits everything).
    #[serde(rename = "override")]
    pub overrides: PolicyOverride,
    pub effective: SecurityPolicy,
    /// For `If-Match`: 0 when there is no override.
    pub version: i64,
    pub updated_at: Option<Timestamp>,
    /// May the viewer loosen rules (i.e. set values looser than inherited)?
    pub may_loosen: bool,
}

/// A write of a stored policy, as the store performs it in one transaction with its audit.
#[derive(Debug, Clone)]
pub struct PolicyWrite {
    pub org_id: Option<OrgId>,
    /// `None`: delete (the platform back to the configured defaults, an organization back
    /// to inheriting).
    pub policy: Option<PolicyOverride>,
    /// `If-Match`: the version the caller saw (0 = "there is none yet"); `None` = no check.
    pub expected_version: Option<i64>,
    /// The policy before and after, for the audit entry.
    pub before: SecurityPolicy,
    pub after: SecurityPolicy,
}

impl Services {
    /// The configured policy: the platform's until one is saved.
    pub fn configured_policy(&self) -> SecurityPolicy {
        let c = &self.config;
        SecurityPolicy {
            password_min_length: c.password_policy.min_length,
            password_min_length_with_mfa: c.password_policy.min_length_with_mfa,
            session_lifetime_secs: c.session_lifetime_secs,
            session_idle_secs: c.session_idle_secs,
            mfa_required: c.mfa_required_for_back_office,
            lockout_max_failures: c.login_max_failures_per_account,
            lockout_window_secs: c.login_window_secs,
        }
    }

    /// The platform's policy in `access`.
    pub(crate) fn platform_policy_in(&self, access: &AccessSnapshot) -> SecurityPolicy {
        let base = self.configured_policy();
        match access.policy_of(None) {
            Some(r) => base.apply_stored(&r.policy),
            None => base,
        }
    }

    /// What an organization inherits: the platform's policy with its ancestors' overrides,
    /// from the root down (not its own).
    fn inherited_policy_in(&self, access: &AccessSnapshot, org: OrgId) -> SecurityPolicy {
        let mut p = self.platform_policy_in(access);
        for ancestor in access.chain(org).iter().skip(1).rev() {
            if let Some(r) = access.policy_of(Some(*ancestor)) {
                p = p.apply_stored(&r.policy);
            }
        }
        p
    }

    fn org_policy_in(&self, access: &AccessSnapshot, org: OrgId) -> SecurityPolicy {
        let p = self.inherited_policy_in(access, org);
        match access.policy_of(Some(org)) {
            Some(r) => p.apply_stored(&r.policy),
            None => p,
        }
    }

    /// The policy that applies to `user`: their home organization's (with what it
    /// inherits), or the platform's for people without one.
    pub(crate) fn policy_in(&self, access: &AccessSnapshot, user: &UserRecord) -> SecurityPolicy {
        match user.home_org_id {
            Some(o) if access.org_key(o).is_some() => self.org_policy_in(access, o),
            _ => self.platform_policy_in(access),
        }
    }

    /// The platform's password rules (people without a home organization).
    pub(crate) async fn platform_password_policy(
        &self,
    ) -> Result<portico_domain::password::PasswordPolicy, ServiceError> {
        Ok(self
            .platform_policy_in(&*self.access().await?)
            .password_policy())
    }

    /// The policy that applies to `user` now.
    pub async fn policy_for(&self, user: &UserRecord) -> Result<SecurityPolicy, ServiceError> {
        Ok(self.policy_in(&*self.access().await?, user))
    }

    // --- the platform's policy ----------------------------------------------------------

    pub async fn platform_policy(
        &self,
        actor: &BackOffice,
    ) -> Result<PlatformPolicyView, ServiceError> {
        actor.require("settings.view", ScopeRef::Platform)?;
        Ok(self.platform_policy_view(actor.access()))
    }

    fn platform_policy_view(&self, access: &AccessSnapshot) -> PlatformPolicyView {
        let stored = access.policy_of(None);
        PlatformPolicyView {
            policy: self.platform_policy_in(access),
            saved: stored.is_some(),
            version: stored.map_or(0, |r| r.version),
            updated_at: stored.map(|r| r.updated_at),
        }
    }

    /// Saves the platform's policy (every rule). `expected_version` is `If-Match`.
    pub async fn set_platform_policy(
        &self,
        actor: &BackOffice,
        policy: SecurityPolicy,
        expected_version: Option<i64>,
    ) -> Result<PlatformPolicyView, ServiceError> {
        actor.require("settings.manage", ScopeRef::Platform)?;
        actor.forbid_while_impersonating("changing the security policy")?;
        // Parse every value against the bounds and the combinations.
        let after = self
            .configured_policy()
            .apply(&PolicyOverride::full(&policy))?;
        let before = self.platform_policy_in(actor.access());
        self.store
            .write_policy(
                &actor.principal().audit_ctx(self),
                PolicyWrite {
                    org_id: None,
                    policy: Some(PolicyOverride::full(&after)),
                    expected_version,
                    before,
                    after,
                },
            )
            .await?;
        // The snapshot with the change (the caller's own access may now demand a second
        // factor of them: that applies from their next request).
        Ok(self.platform_policy_view(&*self.access().await?))
    }

    /// Back to the configured defaults.
    pub async fn reset_platform_policy(
        &self,
        actor: &BackOffice,
        expected_version: Option<i64>,
    ) -> Result<PlatformPolicyView, ServiceError> {
        actor.require("settings.manage", ScopeRef::Platform)?;
        actor.forbid_while_impersonating("changing the security policy")?;
        let before = self.platform_policy_in(actor.access());
        self.store
            .write_policy(
                &actor.principal().audit_ctx(self),
                PolicyWrite {
                    org_id: None,
                    policy: None,
                    expected_version,
                    before,
                    after: self.configured_policy(),
                },
            )
            .await?;
        // The snapshot with the change (the caller's own access may now demand a second
        // factor of them: that applies from their next request).
        Ok(self.platform_policy_view(&*self.access().await?))
    }

    // --- an organization's override ------------------------------------------------------

    pub async fn org_policy(&self, scope: &OrgScope) -> Result<OrgPolicyView, ServiceError> {
        scope.require("settings.view")?;
        let actor = scope.actor();
        Ok(self.org_policy_view(
            actor.access(),
            scope.org_id(),
            actor.can("settings.manage", ScopeRef::Platform),
        ))
    }

    fn org_policy_view(
        &self,
        access: &AccessSnapshot,
        org: OrgId,
        may_loosen: bool,
    ) -> OrgPolicyView {
        let inherited = self.inherited_policy_in(access, org);
        let stored = access.policy_of(Some(org));
        let overrides = stored.map(|r| r.policy).unwrap_or_default();
        OrgPolicyView {
            org_id: org,
            inherited,
            overrides,
            effective: inherited.apply_stored(&overrides),
            version: stored.map_or(0, |r| r.version),
            updated_at: stored.map(|r| r.updated_at),
            may_loosen,
        }
    }

    /// Sets (or, with an empty override, removes) an organization's override.
    pub async fn set_org_policy(
        &self,
        scope: &OrgScope,
        overrides: PolicyOverride,
        expected_version: Option<i64>,
    ) -> Result<OrgPolicyView, ServiceError> {
        scope.require("settings.manage")?;
        let actor = scope.actor();
        actor.forbid_while_impersonating("changing the security policy")?;
        let org = scope.org_id();
        let access = actor.access();
        let inherited = self.inherited_policy_in(access, org);
        let before = self.org_policy_in(access, org);
        let after = inherited.apply(&overrides)?;
        if !actor.can("settings.manage", ScopeRef::Platform) {
            let looser = after.loosened_from(&inherited);
            if !looser.is_empty() {
                return Err(ServiceError::Forbidden(format!(
                    "an organization's administrators may tighten the security policy, not \
                     loosen it: {} would be looser than the platform's",
                    looser.join(", ")
                )));
            }
        }
        // Only the rules that differ from what is inherited are kept, so a later change of
        // the platform's policy still reaches the rest.
        let kept = strip_inherited(overrides, &inherited);
        self.store
            .write_policy(
                &actor.principal().audit_ctx(self),
                PolicyWrite {
                    org_id: Some(org),
                    policy: (!kept.is_empty()).then_some(kept),
                    expected_version,
                    before,
                    after,
                },
            )
            .await?;
        Ok(self.org_policy_view(
            &*self.access().await?,
            org,
            actor.can("settings.manage", ScopeRef::Platform),
        ))
    }
}

/// `o` without the rules whose value equals the inherited one.
fn strip_inherited(o: PolicyOverride, inherited: &SecurityPolicy) -> PolicyOverride {
    fn keep<T: PartialEq + Copy>(v: Option<T>, inherited: T) -> Option<T> {
        v.filter(|v| *v != inherited)
    }
    PolicyOverride {
        password_min_length: keep(o.password_min_length, inherited.password_min_length),
        password_min_length_with_mfa: keep(
            o.password_min_length_with_mfa,
            inherited.password_min_length_with_mfa,
        ),
        session_lifetime_secs: keep(o.session_lifetime_secs, inherited.session_lifetime_secs),
        session_idle_secs: keep(o.session_idle_secs, inherited.session_idle_secs),
        mfa_required: keep(o.mfa_required, inherited.mfa_required),
        lockout_max_failures: keep(o.lockout_max_failures, inherited.lockout_max_failures),
        lockout_window_secs: keep(o.lockout_window_secs, inherited.lockout_window_secs),
    }
}

/// Parses a form or JSON value for one rule: empty means "inherit".
pub fn parse_optional<T: std::str::FromStr>(
    field: &'static str,
    raw: &str,
) -> Result<Option<T>, ValidationError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| ValidationError::new(field, "enter a whole number, or leave it empty"))
}
