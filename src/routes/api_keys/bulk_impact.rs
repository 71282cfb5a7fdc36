//! The impact a bulk action's dry run shows (issue 13, part 3): the sum of
//! the matching keys' calls and how many are in use, aggregated in SQL, and
//! a bounded sample that lists the keys in use first.

use chrono::{Duration, NaiveDateTime};

use super::impact::thousands;
use crate::access::usage_tally::hour_of;
use crate::db::DbConnection;
use crate::domain::list_query::ListParams;
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::models::key_bulk;

/// The dry run's words: the sum, and (name, "used N times" for a key in
/// use) for at most `n` keys, those in use first (most calls first), then
/// the others by name.
pub struct BulkImpact {
    pub summary: String,
    pub sample: Vec<(String, Option<String>)>,
}

pub fn of_filter(
    c: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    count: i64,
    n: i64,
) -> Result<BulkImpact, AppError> {
    let week = hour_of(now - Duration::days(7));
    let (calls, in_use) = key_bulk::usage_since(c, kind, p, now, week)?;
    let busiest = key_bulk::busiest_since(c, kind, p, now, week, n)?;
    let mut sample: Vec<(i64, String, Option<String>)> = busiest
        .into_iter()
        .map(|(id, name, calls)| {
            let times = if calls == 1 {
                "used once".to_string()
            } else {
                format!("used {} times", thousands(calls))
            };
            (id, name, Some(times))
        })
        .collect();
    let room = n - sample.len() as i64;
    if room > 0 {
        // Enough by name to fill the sample after skipping those in use.
        for (id, name) in key_bulk::sample(c, kind, p, now, room + sample.len() as i64)? {
            if sample.len() as i64 >= n {
                break;
            }
            if !sample.iter().any(|s| s.0 == id) {
                sample.push((id, name, None));
            }
        }
    }
    let the = if count == 1 {
        "The matching key was".to_string()
    } else {
        format!("The {} matching keys were", thousands(count))
    };
    let summary = if calls == 0 {
        format!("{the} not used in the last 7 days.")
    } else {
        let times = if calls == 1 {
            "once".to_string()
        } else {
            format!("{} times", thousands(calls))
        };
        let of_them = if count == 1 {
            String::new()
        } else if in_use == 1 {
            "; 1 of them is in use".to_string()
        } else {
            format!("; {} of them are in use", thousands(in_use))
        };
        format!("{the} used {times} in the last 7 days{of_them}.")
    };
    Ok(BulkImpact {
        summary,
        sample: sample.into_iter().map(|s| (s.1, s.2)).collect(),
    })
}
