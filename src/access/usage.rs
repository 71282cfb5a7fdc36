//! Last used, recorded off the request path: a check only notes the use in
//! memory; a background task (every `Settings.usage_flush_interval`, about
//! a minute, and once more at shutdown) writes the latest use of each
//! secret and of its key. So a secret's row is written at most once per
//! interval however busy it is, and a verification never waits for a write.
//! The same task drops access tokens past their expiry, which can never
//! work again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{write_transaction, Db};
use crate::error::AppError;
use crate::models::key_secret;
use crate::schema::api_keys;

#[derive(Clone)]
pub struct UsageRecorder {
    db: Db,
    clock: crate::clock::Clock,
    /// secret id → (key id, latest use).
    pending: Arc<Mutex<HashMap<i64, (i64, NaiveDateTime)>>>,
}

impl UsageRecorder {
    pub fn new(db: Db, clock: crate::clock::Clock) -> Self {
        Self {
            db,
            clock,
            pending: Arc::default(),
        }
    }

    /// Notes a use; costs a map insert.
    pub fn record(&self, key_id: i64, secret_id: i64, at: NaiveDateTime) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let e = p.entry(secret_id).or_insert((key_id, at));
        if e.1 < at {
            e.1 = at;
        }
    }

    /// Writes every noted use and returns how many secrets were written.
    /// On failure the uses are kept for the next flush.
    pub async fn flush(&self) -> Result<usize, AppError> {
        let batch: Vec<(i64, (i64, NaiveDateTime))> = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.drain().collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let n = batch.len();
        let written = batch.clone();
        let r = self
            .db
            .run(move |c| {
                write_transaction(c, |c| {
                    let mut per_key: HashMap<i64, NaiveDateTime> = HashMap::new();
                    for (secret_id, (key_id, at)) in &written {
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
                    Ok::<_, AppError>(())
                })
            })
            .await;
        match r {
            Ok(()) => Ok(n),
            Err(e) => {
                for (secret_id, (key_id, at)) in batch {
                    self.record(key_id, secret_id, at);
                }
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
