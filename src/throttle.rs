//! Throttling of failed authentications, for both faces: back-office
//! sign-in (per account and per source address) and, through the same calls,
//! the Key API's client authentication (`Key::client(client_id)`).
//!
//! Counters live in the database (`auth_throttle`), so every instance sharing
//! it sees the same ones. After a rule's free failures, each further failure
//! blocks the subject for a delay that doubles up to the rule's cap; a blocked
//! attempt is refused (429, `Retry-After`) without checking the credential, so
//! guessing gains nothing. The cap is the "never a permanent lockout": an
//! account is never blocked for longer than its cap, whoever fails on it, and
//! a success resets the account's counter. Failures are forgotten a while
//! after the last one.
//!
//! Usage, e.g. at a token endpoint:
//! ```ignore
//! let keys = [Key::client(&client_id), Key::address(throttle.address_of(&req))];
//! if let Some(wait) = throttle.check(&keys).await? { /* 429, Retry-After: wait */ }
//! if !authenticated { throttle.failed(&keys).await?; } else { throttle.succeeded(&keys[0]).await?; }
//! ```

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{Db, DbConnection};
use crate::error::AppError;
use crate::models::now_utc;
use crate::schema::auth_throttle as t;

/// What a counter counts failures of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A back-office account, by lower-cased username (known or not, so the
    /// answer never tells which usernames exist).
    Account,
    /// A source address (IPv6 by its /64, what one host usually holds).
    Address,
    /// A Key API client, by Client Id.
    Client,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Address => "address",
            Self::Client => "client",
        }
    }
}

/// One counter: a scope and who in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub scope: Scope,
    pub subject: String,
}

/// Subjects are bounded: a counter for a 1 MB "username" is not kept as such.
const MAX_SUBJECT: usize = 200;

impl Key {
    pub fn account(username: &str) -> Self {
        Self::new(Scope::Account, &username.trim().to_lowercase())
    }

    pub fn client(client_id: &str) -> Self {
        Self::new(Scope::Client, client_id.trim())
    }

    pub fn address(addr: IpAddr) -> Self {
        let subject = match addr {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = a.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        };
        Self::new(Scope::Address, &subject)
    }

    fn new(scope: Scope, subject: &str) -> Self {
        let subject = if subject.len() > MAX_SUBJECT {
            format!("sha256:{}", crate::crypto::sha256_hex(subject.as_bytes()))
        } else {
            subject.to_owned()
        };
        Self { scope, subject }
    }
}

/// How one scope is throttled.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Failures allowed before the first delay.
    pub free_failures: u32,
    /// The first delay; each further failure doubles it…
    pub base_delay: Duration,
    /// …up to this.
    pub max_delay: Duration,
    /// A counter whose last failure is older than this starts again at zero.
    pub forget_after: Duration,
}

impl Rule {
    /// The counter and block after one more failure at `now`.
    pub fn after_failure(
        &self,
        failures: u32,
        last_failure_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> (u32, Option<NaiveDateTime>) {
        let forget = chrono::Duration::from_std(self.forget_after).unwrap_or(chrono::Duration::MAX);
        let before = if now - last_failure_at > forget {
            0
        } else {
            failures
        };
        let n = before.saturating_add(1);
        if n <= self.free_failures {
            return (n, None);
        }
        let doublings = (n - self.free_failures - 1).min(30);
        let delay = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        (n, Some(now + delay))
    }
}

/// The rules of each scope; `Settings::throttle`.
#[derive(Clone, Debug)]
pub struct Policy {
    pub account: Rule,
    pub address: Rule,
    pub client: Rule,
}

impl Default for Policy {
    fn default() -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            // 5 free, then 2 s, 4 s, … at most a minute: ~60 guesses an hour
            // on one account, and its owner waits a minute at worst.
            account: Rule {
                free_failures: 5,
                base_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(60),
                forget_after: hour,
            },
            // An address may be an office behind NAT: more free failures, but
            // one guessing many accounts ends up waiting 15 minutes a try.
            address: Rule {
                free_failures: 20,
                base_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(15 * 60),
                forget_after: hour,
            },
            client: Rule {
                free_failures: 10,
                base_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(5 * 60),
                forget_after: hour,
            },
        }
    }
}

