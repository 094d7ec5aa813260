//! S6: the security policy — platform-wide, with per-organization overrides.
//!
//! A [`SecurityPolicy`] is complete (every rule has a value); a [`PolicyOverride`] names only
//! the rules an organization changes. The effective policy of a person is the platform's with
//! the overrides of their home organization's ancestors applied from the root down, so a
//! sub-organization inherits its parent's override and may refine it. Every value is checked
//! once, here, by [`PolicyOverride::parse`] and [`SecurityPolicy::apply`].

use crate::ValidationError;
use crate::password::{MAX_PASSWORD_CHARS, PasswordPolicy};
use serde::{Deserialize, Serialize};

/// The bounds of each rule: a policy outside them is refused with the field named.
pub mod bounds {
    /// U8: never fewer than 8 characters, whatever the policy says.
    pub const MIN_PASSWORD: usize = 8;
    pub const MIN_SESSION_SECS: i64 = 5 * 60;
    pub const MAX_SESSION_SECS: i64 = 30 * 24 * 3600;
    pub const MIN_IDLE_SECS: i64 = 60;
    pub const MIN_FAILURES: i64 = 1;
    pub const MAX_FAILURES: i64 = 1000;
    pub const MIN_WINDOW_SECS: i64 = 60;
    pub const MAX_WINDOW_SECS: i64 = 24 * 3600;
}

/// Every rule of S6, with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// U8: minimum password length without a second factor.
    pub password_min_length: usize,
    /// U8: minimum password length with a second factor.
    pub password_min_length_with_mfa: usize,
    /// A session ends this long after login, used or not.
    pub session_lifetime_secs: i64,
    /// A session unused this long ends.
    pub session_idle_secs: i64,
    /// Back-office users must have a second factor before they use the back office.
    pub mfa_required: bool,
    /// Failed logins of one account within the window before it is locked out.
    pub lockout_max_failures: i64,
    /// The lockout window: failures older than this no longer count.
    pub lockout_window_secs: i64,
}

/// The rules an organization sets for its people; `None` inherits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_min_length_with_mfa: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_lifetime_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_idle_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout_max_failures: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout_window_secs: Option<i64>,
}

fn err(field: &'static str, m: String) -> ValidationError {
    ValidationError::new(field, m)
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &'static str,
    v: Option<T>,
    lo: T,
    hi: T,
    what: &str,
) -> Result<(), ValidationError> {
    match v {
        Some(v) if v < lo || v > hi => Err(err(field, format!("{what} is {lo} to {hi}"))),
        _ => Ok(()),
    }
}

