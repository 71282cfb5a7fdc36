//! When a key stops working (seed 000: "Set an expiry date for how long the
//! key will remain valid"), and how long an old secret keeps working after a
//! refresh (seed 002).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// The expiry choices of the dialogs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryChoice {
    Days30,
    Days90,
    Year1,
    /// Valid through this day (UTC): it stops at the following midnight.
    Date(NaiveDate),
    Never,
    /// Edit dialog only: leave the expiry as it is.
    Keep,
}

pub const DEFAULT_EXPIRY: &str = "90d";

impl ExpiryChoice {
    /// Parses the `expiry` select and the `expiry_date` field. `now` decides
    /// what is in the past.
    pub fn parse(
        choice: &str,
        date: &str,
        allow_keep: bool,
        now: NaiveDateTime,
    ) -> Result<Self, String> {
        match choice.trim() {
            "30d" => Ok(Self::Days30),
            "90d" => Ok(Self::Days90),
            "1y" => Ok(Self::Year1),
            "never" => Ok(Self::Never),
            "keep" if allow_keep => Ok(Self::Keep),
            "date" => {
                let raw = date.trim();
                if raw.is_empty() {
                    return Err("Choose the expiry date.".into());
                }
                let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| "The expiry date is not a date: use YYYY-MM-DD.".to_string())?;
                if chrono::Datelike::year(&d) > 9998 {
                    return Err("The expiry date must be before the year 9999.".into());
                }
                if d < now.date() {
                    return Err("The expiry date is in the past: choose today or later.".into());
                }
                Ok(Self::Date(d))
            }
            _ => Err("Choose an expiry from the list.".into()),
        }
    }

    /// The moment the key stops working; `None` for never. `current` is the
    /// key's expiry today (for `Keep`).
    pub fn expires_at(
        self,
        now: NaiveDateTime,
        current: Option<NaiveDateTime>,
    ) -> Option<NaiveDateTime> {
        match self {
            Self::Days30 => Some(now + Duration::days(30)),
            Self::Days90 => Some(now + Duration::days(90)),
            Self::Year1 => Some(now + Duration::days(365)),
            Self::Date(d) => d.succ_opt().map(|n| n.and_time(NaiveTime::MIN)),
            Self::Never => None,
            Self::Keep => current,
        }
    }
}

/// How long the old secret keeps working after a refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grace {
    Now,
    Hour1,
    Hours24,
    Days7,
    Days30,
}

impl Grace {
    pub const ALL: [Grace; 5] = [
        Self::Now,
        Self::Hour1,
        Self::Hours24,
        Self::Days7,
        Self::Days30,
    ];
    pub const DEFAULT: Grace = Grace::Hours24;

    pub fn code(self) -> &'static str {
        match self {
            Self::Now => "now",
            Self::Hour1 => "1h",
            Self::Hours24 => "24h",
            Self::Days7 => "7d",
            Self::Days30 => "30d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Now => "Now",
            Self::Hour1 => "In 1 hour",
            Self::Hours24 => "In 24 hours",
            Self::Days7 => "In 7 days",
            Self::Days30 => "In 30 days",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|g| g.code() == raw.trim())
            .ok_or_else(|| {
                "Choose when the current secret should stop working: now, in 1 hour, in 24 hours, in 7 days or in 30 days.".to_string()
            })
    }

    pub fn duration(self) -> Duration {
        match self {
            Self::Now => Duration::zero(),
            Self::Hour1 => Duration::hours(1),
            Self::Hours24 => Duration::hours(24),
            Self::Days7 => Duration::days(7),
            Self::Days30 => Duration::days(30),
        }
    }
}

/// "Stop the old secret when it has been idle for …" (issue 13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleStop {
    Minutes15,
    Hour1,
    Hours24,
}

impl IdleStop {
    pub const ALL: [IdleStop; 3] = [Self::Minutes15, Self::Hour1, Self::Hours24];

    pub fn code(self) -> &'static str {
        match self {
            Self::Minutes15 => "15m",
            Self::Hour1 => "1h",
            Self::Hours24 => "24h",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Minutes15 => "15 minutes",
            Self::Hour1 => "1 hour",
            Self::Hours24 => "24 hours",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|g| g.code() == raw.trim())
            .ok_or_else(|| {
                "Choose how long the old secret must be idle: 15 minutes, 1 hour or 24 hours."
                    .to_string()
            })
    }

    pub fn secs(self) -> i64 {
        match self {
            Self::Minutes15 => 15 * 60,
            Self::Hour1 => 3600,
            Self::Hours24 => 24 * 3600,
        }
    }

    pub fn from_secs(secs: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.secs() == secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    #[test]
    fn presets_count_from_now() {
        let c = ExpiryChoice::parse("90d", "", false, now()).unwrap();
        assert_eq!(c.expires_at(now(), None), Some(now() + Duration::days(90)));
        assert_eq!(
            ExpiryChoice::parse("never", "", false, now())
                .unwrap()
                .expires_at(now(), None),
            None
        );
    }

    #[test]
    fn a_date_is_valid_through_that_day() {
        let c = ExpiryChoice::parse("date", "2026-12-01", false, now()).unwrap();
        let end = c.expires_at(now(), None).unwrap();
        assert_eq!(end.to_string(), "2026-12-02 00:00:00");
    }

    #[test]
    fn bad_expiries_are_refused() {
        for (c, d) in [
            ("date", "2026-11-30"),
            ("date", ""),
            ("date", "tomorrow"),
            ("date", "9999-12-31"),
            ("date", "+10000-01-01"),
            ("keep", ""),
            ("forever", ""),
        ] {
            assert!(ExpiryChoice::parse(c, d, false, now()).is_err(), "{c} {d}");
        }
        assert_eq!(
            ExpiryChoice::parse("keep", "", true, now()),
            Ok(ExpiryChoice::Keep)
        );
    }

    #[test]
    fn grace_options() {
        assert_eq!(Grace::parse("24h"), Ok(Grace::Hours24));
        assert!(Grace::parse("2h").is_err());
        assert_eq!(Grace::Now.duration(), Duration::zero());
    }
}
