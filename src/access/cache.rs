//! The per-instance cache of key state (issue 9 §6, speed): what `look_up`
//! read for a presented secret or token, keyed by its HMAC, and the store
//! codes of requests. It holds *state*, never verdicts: `decide` still runs
//! on every request with the request's `now`, so expiry and the retirement
//! of a secret by time stay exact to the second.
//!
//! Revocation on the next request:
//! - **This instance.** Every model function that changes what the decision
//!   reads calls [`note_change`]; `Db::run` sees it when the closure
//!   returns (after the commit) and moves the instance's local counter
//!   ([`LocalChanges`]). An entry made under another counter value is not
//!   used, so the very next request reads the database afresh.
//! - **Other instances.** Triggers on the key tables move the one-row stamp
//!   `key_changes.stamp` in the transaction of the change, whoever writes
//!   (the core, the CLI, a script). Each instance reads it every
//!   [`POLL_EVERY`] and drops its entries when it moved; an entry is only
//!   used while the last successful poll is younger than [`TRUST_FOR`], so
//!   an instance that cannot reach its database does not serve old state.
//!   Polling was chosen over LISTEN/NOTIFY: it works the same on SQLite
//!   and PostgreSQL, costs one primary-key read per instance every 250 ms,
//!   and needs no dedicated connection that could silently drop.
//!
//! Only hits are cached: an unknown secret is looked up every time (and a
//! new key, secret or token is never hidden by a cached miss).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::decision::{KeySnapshot, Presented, StoreRef};
use crate::db::{Db, DbConnection};
use crate::error::AppError;
use crate::schema::key_changes;

/// How often each instance reads the change stamp.
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// How long a successful poll vouches for the cache; after that every
/// request reads the database (as if there were no cache) until a poll
/// succeeds again.
pub const TRUST_FOR: Duration = Duration::from_millis(900);
/// Entries kept at most (a full cache is emptied, then refilled).
const MAX_ENTRIES: usize = 200_000;

thread_local! {
    static CHANGED: Cell<bool> = const { Cell::new(false) };
}

/// Called by every model function that writes key state; read by `Db::run`
/// on the same thread when its closure returns.
pub fn note_change() {
    CHANGED.with(|c| c.set(true));
}

/// Clears the mark before a closure runs; says whether it was set after.
pub(crate) fn take_change_mark() -> bool {
    CHANGED.with(|c| c.replace(false))
}

/// The instance's count of key changes made through its own pool.
#[derive(Clone, Default, Debug)]
pub struct LocalChanges(Arc<AtomicU64>);

impl LocalChanges {
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// What a cached lookup found.
#[derive(Clone)]
struct Entry {
    version: Version,
    snapshot: KeySnapshot,
    presented: Presented,
}

/// The (local counter, polled stamp) an entry was read under.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Version {
    local: u64,
    stamp: i64,
}

#[derive(Clone)]
pub struct KeyCache {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    local: LocalChanges,
    stamp: AtomicI64,
    /// When the last successful poll started.
    polled_at: Mutex<Option<Instant>>,
    keys: Mutex<HashMap<String, Entry>>,
    stores: Mutex<HashMap<String, (Version, StoreRef)>>,
    /// The store codes of a key's answer (None: all stores).
    codes: Mutex<HashMap<i64, (Version, StoreCodes)>>,
}

/// A key's store codes (None: all stores).
type StoreCodes = Option<Vec<String>>;

impl KeyCache {
    pub fn new(db: Db) -> Self {
        let local = db.local_changes();
        Self {
            inner: Arc::new(Inner {
                db,
                local,
                stamp: AtomicI64::new(i64::MIN),
                polled_at: Mutex::new(None),
                keys: Mutex::new(HashMap::new()),
                stores: Mutex::new(HashMap::new()),
                codes: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The version entries are valid for now; None when the cache cannot be
    /// trusted (no recent poll).
    pub fn version(&self) -> Option<Version> {
        let fresh = self
            .inner
            .polled_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|t| t.elapsed() < TRUST_FOR);
        let stamp = self.inner.stamp.load(Ordering::SeqCst);
        (fresh && stamp != i64::MIN).then(|| Version {
            local: self.inner.local.get(),
            stamp,
        })
    }

    /// The cached state for a credential's HMAC, if still valid.
    pub fn get(&self, hash: &str) -> Option<(KeySnapshot, Presented)> {
        let v = self.version()?;
        let m = self.inner.keys.lock().unwrap_or_else(|e| e.into_inner());
        m.get(hash)
            .filter(|e| e.version == v)
            .map(|e| (e.snapshot.clone(), e.presented.clone()))
    }

    /// Keeps what a lookup under `version` (taken before it read) found,
    /// unless something changed meanwhile.
    pub fn put(&self, version: Version, hash: &str, snapshot: &KeySnapshot, presented: &Presented) {
        if self.version() != Some(version) {
            return;
        }
        let mut m = self.inner.keys.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(
            hash.to_owned(),
            Entry {
                version,
                snapshot: snapshot.clone(),
                presented: presented.clone(),
            },
        );
    }

    pub fn store(&self, code: &str) -> Option<StoreRef> {
        let v = self.version()?;
        let m = self.inner.stores.lock().unwrap_or_else(|e| e.into_inner());
        m.get(code).filter(|(ev, _)| *ev == v).map(|(_, s)| *s)
    }

    pub fn put_store(&self, version: Version, code: &str, s: StoreRef) {
        if self.version() != Some(version) {
            return;
        }
        let mut m = self.inner.stores.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= 10_000 {
            m.clear();
        }
        m.insert(code.to_owned(), (version, s));
    }

    pub fn store_codes(&self, key_id: i64) -> Option<Option<Vec<String>>> {
        let v = self.version()?;
        let m = self.inner.codes.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&key_id)
            .filter(|(ev, _)| *ev == v)
            .map(|(_, c)| c.clone())
    }

    pub fn put_store_codes(&self, version: Version, key_id: i64, codes: &Option<Vec<String>>) {
        if self.version() != Some(version) {
            return;
        }
        let mut m = self.inner.codes.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(key_id, (version, codes.clone()));
    }

    /// Reads the stamp once; drops every entry when it moved.
    pub async fn poll(&self) -> Result<(), AppError> {
        let started = Instant::now();
        let stamp = self.inner.db.run(|c| Ok(read_stamp(c)?)).await?;
        let old = self.inner.stamp.swap(stamp, Ordering::SeqCst);
        if old != stamp {
            self.inner
                .keys
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            self.inner
                .stores
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            self.inner
                .codes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
        *self
            .inner
            .polled_at
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(started);
        Ok(())
    }

    /// Polls for ever (the server's background task).
    pub async fn run(self) {
        let mut tick = tokio::time::interval(POLL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.poll().await {
                tracing::warn!(error = %e, "reading the key change stamp failed");
            }
        }
    }
}

fn read_stamp(c: &mut DbConnection) -> QueryResult<i64> {
    key_changes::table
        .find(1)
        .select(key_changes::stamp)
        .first(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_mark_is_per_thread_and_taken_once() {
        assert!(!take_change_mark());
        note_change();
        assert!(take_change_mark());
        assert!(!take_change_mark());
        std::thread::spawn(note_change).join().unwrap();
        assert!(!take_change_mark());
    }
}
