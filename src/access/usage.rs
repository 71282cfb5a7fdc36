//! Last used and the usage record, kept off the request path: a check only
//! notes the call in memory (a map entry per secret and hour, see
//! `usage_tally`); a background task (every `Settings.usage_flush_interval`,
//! about a minute, and once more at shutdown) writes the latest use of each
//! secret and of its key, and adds the hour's counters to `key_usage`. So a
//! secret's rows are written at most once per interval however busy it is,
//! and a verification never waits for a write. The same task rolls hourly
//! counters older than 90 days into days, ends grace periods whose old
//! secret has been idle as long as its admin asked ("Stop when idle"), and
//! drops access tokens past their expiry, which can never work again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::usage_tally::{hour_of, Call, Tally};
use crate::db::{write_transaction, Db};
use crate::domain::Grant;
use crate::error::AppError;
use crate::models::{key_secret, key_usage};
use crate::schema::api_keys;

#[derive(Default)]
struct Pending {
    /// secret id → (key id, latest authentic use).
    last: HashMap<i64, (i64, NaiveDateTime)>,
    /// (secret id, hour) → the hour's counters.
    tallies: HashMap<(i64, NaiveDateTime), Tally>,
}

impl Pending {
    /// Adds another shard's notes.
    fn absorb(&mut self, other: Pending) {
        for (secret_id, (key_id, at)) in other.last {
            UsageRecorder::note_last(self, key_id, secret_id, at);
        }
        for (k, t) in other.tallies {
            match self.tallies.get_mut(&k) {
                Some(mine) => mine.merge(t),
                None => {
                    self.tallies.insert(k, t);
                }
            }
        }
    }
}

/// Shards of the notes: each worker thread notes into its own (threads are
/// dealt shards in turn), so two verifications in parallel never wait for
/// each other's map update. The flush drains and merges them all.
const SHARDS: usize = 8;

fn my_shard() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

#[derive(Clone)]
pub struct UsageRecorder {
    db: Db,
    clock: crate::clock::Clock,
    pending: Arc<[Mutex<Pending>; SHARDS]>,
    /// Off only to measure the counters' cost (last used is kept).
    counters: bool,
}

impl UsageRecorder {
    pub fn new(db: Db, clock: crate::clock::Clock) -> Self {
        Self {
            db,
            clock,
            pending: Arc::default(),
            counters: true,
        }
    }

    /// Without counters, a call only moves last used.
    pub fn with_counters(mut self, on: bool) -> Self {
        self.counters = on;
        self
    }

    fn note_last(p: &mut Pending, key_id: i64, secret_id: i64, at: NaiveDateTime) {
        let e = p.last.entry(secret_id).or_insert((key_id, at));
        if e.1 < at {
            e.1 = at;
        }
    }

    fn shard(&self, i: usize) -> std::sync::MutexGuard<'_, Pending> {
        self.pending[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes an authentic use for last used; costs a map insert.
    pub fn record(&self, key_id: i64, secret_id: i64, at: NaiveDateTime) {
        let mut p = self.shard(my_shard());
        Self::note_last(&mut p, key_id, secret_id, at);
    }

    /// Notes a call made with a secret (allowed or refused) for the usage
    /// record, and for last used when `authentic`; costs a map update.
    pub fn record_call(&self, call: &Call<'_>, authentic: bool) {
        let mut p = self.shard(my_shard());
        if authentic {
            Self::note_last(&mut p, call.key_id, call.secret_id, call.at);
        }
        if !self.counters {
            return;
        }
        let t = p
            .tallies
            .entry((call.secret_id, hour_of(call.at)))
            .or_insert_with(|| Tally {
                key_id: call.key_id,
                entries: Vec::new(),
            });
        t.add(call);
    }

    /// Notes what an allowed GraphQL field used (its function: View); the
    /// request itself was counted once by `record_call`.
    pub fn record_use(&self, key_id: i64, secret_id: i64, at: NaiveDateTime, grant: Grant) {
        if !self.counters {
            return;
        }
        let mut p = self.shard(my_shard());
        p.tallies
            .entry((secret_id, hour_of(at)))
            .or_insert_with(|| Tally {
                key_id,
                entries: Vec::new(),
            })
            .add_use(Some(grant), None, None, at);
    }

    /// Writes every noted use and counter, then does the task's upkeep
    /// (roll-up, idle grace periods). Returns how many secrets' last use
    /// was written. On failure the uses are kept for the next flush.
    pub async fn flush(&self) -> Result<usize, AppError> {
        let (last, tallies) = {
            let mut all = Pending::default();
            for i in 0..SHARDS {
                all.absorb(std::mem::take(&mut *self.shard(i)));
            }
            let last: Vec<(i64, (i64, NaiveDateTime))> = all.last.into_iter().collect();
            let tallies: Vec<((i64, NaiveDateTime), Tally)> = all.tallies.into_iter().collect();
            (last, tallies)
        };
        let n = last.len();
        let now = self.clock.now();
        let batch = (last.clone(), tallies.clone());
        let r = self
            .db
            .run(move |c| {
                write_transaction(c, |c| {
                    let (last, tallies) = &batch;
                    let mut per_key: HashMap<i64, NaiveDateTime> = HashMap::new();
                    for (secret_id, (key_id, at)) in last {
                        key_secret::touch(c, *secret_id, *at)?;
                        let e = per_key.entry(*key_id).or_insert(*at);
                        if *e < *at {
                            *e = *at;
                        }
                    }
                    for (key_id, at) in per_key {
                        diesel::update(
                            api_keys::table.find(key_id).filter(
                                api_keys::last_used_at
                                    .is_null()
                                    .or(api_keys::last_used_at.lt(at)),
                            ),
                        )
                        .set(api_keys::last_used_at.eq(at))
                        .execute(c)?;
                    }
                    for ((secret_id, hour), tally) in tallies {
                        key_usage::add_hour(c, *secret_id, *hour, tally)?;
                    }
                    key_usage::roll_up(c, now)?;
                    crate::keys::stop_idle_secrets(c, now)?;
                    Ok::<_, AppError>(())
                })
            })
            .await;
        match r {
            Ok(()) => Ok(n),
            Err(e) => {
                self.shard(0).absorb(Pending {
                    last: last.into_iter().collect(),
                    tallies: tallies.into_iter().collect(),
                });
                Err(e)
            }
        }
    }

    /// Flushes every `interval` until the task is aborted.
    pub async fn run(self, interval: std::time::Duration) {
        let mut tick = tokio::time::interval(interval.max(std::time::Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.flush().await {
                tracing::warn!(error = %e, "recording last use failed; will retry");
            }
            let now = self.clock.now();
            let purged = self
                .db
                .run(move |c| Ok(crate::models::access_token::purge_expired(c, now)?))
                .await;
            match purged {
                Ok(0) => {}
                Ok(n) => tracing::debug!(purged = n, "expired access tokens removed"),
                Err(e) => tracing::warn!(error = %e, "removing expired access tokens failed"),
            }
        }
    }
}