impl Policy {
    fn rule(&self, scope: Scope) -> &Rule {
        match scope {
            Scope::Account => &self.account,
            Scope::Address => &self.address,
            Scope::Client => &self.client,
        }
    }
}

/// Proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

/// An address or a CIDR block: `10.0.0.5`, `10.0.0.0/8`, `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), self.prefix, 32)
                    == masked(u32::from(a).into(), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), self.prefix, 128) == masked(u128::from(a), self.prefix, 128)
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("{s:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8)");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(bad)?,
        };
        Ok(Self { addr, prefix })
    }
}

/// `::ffff:1.2.3.4` is 1.2.3.4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the socket's peer, unless that peer is a trusted
    /// proxy; then `X-Forwarded-For` is read from the right, skipping the
    /// trusted hops, and the first address not trusted is the client. A
    /// forged header from an untrusted peer is never read.
    pub fn client_address(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let mut current = canonical(peer?);
        if !self.trusts(current) {
            return Some(current);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    current = canonical(ip);
                    if !self.trusts(current) {
                        break;
                    }
                }
                // Garbage in the chain: stop at the last hop we can vouch for.
                Err(_) => break,
            }
        }
        Some(current)
    }
}

/// The throttle as handlers use it (`web::Data<Throttle>`).
#[derive(Clone)]
pub struct Throttle {
    db: Db,
    policy: Arc<Policy>,
    proxies: Arc<TrustedProxies>,
    clean: Clean,
}

/// How long a "no counter in the database" answer is trusted by
/// [`Throttle::check_fast`]: the Key API's hot path (every verification
/// authenticates its caller) reads the counters at most this often per key.
pub const CLEAN_FOR: Duration = Duration::from_secs(1);

/// Subjects seen without any counter, and when (per instance, bounded).
/// A failure here forgets the subject at once; a failure on another
/// instance is seen within [`CLEAN_FOR`].
#[derive(Clone, Default)]
struct Clean(Arc<std::sync::Mutex<std::collections::HashMap<Key, std::time::Instant>>>);

const MAX_CLEAN: usize = 50_000;

impl Clean {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Key, std::time::Instant>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn all_clean(&self, keys: &[Key]) -> bool {
        let m = self.lock();
        keys.iter()
            .all(|k| m.get(k).is_some_and(|t| t.elapsed() < CLEAN_FOR))
    }

    fn mark(&self, key: &Key, at: std::time::Instant) {
        let mut m = self.lock();
        if m.len() >= MAX_CLEAN {
            m.retain(|_, t| t.elapsed() < CLEAN_FOR);
            if m.len() >= MAX_CLEAN {
                m.clear();
            }
        }
        m.insert(key.clone(), at);
    }

    fn forget(&self, keys: &[Key]) {
        let mut m = self.lock();
        for k in keys {
            m.remove(k);
        }
    }

    fn is_clean(&self, key: &Key) -> bool {
        self.lock()
            .get(key)
            .is_some_and(|t| t.elapsed() < CLEAN_FOR)
    }
}

impl Throttle {
    pub fn new(db: Db, policy: Policy, proxies: TrustedProxies) -> Self {
        Self {
            db,
            policy: Arc::new(policy),
            proxies: Arc::new(proxies),
            clean: Clean::default(),
        }
    }

