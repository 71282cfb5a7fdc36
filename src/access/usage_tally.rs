//! The usage record's counters as the hot path keeps them (issue 13): per
//! secret and hour, a handful of (dimension, value) → (count, last seen)
//! entries in a small vector. Noting a call is a scan of that vector and,
//! for a value not seen this interval, one short string: no I/O, no lock
//! held longer than that. Bounded: at most `MAX_CALLERS` (source IP, user
//! agent) pairs per secret-hour (the rest are counted as `other_callers`),
//! `MAX_VALUES` stores or methods. Never a secret, a token or a body.

use chrono::{NaiveDateTime, Timelike};

use super::ReasonCode;
use crate::domain::Grant;

/// (source IP, user agent) pairs kept per secret and hour.
pub const MAX_CALLERS: usize = 20;
/// Stores or methods kept per secret and hour (beyond: not itemised).
const MAX_VALUES: usize = 100;
/// A user agent is cut to this many characters.
pub const MAX_USER_AGENT: usize = 200;

/// What a row counts. `Caller` values are `IP USER-AGENT` (an address has
/// no space), `Method` values `METHOD /template`, `Grant` `function:action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    Calls,
    Refused,
    Caller,
    OtherCallers,
    Grant,
    Store,
    Method,
}

impl Dim {
    pub fn code(self) -> &'static str {
        match self {
            Self::Calls => "calls",
            Self::Refused => "refused",
            Self::Caller => "caller",
            Self::OtherCallers => "other_callers",
            Self::Grant => "grant",
            Self::Store => "store",
            Self::Method => "method",
        }
    }
}

/// One call made with a secret, as noted on the request path.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    pub key_id: i64,
    pub secret_id: i64,
    pub at: NaiveDateTime,
    pub code: ReasonCode,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub grant: Option<Grant>,
    pub store: Option<&'a str>,
    /// (method, path template or path).
    pub method: Option<(&'a str, &'a str)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub dim: Dim,
    pub value: String,
    pub count: i64,
    pub last_at: NaiveDateTime,
}

/// The counters of one secret in one hour.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub key_id: i64,
    pub entries: Vec<Entry>,
}

/// The hour a moment falls in.
pub fn hour_of(t: NaiveDateTime) -> NaiveDateTime {
    t.date().and_hms_opt(t.hour(), 0, 0).unwrap_or(t)
}

/// A user agent as kept: visible characters only, cut to `MAX_USER_AGENT`.
pub fn clean_user_agent(ua: &str) -> String {
    ua.chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT)
        .collect()
}

