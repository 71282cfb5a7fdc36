//! What deleting a key will break (issue 13, part 3), from the usage
//! record: "Used 41,200 times in the last 7 days by 3 callers (last call 2
//! minutes ago)", or "No calls in 90 days".

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::list::relative_time;
use crate::access::usage_tally::{hour_of, Dim};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::key_usage;

/// One key's recent use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impact {
    pub calls_7d: i64,
    pub callers_7d: usize,
    pub last_call: Option<NaiveDateTime>,
}

/// `41200` → `41,200`.
fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl Impact {
    pub fn text(&self, now: NaiveDateTime) -> String {
        let Some(last) = self.last_call else {
            return "No calls in 90 days.".into();
        };
        let when = relative_time(last, now);
        if self.calls_7d == 0 {
            return format!("No calls in the last 7 days (last call {when}).");
        }
        let times = if self.calls_7d == 1 {
            "once".to_string()
        } else {
            format!("{} times", thousands(self.calls_7d))
        };
        let by = match self.callers_7d {
            0 => String::new(),
            1 => " by 1 caller".into(),
            n => format!(" by {n} callers"),
        };
        format!("Used {times} in the last 7 days{by} (last call {when}).")
    }
}

/// The impact of each of `key_ids` at `now`.
pub fn of_keys(
    conn: &mut DbConnection,
    key_ids: &[i64],
    now: NaiveDateTime,
) -> Result<HashMap<i64, Impact>, AppError> {
    let week = hour_of(now - Duration::days(7));
    let ninety = now - Duration::days(key_usage::HOURLY_DAYS);
    let mut out: HashMap<i64, Impact> = HashMap::new();
    for r in key_usage::of_keys(conn, key_ids, Dim::Calls, ninety - Duration::days(1))? {
        let e = out.entry(r.api_key_id).or_default();
        if r.last_at >= ninety {
            e.last_call = e.last_call.max(Some(r.last_at));
        }
        if r.span == "hour" && r.bucket >= week {
            e.calls_7d += r.count;
        }
    }
    let mut callers: HashMap<i64, HashSet<String>> = HashMap::new();
    for r in key_usage::of_keys(conn, key_ids, Dim::Caller, week)? {
        callers.entry(r.api_key_id).or_default().insert(r.value);
    }
    for (id, set) in callers {
        out.entry(id).or_default().callers_7d = set.len();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn words() {
        assert_eq!(thousands(41_200), "41,200");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(Impact::default().text(now()), "No calls in 90 days.");
        let i = Impact {
            calls_7d: 41_200,
            callers_7d: 3,
            last_call: Some(now() - Duration::minutes(2)),
        };
        assert!(i
            .text(now())
            .starts_with("Used 41,200 times in the last 7 days by 3 callers (last call "));
        let old = Impact {
            calls_7d: 0,
            callers_7d: 0,
            last_call: Some(now() - Duration::days(20)),
        };
        assert!(old.text(now()).starts_with("No calls in the last 7 days"));
    }
}
