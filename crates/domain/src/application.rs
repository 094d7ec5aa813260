//! Applications (A1–A5) and seat limits (L1): an application's status, its display name, the
//! rule for the permissions it registers, and a seat limit that cannot be negative.

use crate::ValidationError;
use crate::access::{Level, Permission};
use serde::{Deserialize, Serialize};

/// An application's display name: the same rule as an organization's (1–200 characters,
/// trimmed, NFC, no control characters).
pub type AppName = crate::org::OrgName;

/// A1: `active` (integrated) or `inactive`. Inactive applications can still be assigned and
/// are shown as inactive (A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppStatus {
    Active,
    Inactive,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// L1: a seat limit. `None` where it is used means unlimited; a limit itself is 0 or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SeatLimit(i64);

impl SeatLimit {
    pub const MAX: i64 = 10_000_000;

    pub fn new(field: &'static str, n: i64) -> Result<Self, ValidationError> {
        if n < 0 {
            return Err(ValidationError::new(
                field,
                "a seat limit cannot be negative",
            ));
        }
        if n > Self::MAX {
            return Err(ValidationError::new(
                field,
                format!("at most {} seats", Self::MAX),
            ));
        }
        Ok(Self(n))
    }

    /// `none`, `unlimited` or empty → `None`; otherwise a whole number ≥ 0.
    pub fn parse_optional(field: &'static str, raw: &str) -> Result<Option<Self>, ValidationError> {
        let s = raw.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("unlimited") {
            return Ok(None);
        }
        let n: i64 = s.parse().map_err(|_| {
            ValidationError::new(field, "a whole number of seats, or empty for unlimited")
        })?;
        Self::new(field, n).map(Some)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Is a seat left with `used` seats taken?
    pub fn allows(limit: Option<Self>, used: i64) -> bool {
        limit.is_none_or(|l| used < l.0)
    }
}

/// C5: the shares of a seat limit, in percent, at which an organization's administrators
/// are warned (each once per crossing).
pub const SEAT_WARNING_LEVELS: [i64; 2] = [90, 100];

/// The highest of [`SEAT_WARNING_LEVELS`] that `used` of `limit` seats reach; 0 below the
/// first. No seat in use is never a warning (a limit of 0 that nobody needs).
pub fn seat_warning_level(used: i64, limit: i64) -> i64 {
    if used <= 0 {
        return 0;
    }
    SEAT_WARNING_LEVELS
        .iter()
        .rev()
        .copied()
        .find(|level| used.saturating_mul(100) >= level.saturating_mul(limit))
        .unwrap_or(0)
}

/// A5: the first word an application's permission keys must start with: its slug with `-`
/// written as `_` (`time-tracking` → `time_tracking.entries_view`).
pub fn permission_prefix(app_slug: &str) -> String {
    app_slug.replace('-', "_")
}

/// A5: a permission an application registers: a valid key (`Permission::parse`) whose first
/// word is the application's prefix, and at least one level.
pub fn parse_app_permission(
    app_slug: &str,
    key: &str,
    levels: &[String],
) -> Result<(Permission, Vec<Level>), ValidationError> {
    let prefix = permission_prefix(app_slug);
    let p = Permission::parse(key.trim()).map_err(|_| {
        ValidationError::new(
            "key",
            format!("not a valid permission key: write it as {prefix}.<action> (lower-case words separated by dots)"),
        )
    })?;
    if p.resource() != prefix {
        return Err(ValidationError::new(
            "key",
            format!("this application's permissions start with {prefix}."),
        ));
    }
    let mut out = Vec::new();
    for l in levels {
        let level = Level::parse(l.trim())
            .ok_or_else(|| ValidationError::new("levels", "platform, organization or project"))?;
        if !out.contains(&level) {
            out.push(level);
        }
    }
    if out.is_empty() {
        out = Level::ALL.to_vec();
    }
    out.sort();
    Ok((p, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AppId;

    #[test]
    fn warning_levels() {
        assert_eq!(seat_warning_level(0, 10), 0);
        assert_eq!(seat_warning_level(8, 10), 0);
        assert_eq!(seat_warning_level(9, 10), 90);
        assert_eq!(seat_warning_level(10, 10), 100);
        assert_eq!(seat_warning_level(12, 10), 100);
        // 89.9 % is below 90 %.
        assert_eq!(seat_warning_level(899, 1000), 0);
        assert_eq!(seat_warning_level(900, 1000), 90);
        assert_eq!(seat_warning_level(1, 1), 100);
        assert_eq!(seat_warning_level(0, 0), 0);
        assert_eq!(seat_warning_level(1, 0), 100);
    }

    #[test]
    fn status_limits_ids_and_permission_keys() {
        for s in [AppStatus::Active, AppStatus::Inactive] {
            assert_eq!(AppStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AppStatus::parse("archived"), None);
        let id = AppId::generate();
        assert!(id.to_string().starts_with("app_"));
        assert!(crate::OrgId::parse(&id.to_string()).is_err());

        assert!(SeatLimit::new("limit", -1).is_err());
        assert_eq!(SeatLimit::parse_optional("l", " none ").unwrap(), None);
        assert_eq!(SeatLimit::parse_optional("l", "").unwrap(), None);
        assert_eq!(
            SeatLimit::parse_optional("l", "10").unwrap().unwrap().get(),
            10
        );
        assert!(SeatLimit::parse_optional("l", "-3").is_err());
        assert!(SeatLimit::parse_optional("l", "ten").is_err());
        let ten = SeatLimit::new("l", 10).ok();
        assert!(SeatLimit::allows(ten, 9));
        assert!(!SeatLimit::allows(ten, 10));
        assert!(SeatLimit::allows(None, i64::MAX));

        let (p, levels) =
            parse_app_permission("time-tracking", "time_tracking.export", &[]).unwrap();
        assert_eq!(p.as_str(), "time_tracking.export");
        assert_eq!(levels, Level::ALL.to_vec());
        assert!(parse_app_permission("crm", "users.block", &[]).is_err());
        assert!(parse_app_permission("crm", "crm", &[]).is_err());
        assert!(parse_app_permission("crm", "crm.x", &["galaxy".into()]).is_err());
        let (_, l) = parse_app_permission(
            "crm",
            "crm.deals.view",
            &["organization".into(), "platform".into()],
        )
        .unwrap();
        assert_eq!(l, vec![Level::Platform, Level::Organization]);
    }
}