impl Tally {
    fn bump(&mut self, dim: Dim, a: &str, sep: char, b: &str, n: i64, at: NaiveDateTime) -> bool {
        let matches = |v: &str| {
            if b.is_empty() {
                v == a
            } else {
                v.len() == a.len() + sep.len_utf8() + b.len()
                    && v.starts_with(a)
                    && v[a.len()..].starts_with(sep)
                    && v.ends_with(b)
            }
        };
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.dim == dim && matches(&e.value))
        {
            e.count += n;
            e.last_at = e.last_at.max(at);
            return true;
        }
        let cap = match dim {
            Dim::Caller => MAX_CALLERS,
            Dim::Store | Dim::Method => MAX_VALUES,
            _ => usize::MAX,
        };
        if self.entries.iter().filter(|e| e.dim == dim).count() >= cap {
            return false;
        }
        let value = if b.is_empty() {
            a.to_owned()
        } else {
            format!("{a}{sep}{b}")
        };
        self.entries.push(Entry {
            dim,
            value,
            count: n,
            last_at: at,
        });
        true
    }

    /// Adds one call.
    pub fn add(&mut self, call: &Call<'_>) {
        let at = call.at;
        self.bump(Dim::Calls, "", ' ', "", 1, at);
        if call.code != ReasonCode::Valid {
            self.bump(Dim::Refused, call.code.code(), ' ', "", 1, at);
        }
        let ip = call.ip.unwrap_or("unknown");
        // Borrowed as it came unless it needs cleaning (the usual case).
        let ua: std::borrow::Cow<'_, str> = match call.user_agent {
            None | Some("") => "-".into(),
            Some(u) if u.len() <= MAX_USER_AGENT && !u.chars().any(char::is_control) => u.into(),
            Some(u) => clean_user_agent(u).into(),
        };
        let ua = if ua.is_empty() { "-".into() } else { ua };
        if !self.bump(Dim::Caller, ip, ' ', &ua, 1, at) {
            self.bump(Dim::OtherCallers, "", ' ', "", 1, at);
        }
        // What the key used: only what it was allowed. A refused call is
        // counted above by its code; its function, store and method were
        // asked for, not used, and must not make a grant look needed.
        if call.code == ReasonCode::Valid {
            self.add_use(call.grant, call.store, call.method, at);
        }
    }

    /// Adds what one allowed call used, without counting a call: the
    /// GraphQL endpoint decides per field, after the request was counted.
    pub fn add_use(
        &mut self,
        grant: Option<Grant>,
        store: Option<&str>,
        method: Option<(&str, &str)>,
        at: NaiveDateTime,
    ) {
        if let Some(g) = grant {
            self.bump(Dim::Grant, g.function.code(), ':', g.action.code(), 1, at);
        }
        if let Some(s) = store {
            self.bump(Dim::Store, s, ' ', "", 1, at);
        }
        if let Some((m, p)) = method {
            self.bump(Dim::Method, m, ' ', p, 1, at);
        }
    }

    /// Adds another tally's entries (a failed flush put back).
    pub fn merge(&mut self, other: Tally) {
        for e in other.entries {
            if !self.bump(e.dim, &e.value, ' ', "", e.count, e.last_at) && e.dim == Dim::Caller {
                self.bump(Dim::OtherCallers, "", ' ', "", e.count, e.last_at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Action, Function};

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn call(ip: &str, code: ReasonCode) -> Call<'_> {
        Call {
            key_id: 1,
            secret_id: 2,
            at: at(10, 5),
            code,
            ip: Some(ip),
            user_agent: Some("curl/8\n"),
            grant: Some(Grant::new(Function::OrderData, Action::View)),
            store: Some("berlin"),
            method: Some(("GET", "/orders")),
        }
    }

    fn count(t: &Tally, dim: Dim, value: &str) -> i64 {
        t.entries
            .iter()
            .find(|e| e.dim == dim && e.value == value)
            .map_or(0, |e| e.count)
    }

    #[test]
    fn counts_each_fact_once_per_call() {
        let mut t = Tally::default();
        t.add(&call("10.0.0.1", ReasonCode::Valid));
        t.add(&call("10.0.0.1", ReasonCode::StoreDenied));
        t.add(&call("10.0.0.2", ReasonCode::Valid));
        assert_eq!(count(&t, Dim::Calls, ""), 3);
        assert_eq!(count(&t, Dim::Refused, "store_denied"), 1);
        assert_eq!(count(&t, Dim::Caller, "10.0.0.1 curl/8"), 2);
        assert_eq!(count(&t, Dim::Caller, "10.0.0.2 curl/8"), 1);
        // The refused call asked for them; only the two allowed used them.
        assert_eq!(count(&t, Dim::Grant, "order-data:view"), 2);
        assert_eq!(count(&t, Dim::Store, "berlin"), 2);
        assert_eq!(count(&t, Dim::Method, "GET /orders"), 2);
        assert_eq!(hour_of(at(10, 5)), at(10, 0));
    }

    #[test]
    fn callers_are_bounded() {
        let mut t = Tally::default();
        let ips: Vec<String> = (0..30).map(|i| format!("10.0.0.{i}")).collect();
        for ip in &ips {
            t.add(&call(ip, ReasonCode::Valid));
        }
        let callers = t.entries.iter().filter(|e| e.dim == Dim::Caller).count();
        assert_eq!(callers, MAX_CALLERS);
        assert_eq!(count(&t, Dim::OtherCallers, ""), 10);
        let mut u = Tally::default();
        u.merge(t.clone());
        assert_eq!(count(&u, Dim::OtherCallers, ""), 10);
        assert_eq!(count(&u, Dim::Calls, ""), 30);
    }
}

#[cfg(test)]
mod cost {
    use super::*;

    /// `cargo test --lib usage_tally::cost -- --ignored --nocapture`: what
    /// noting one call costs (the hot path's share of the usage record).
    #[test]
    #[ignore]
    fn per_call() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let mut t = Tally::default();
        let n = 1_000_000;
        let start = std::time::Instant::now();
        for i in 0..n {
            let ip = if i % 2 == 0 { "10.0.0.1" } else { "10.0.0.2" };
            t.add(&Call {
                key_id: 1,
                secret_id: 2,
                at,
                code: ReasonCode::Valid,
                ip: Some(ip),
                user_agent: Some("svc/1.0 (linux)"),
                grant: Some(Grant::new(
                    crate::domain::Function::OrderData,
                    crate::domain::Action::View,
                )),
                store: Some("berlin"),
                method: Some(("GET", "/orders/{id}")),
            });
        }
        let ns = start.elapsed().as_nanos() / n;
        println!("usage tally: {ns} ns per call (debug build)");
    }
}
