//! What deleting, deactivating, refreshing with "Now" or narrowing a key
//! will break (issue 13, part 3), from the usage record: "Used 41,200 times
//! in the last 7 days by 3 callers (last call 2 minutes ago) on stores
//! Berlin and Hamburg", or "No calls in 90 days"; for a narrowing, what the
//! removed part was used for.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::list::relative_time;
use crate::access::usage_tally::{hour_of, Dim};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::keys::Narrowing;
use crate::models::{key_usage, store};

/// One key's recent use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impact {
    pub calls_7d: i64,
    pub callers_7d: usize,
    pub last_call: Option<NaiveDateTime>,
    /// Names of the stores called in the last 7 days, sorted.
    pub stores: Vec<String>,
}

/// `1 call`, `41,200 calls`.
fn calls(n: i64) -> String {
    if n == 1 {
        "1 call".into()
    } else {
        format!("{} calls", thousands(n))
    }
}

/// `41200` → `41,200`.
pub fn thousands(n: i64) -> String {
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
        let times = times(self.calls_7d);
        let by = match self.callers_7d {
            0 => String::new(),
            1 => " by 1 caller".into(),
            n => format!(" by {n} callers"),
        };
        format!(
            "Used {times} in the last 7 days{by} (last call {when}){}.",
            on_stores(&self.stores)
        )
    }
}

/// " on store Berlin", " on stores Berlin and Hamburg", " on 5 stores".
fn on_stores(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!(" on store {one}"),
        [init @ .., last] if names.len() <= 3 => {
            format!(" on stores {} and {last}", init.join(", "))
        }
        _ => format!(" on {} stores", names.len()),
    }
}

/// `calls` as "once", "120 times".
fn times(n: i64) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{} times", thousands(n))
    }
}

/// Store code → name (a code no store has any more stays a code).
fn store_names(conn: &mut DbConnection) -> Result<HashMap<String, (i64, String)>, AppError> {
    Ok(store::all(conn)?
        .into_iter()
        .map(|s| (s.code, (s.id, s.name)))
        .collect())
}

/// Per value of `dim`, the key's calls in hourly buckets of the last 7 days.
fn week_by_value(
    conn: &mut DbConnection,
    key_id: i64,
    dim: Dim,
    now: NaiveDateTime,
) -> Result<Vec<(String, i64)>, AppError> {
    let week = hour_of(now - Duration::days(7));
    let mut sums: HashMap<String, i64> = HashMap::new();
    for r in key_usage::of_key(conn, key_id, dim, week)? {
        if r.span == "hour" {
            *sums.entry(r.value).or_default() += r.count;
        }
    }
    let mut out: Vec<(String, i64)> = sums.into_iter().filter(|(_, n)| *n > 0).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// What the parts a narrowing removes were used for in the last 7 days:
/// "Order Data: Edit was used 120 times in the last 7 days", "store Munich:
/// 30 calls", "GET /orders: 12 calls"; or one line saying nothing was.
pub fn of_removed(
    conn: &mut DbConnection,
    key_id: i64,
    cut: &Narrowing,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    if !cut.removed_grants.is_empty() {
        for (scope, n) in week_by_value(conn, key_id, Dim::Grant, now)? {
            if let Some(g) = cut.removed_grants.iter().find(|g| g.scope() == scope) {
                out.push(format!(
                    "{}: {} was used {} in the last 7 days.",
                    g.function.label(),
                    g.action.label(),
                    times(n)
                ));
            }
        }
    }
    if let Some(stores) = &cut.stores {
        let names = store_names(conn)?;
        for (code, n) in week_by_value(conn, key_id, Dim::Store, now)? {
            let (taken, name) = match names.get(&code) {
                Some((id, name)) => (stores.takes(id), name.clone()),
                None => (stores.from_all, code),
            };
            if taken {
                out.push(format!("store {name}: {}.", calls(n)));
            }
        }
    }
    if let Some(methods) = &cut.methods {
        for (value, n) in week_by_value(conn, key_id, Dim::Method, now)? {
            let Some((method, path)) = value.split_once(' ') else {
                continue;
            };
            let m = crate::access::AllowedMethod {
                method: method.into(),
                path: path.into(),
            };
            if methods.takes(&m) {
                out.push(format!("{value}: {}.", calls(n)));
            }
        }
    }
    if out.is_empty()
        && !(cut.removed_grants.is_empty() && cut.stores.is_none() && cut.methods.is_none())
    {
        out.push("No calls used what you are removing.".into());
    }
    Ok(out)
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
    let mut stores: HashMap<i64, HashSet<String>> = HashMap::new();
    for r in key_usage::of_keys(conn, key_ids, Dim::Store, week)? {
        if r.span == "hour" && r.count > 0 {
            stores.entry(r.api_key_id).or_default().insert(r.value);
        }
    }
    if !stores.is_empty() {
        let names = store_names(conn)?;
        for (id, codes) in stores {
            let mut list: Vec<String> = codes
                .into_iter()
                .map(|c| names.get(&c).map(|n| n.1.clone()).unwrap_or(c))
                .collect();
            list.sort();
            out.entry(id).or_default().stores = list;
        }
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
            stores: vec!["Berlin".into(), "Hamburg".into()],
        };
        assert!(i
            .text(now())
            .starts_with("Used 41,200 times in the last 7 days by 3 callers (last call "));
        assert!(i.text(now()).ends_with(") on stores Berlin and Hamburg."));
        let one = Impact {
            calls_7d: 1,
            callers_7d: 1,
            last_call: Some(now()),
            stores: vec!["Berlin".into()],
        };
        assert!(one
            .text(now())
            .starts_with("Used once in the last 7 days by 1 caller"));
        assert!(one.text(now()).ends_with(" on store Berlin."));
        let names = |n: usize| (0..n).map(|i| format!("S{i}")).collect::<Vec<_>>();
        assert_eq!(on_stores(&names(3)), " on stores S0, S1 and S2");
        assert_eq!(on_stores(&names(5)), " on 5 stores");
        assert_eq!(on_stores(&[]), "");
        let old = Impact {
            calls_7d: 0,
            callers_7d: 0,
            last_call: Some(now() - Duration::days(20)),
            stores: Vec::new(),
        };
        assert!(old.text(now()).starts_with("No calls in the last 7 days"));
    }
}