    /// The address counters are kept for (see [`TrustedProxies`]).
    pub fn address_of(&self, req: &HttpRequest) -> IpAddr {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        self.proxies
            .client_address(req.peer_addr().map(|a| a.ip()), &forwarded)
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    /// How long the caller must still wait, if any of `keys` is blocked.
    pub async fn check(&self, keys: &[Key]) -> Result<Option<Duration>, AppError> {
        let keys = keys.to_vec();
        self.db
            .run(move |c| {
                let now = now_utc();
                let mut until: Option<NaiveDateTime> = None;
                for k in &keys {
                    let blocked: Option<Option<NaiveDateTime>> = t::table
                        .find((k.scope.code(), &k.subject))
                        .select(t::blocked_until)
                        .first(c)
                        .optional()?;
                    if let Some(Some(b)) = blocked {
                        if b > now && until.is_none_or(|u| b > u) {
                            until = Some(b);
                        }
                    }
                }
                Ok(until.map(|u| remaining(u, now)))
            })
            .await
    }

    /// [`Self::check`] for a path that runs on every request (the Key API's
    /// client authentication): subjects that had no counter less than
    /// [`CLEAN_FOR`] ago are not read again. A failure on this instance is
    /// seen at once (it forgets the subject); one on another instance within
    /// `CLEAN_FOR`, so a guesser switching instances wins at most one extra
    /// try per instance before the shared counter stops it.
    pub async fn check_fast(&self, keys: &[Key]) -> Result<Option<Duration>, AppError> {
        if self.clean.all_clean(keys) {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let ks = keys.to_vec();
        let (wait, absent) = self
            .db
            .run(move |c| {
                let now = now_utc();
                let mut until: Option<NaiveDateTime> = None;
                let mut absent = Vec::new();
                for k in &ks {
                    let blocked: Option<Option<NaiveDateTime>> = t::table
                        .find((k.scope.code(), &k.subject))
                        .select(t::blocked_until)
                        .first(c)
                        .optional()?;
                    match blocked {
                        None => absent.push(k.clone()),
                        Some(Some(b)) if b > now && until.is_none_or(|u| b > u) => until = Some(b),
                        Some(_) => {}
                    }
                }
                Ok((until.map(|u| remaining(u, now)), absent))
            })
            .await?;
        for k in &absent {
            self.clean.mark(k, started);
        }
        Ok(wait)
    }

    /// [`Self::succeeded`] after [`Self::check_fast`]: no write when the
    /// subject is known to have no counter.
    pub async fn succeeded_fast(&self, key: &Key) -> Result<(), AppError> {
        if self.clean.is_clean(key) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        self.succeeded(key).await?;
        self.clean.mark(key, started);
        Ok(())
    }

    /// Counts a failure against each of `keys`; returns the wait it now
    /// imposes, if any.
    pub async fn failed(&self, keys: &[Key]) -> Result<Option<Duration>, AppError> {
        self.clean.forget(keys);
        let keys = keys.to_vec();
        let policy = self.policy.clone();
        self.db
            .run(move |c| {
                let now = now_utc();
                let mut wait: Option<Duration> = None;
                for k in &keys {
                    if let Some(b) = record_failure(c, k, policy.rule(k.scope), now)? {
                        let w = remaining(b, now);
                        wait = Some(wait.map_or(w, |x| x.max(w)));
                    }
                }
                Ok(wait)
            })
            .await
    }

    /// A success: the counter of `key` starts again at zero.
    pub async fn succeeded(&self, key: &Key) -> Result<(), AppError> {
        let k = key.clone();
        self.db
            .run(move |c| {
                diesel::delete(t::table.find((k.scope.code(), &k.subject))).execute(c)?;
                Ok(())
            })
            .await
    }

    /// Deletes counters nobody needs any more; run periodically.
    pub async fn purge(&self) -> Result<usize, AppError> {
        let forget = [
            &self.policy.account,
            &self.policy.address,
            &self.policy.client,
        ]
        .iter()
        .map(|r| r.forget_after)
        .max()
        .unwrap_or_default();
        self.db
            .run(move |c| {
                let now = now_utc();
                let before =
                    now - chrono::Duration::from_std(forget).unwrap_or(chrono::Duration::MAX);
                Ok(diesel::delete(
                    t::table
                        .filter(t::last_failure_at.lt(before))
                        .filter(t::blocked_until.is_null().or(t::blocked_until.lt(now))),
                )
                .execute(c)?)
            })
            .await
    }
}

fn remaining(until: NaiveDateTime, now: NaiveDateTime) -> Duration {
    (until - now).to_std().unwrap_or_default()
}

/// One more failure for `key`, atomically even with several instances:
/// returns the time it is now blocked until.
fn record_failure(
    c: &mut DbConnection,
    key: &Key,
    rule: &Rule,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    let scope = key.scope.code();
    // Outside the transaction: on PostgreSQL a failed insert (another
    // instance made the row first) would abort it.
    let inserted = diesel::insert_into(t::table)
        .values((
            t::scope.eq(scope),
            t::subject.eq(&key.subject),
            t::failures.eq(0),
            t::last_failure_at.eq(now),
            t::blocked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(e) => return Err(e.into()),
    }
    crate::db::write_transaction(c, |c| {
        let row = t::table.find((scope, &key.subject));
        // A write first: on PostgreSQL it takes the row lock, so a second
        // instance counting at the same moment waits and then sees this
        // failure (SQLite's IMMEDIATE transaction already serialises).
        diesel::update(row)
            .set(t::failures.eq(t::failures))
            .execute(c)?;
        let (failures, last): (i32, NaiveDateTime) =
            row.select((t::failures, t::last_failure_at)).first(c)?;
        let (n, blocked) = rule.after_failure(failures.max(0) as u32, last, now);
        diesel::update(row)
            .set((
                t::failures.eq(i32::try_from(n).unwrap_or(i32::MAX)),
                t::last_failure_at.eq(now),
                t::blocked_until.eq(blocked),
            ))
            .execute(c)?;
        Ok(blocked)
    })
}

/// "30 seconds", "2 minutes": a wait in words, rounded up.
pub fn wait_in_words(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let secs = secs.max(1);
    if secs < 120 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

/// `Retry-After` in whole seconds, rounded up.
pub fn retry_after_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Rule {
        Rule {
            free_failures: 3,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(60),
            forget_after: Duration::from_secs(3600),
        }
    }

    #[test]
    fn delays_grow_after_the_free_failures_up_to_the_cap() {
        let now = now_utc();
        let r = rule();
        let mut failures = 0;
        let mut delays = Vec::new();
        for _ in 0..8 {
            let (n, b) = r.after_failure(failures, now, now);
            failures = n;
            delays.push(b.map(|b| (b - now).num_seconds()));
        }
        assert_eq!(
            delays,
            [
                None,
                None,
                None,
                Some(10),
                Some(20),
                Some(40),
                Some(60),
                Some(60)
            ]
        );
    }

    #[test]
    fn old_failures_are_forgotten() {
        let now = now_utc();
        let long_ago = now - chrono::Duration::hours(2);
        assert_eq!(rule().after_failure(50, long_ago, now), (1, None));
    }

    #[test]
    fn forged_forwarded_for_is_ignored_unless_the_peer_is_trusted() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let none = TrustedProxies::default();
        assert_eq!(none.client_address(Some(peer), &["1.2.3.4"]), Some(peer));

        let lb = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap()]);
        let via_lb: IpAddr = "10.1.2.3".parse().unwrap();
        // The client may prepend anything; only the hop our proxy added counts.
        assert_eq!(
            lb.client_address(Some(via_lb), &["6.6.6.6, 198.51.100.7"]),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            lb.client_address(Some(via_lb), &["198.51.100.7", "10.9.9.9"]),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            lb.client_address(Some(via_lb), &["not-an-ip"]),
            Some(via_lb)
        );
        assert_eq!(lb.client_address(Some(peer), &["1.2.3.4"]), Some(peer));
    }

    #[test]
    fn cidr_blocks() {
        let n: IpNet = "192.168.0.0/16".parse().unwrap();
        assert!(n.contains("192.168.4.5".parse().unwrap()));
        assert!(n.contains("::ffff:192.168.4.5".parse().unwrap()));
        assert!(!n.contains("192.169.0.1".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("ten".parse::<IpNet>().is_err());
    }

    #[test]
    fn keys_are_bounded_and_ipv6_is_grouped_by_64() {
        assert_eq!(Key::account(" Alice ").subject, "alice");
        assert!(Key::account(&"x".repeat(5000)).subject.len() < 100);
        assert_eq!(
            Key::address("2001:db8:1:2:3:4:5:6".parse().unwrap()).subject,
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait_in_words(Duration::from_millis(200)), "1 second");
        assert_eq!(wait_in_words(Duration::from_secs(30)), "30 seconds");
        assert_eq!(wait_in_words(Duration::from_secs(900)), "15 minutes");
    }
}
