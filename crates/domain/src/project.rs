//! Projects (PR1): a project belongs to an organization and has a name and a status, and
//! may be scheduled: when it starts (UTC) and where, for the calendar invitation (C5) its
//! members get when they are enrolled.

use crate::day::Day;
use crate::{Timestamp, ValidationError};
use serde::{Deserialize, Serialize};

/// A project's display name: the same rule as an organization's (1–200 characters, trimmed,
/// NFC, no control characters).
pub type ProjectName = crate::org::OrgName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    Active,
    Archived,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

/// When a project starts: `YYYY-MM-DDTHH:MM` with optional seconds, in UTC (a trailing `Z`
/// may say so; other offsets are refused rather than guessed). Also what a browser's
/// `datetime-local` field sends.
pub fn parse_starts_at(raw: &str) -> Result<Timestamp, ValidationError> {
    let bad = || {
        ValidationError::new(
            "starts_at",
            "a UTC date and time such as 2026-12-24T14:00 or 2026-12-24T14:00:00Z",
        )
    };
    let s = raw.trim();
    let s = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix('z'))
        .unwrap_or(s);
    let (date, time) = s.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let day = Day::parse(date, "starts_at").map_err(|_| bad())?;
    let parts: Vec<&str> = time.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(bad());
    }
    let num = |p: &str, max: i64| -> Result<i64, ValidationError> {
        let n: i64 = p.parse().map_err(|_| bad())?;
        if p.bytes().all(|b| b.is_ascii_digit()) && (0..=max).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        }
    };
    let (h, m) = (num(parts[0], 23)?, num(parts[1], 59)?);
    let sec = match parts.get(2) {
        Some(p) => num(p, 59)?,
        None => 0,
    };
    Ok(day.start().plus_secs(h * 3600 + m * 60 + sec))
}

/// Where a project takes place: a room, an address or a meeting link; up to 200 characters,
/// trimmed, NFC, no control characters; empty means not said.
pub fn parse_location(raw: &str) -> Result<String, ValidationError> {
    let s = crate::text::nfc(raw.trim());
    if s.chars().count() > 200 {
        return Err(ValidationError::new("location", "at most 200 characters"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(ValidationError::new(
            "location",
            "cannot contain control characters",
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_are_parsed_in_utc_or_refused() {
        let t = parse_starts_at("2026-12-24T14:05").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-24T14:05:00Z");
        assert_eq!(
            parse_starts_at(" 2026-12-24T14:05:09Z ")
                .unwrap()
                .to_rfc3339(),
            "2026-12-24T14:05:09Z"
        );
        assert_eq!(parse_starts_at("2026-12-24 14:05").unwrap(), t);
        for bad in [
            "",
            "2026-12-24",
            "2026-12-24T24:00",
            "2026-12-24T14:60",
            "2026-12-24T14:05+01:00",
            "2026-13-01T10:00",
            "2026-12-24T1:05",
            "2026-12-24T+1:05",
            "tomorrow",
        ] {
            let e = parse_starts_at(bad).unwrap_err();
            assert_eq!(e.field, "starts_at", "{bad}");
        }
    }

    #[test]
    fn locations_are_trimmed_and_limited() {
        assert_eq!(parse_location("  Room 2.14 ").unwrap(), "Room 2.14");
        assert_eq!(parse_location("").unwrap(), "");
        assert!(parse_location(&"x".repeat(201)).is_err());
        assert!(parse_location("Room\u{7}").is_err());
    }
    use crate::ids::ProjectId;

    #[test]
    fn status_round_trips_and_ids_have_their_prefix() {
        for s in [ProjectStatus::Active, ProjectStatus::Archived] {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ProjectStatus::parse("suspended"), None);
        let id = ProjectId::generate();
        assert!(id.to_string().starts_with("prj_"));
        assert_eq!(ProjectId::parse(&id.to_string()).unwrap(), id);
        assert!(crate::OrgId::parse(&id.to_string()).is_err());
    }
}
