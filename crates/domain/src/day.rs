//! Calendar days (UTC) and report periods (R1). A [`Day`] is a count of days since
//! 1970-01-01, so a period is an integer range the database can index.

use crate::ValidationError;
use crate::time::Timestamp;
use serde::{Serialize, Serializer};

const MS_PER_DAY: i64 = 86_400_000;

/// One UTC calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

impl Day {
    /// The day an instant falls on.
    pub fn of(t: Timestamp) -> Self {
        Day(t.millis().div_euclid(MS_PER_DAY))
    }
    pub fn number(self) -> i64 {
        self.0
    }
    /// Midnight at the start of the day.
    pub fn start(self) -> Timestamp {
        Timestamp(self.0 * MS_PER_DAY)
    }
    pub fn plus(self, days: i64) -> Self {
        Day(self.0 + days)
    }
    /// `YYYY-MM-DD`.
    pub fn parse(s: &str, field: &'static str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new(field, "a date as YYYY-MM-DD");
        let s = s.trim();
        let mut parts = s.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (y, m, d): (i64, u32, u32) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        );
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return Err(bad());
        }
        Ok(Day(days_from_civil(y, m, d)))
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.start().to_rfc3339()[..10])
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's civil-to-days algorithm.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The most days one report period spans.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A period of whole days, both ends included: `from <= to`, at most [`MAX_PERIOD_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: Day,
    pub to: Day,
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl Period {
    pub fn new(from: Day, to: Day) -> Result<Self, ValidationError> {
        if from > to {
            return Err(ValidationError::new("from", "must not be after `to`"));
        }
        if to.0 - from.0 + 1 > MAX_PERIOD_DAYS {
            return Err(ValidationError::new(
                "to",
                format!("a period spans at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }
    /// The `days` days ending with `today`.
    pub fn last_days(today: Day, days: i64) -> Self {
        let days = days.clamp(1, MAX_PERIOD_DAYS);
        Self {
            from: today.plus(1 - days),
            to: today,
        }
    }
    /// From optional `YYYY-MM-DD` strings; missing ends default to the 30 days ending today.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: Day,
    ) -> Result<Self, ValidationError> {
        let to = match nonempty(to) {
            Some(s) => Day::parse(s, "to")?,
            None => today,
        };
        let from = match nonempty(from) {
            Some(s) => Day::parse(s, "from")?,
            None => to.plus(-29),
        };
        Self::new(from, to)
    }
    pub fn days(&self) -> impl Iterator<Item = Day> {
        (self.from.0..=self.to.0).map(Day)
    }
    pub fn len(&self) -> i64 {
        self.to.0 - self.from.0 + 1
    }
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_reject_bad_dates() {
        for s in ["1970-01-01", "2000-02-29", "2026-12-02", "1969-12-31"] {
            assert_eq!(Day::parse(s, "d").unwrap().to_string(), s);
        }
        assert_eq!(Day::parse("1970-01-02", "d").unwrap(), Day(1));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "x",
            "",
            "2026-04-31",
        ] {
            assert!(Day::parse(bad, "d").is_err(), "{bad}");
        }
        assert_eq!(Day::of(Timestamp(86_400_000 * 3 + 5)), Day(3));
        assert_eq!(Day::of(Timestamp(-1)), Day(-1));
    }

    #[test]
    fn periods_default_to_thirty_days_and_refuse_reversed_or_long_ones() {
        let today = Day::parse("2026-12-02", "d").unwrap();
        let p = Period::parse(None, None, today).unwrap();
        assert_eq!((p.from.to_string(), p.len()), ("2026-11-03".into(), 30));
        assert!(Period::parse(Some("2026-12-03"), Some("2026-12-02"), today).is_err());
        assert!(Period::parse(Some("2024-01-01"), Some("2026-01-01"), today).is_err());
        let p = Period::parse(Some("2026-12-01"), Some("2026-12-01"), today).unwrap();
        assert_eq!(p.days().count(), 1);
    }
}