impl PolicyOverride {
    /// Checks each value that is set against the bounds (a combination is checked when it
    /// is applied, by [`SecurityPolicy::apply`]).
    pub fn parse(self) -> Result<Self, ValidationError> {
        use bounds::*;
        let max_pw = MAX_PASSWORD_CHARS;
        in_range(
            "password_min_length",
            self.password_min_length,
            MIN_PASSWORD,
            max_pw,
            "the minimum length",
        )?;
        in_range(
            "password_min_length_with_mfa",
            self.password_min_length_with_mfa,
            MIN_PASSWORD,
            max_pw,
            "the minimum length with a second factor",
        )?;
        in_range(
            "session_lifetime_secs",
            self.session_lifetime_secs,
            MIN_SESSION_SECS,
            MAX_SESSION_SECS,
            "the session lifetime (seconds)",
        )?;
        in_range(
            "session_idle_secs",
            self.session_idle_secs,
            MIN_IDLE_SECS,
            MAX_SESSION_SECS,
            "the idle timeout (seconds)",
        )?;
        in_range(
            "lockout_max_failures",
            self.lockout_max_failures,
            MIN_FAILURES,
            MAX_FAILURES,
            "the number of failures",
        )?;
        in_range(
            "lockout_window_secs",
            self.lockout_window_secs,
            MIN_WINDOW_SECS,
            MAX_WINDOW_SECS,
            "the lockout window (seconds)",
        )?;
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The override that sets every rule of `p` (the platform's stored policy).
    pub fn full(p: &SecurityPolicy) -> Self {
        Self {
            password_min_length: Some(p.password_min_length),
            password_min_length_with_mfa: Some(p.password_min_length_with_mfa),
            session_lifetime_secs: Some(p.session_lifetime_secs),
            session_idle_secs: Some(p.session_idle_secs),
            mfa_required: Some(p.mfa_required),
            lockout_max_failures: Some(p.lockout_max_failures),
            lockout_window_secs: Some(p.lockout_window_secs),
        }
    }
}

impl SecurityPolicy {
    /// `self` with `o`'s values in place; refused when the combination does not hold
    /// (the idle timeout longer than the lifetime, a shorter minimum without a second
    /// factor than with one).
    pub fn apply(&self, o: &PolicyOverride) -> Result<Self, ValidationError> {
        let o = o.parse()?;
        let p = Self {
            password_min_length: o.password_min_length.unwrap_or(self.password_min_length),
            password_min_length_with_mfa: o
                .password_min_length_with_mfa
                .unwrap_or(self.password_min_length_with_mfa),
            session_lifetime_secs: o
                .session_lifetime_secs
                .unwrap_or(self.session_lifetime_secs),
            session_idle_secs: o.session_idle_secs.unwrap_or(self.session_idle_secs),
            mfa_required: o.mfa_required.unwrap_or(self.mfa_required),
            lockout_max_failures: o.lockout_max_failures.unwrap_or(self.lockout_max_failures),
            lockout_window_secs: o.lockout_window_secs.unwrap_or(self.lockout_window_secs),
        };
        if p.password_min_length_with_mfa > p.password_min_length {
            return Err(err(
                "password_min_length_with_mfa",
                format!(
                    "the minimum with a second factor ({}) cannot exceed the minimum without one ({})",
                    p.password_min_length_with_mfa, p.password_min_length
                ),
            ));
        }
        if p.session_idle_secs > p.session_lifetime_secs {
            return Err(err(
                "session_idle_secs",
                format!(
                    "the idle timeout ({} s) cannot exceed the session lifetime ({} s)",
                    p.session_idle_secs, p.session_lifetime_secs
                ),
            ));
        }
        Ok(p)
    }

    /// The same `apply`, for values already accepted once (stored overrides): a stored
    /// override that no longer combines with a changed parent keeps the parent's values for
    /// the rules in conflict rather than failing every login.
    pub fn apply_stored(&self, o: &PolicyOverride) -> Self {
        self.apply(o).unwrap_or_else(|_| {
            let mut p = *self;
            // Apply what combines, rule by rule.
            for single in o.singles() {
                if let Ok(q) = p.apply(&single) {
                    p = q;
                }
            }
            p
        })
    }

    /// Is `self` at least as strict as `other` on every rule? (An organization's
    /// administrators may tighten the platform's policy for their people, never loosen it.)
    pub fn at_least_as_strict_as(&self, other: &Self) -> bool {
        self.loosened_from(other).is_empty()
    }

    /// The rules on which `self` is looser than `other`.
    pub fn loosened_from(&self, other: &Self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.password_min_length < other.password_min_length {
            v.push("password_min_length");
        }
        if self.password_min_length_with_mfa < other.password_min_length_with_mfa {
            v.push("password_min_length_with_mfa");
        }
        if self.session_lifetime_secs > other.session_lifetime_secs {
            v.push("session_lifetime_secs");
        }
        if self.session_idle_secs > other.session_idle_secs {
            v.push("session_idle_secs");
        }
        if !self.mfa_required && other.mfa_required {
            v.push("mfa_required");
        }
        if self.lockout_max_failures > other.lockout_max_failures {
            v.push("lockout_max_failures");
        }
        if self.lockout_window_secs < other.lockout_window_secs {
            v.push("lockout_window_secs");
        }
        v
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_length: self.password_min_length,
            min_length_with_mfa: self.password_min_length_with_mfa,
        }
    }
}

impl PolicyOverride {
    /// One override per rule that is set.
    fn singles(&self) -> Vec<PolicyOverride> {
        let d = PolicyOverride::default;
        let mut v = Vec::new();
        if let Some(x) = self.password_min_length {
            v.push(PolicyOverride {
                password_min_length: Some(x),
                ..d()
            });
        }
        if let Some(x) = self.password_min_length_with_mfa {
            v.push(PolicyOverride {
                password_min_length_with_mfa: Some(x),
                ..d()
            });
        }
        if let Some(x) = self.session_lifetime_secs {
            v.push(PolicyOverride {
                session_lifetime_secs: Some(x),
                ..d()
            });
        }
        if let Some(x) = self.session_idle_secs {
            v.push(PolicyOverride {
                session_idle_secs: Some(x),
                ..d()
            });
        }
        if let Some(x) = self.mfa_required {
            v.push(PolicyOverride {
                mfa_required: Some(x),
                ..d()
            });
        }
        if let Some(x) = self.lockout_max_failures {
            v.push(PolicyOverride {
                lockout_max_failures: Some(x),
                ..d()
            });
        }
        if let Some(x) = self.lockout_window_secs {
            v.push(PolicyOverride {
                lockout_window_secs: Some(x),
                ..d()
            });
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SecurityPolicy {
        SecurityPolicy {
            password_min_length: 15,
            password_min_length_with_mfa: 8,
            session_lifetime_secs: 12 * 3600,
            session_idle_secs: 1800,
            mfa_required: false,
            lockout_max_failures: 5,
            lockout_window_secs: 900,
        }
    }

    #[test]
    fn overrides_apply_and_inherit() {
        let o = PolicyOverride {
            mfa_required: Some(true),
            session_idle_secs: Some(600),
            ..Default::default()
        };
        let p = base().apply(&o).unwrap();
        assert!(p.mfa_required);
        assert_eq!(p.session_idle_secs, 600);
        assert_eq!(p.password_min_length, 15);
        assert!(p.at_least_as_strict_as(&base()));
        assert!(!base().at_least_as_strict_as(&p));
        assert_eq!(
            base().loosened_from(&p),
            vec!["session_idle_secs", "mfa_required"]
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_field() {
        let bad = |o: PolicyOverride| base().apply(&o).unwrap_err().field;
        assert_eq!(
            bad(PolicyOverride {
                password_min_length: Some(7),
                ..Default::default()
            }),
            "password_min_length"
        );
        assert_eq!(
            bad(PolicyOverride {
                session_idle_secs: Some(13 * 3600),
                ..Default::default()
            }),
            "session_idle_secs"
        );
        assert_eq!(
            bad(PolicyOverride {
                password_min_length_with_mfa: Some(16),
                ..Default::default()
            }),
            "password_min_length_with_mfa"
        );
        assert_eq!(
            bad(PolicyOverride {
                lockout_max_failures: Some(0),
                ..Default::default()
            }),
            "lockout_max_failures"
        );
    }

    #[test]
    fn a_stored_override_that_no_longer_combines_keeps_what_does() {
        // Stored when the lifetime was long; the platform's lifetime is now shorter.
        let parent = SecurityPolicy {
            session_lifetime_secs: 3600,
            session_idle_secs: 600,
            ..base()
        };
        let o = PolicyOverride {
            session_idle_secs: Some(7200),
            mfa_required: Some(true),
            ..Default::default()
        };
        let p = parent.apply_stored(&o);
        assert_eq!(p.session_idle_secs, 600);
        assert!(p.mfa_required);
    }
}
