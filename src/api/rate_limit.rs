//! The per-key request rate of the Key API's /api/v1 endpoints: a token
//! bucket per key, in memory (each instance counts its own requests; with N
//! instances behind a balancer a key gets at most N times the rate).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Arc<Mutex<HashMap<i64, Bucket>>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before full (idle) ones are dropped.
const MAX_BUCKETS: usize = 50_000;

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            buckets: Arc::default(),
        }
    }

    pub fn limit(&self) -> u32 {
        self.per_minute
    }

    /// Takes one request from `key_id`'s bucket: Ok, or Err with the whole
    /// seconds until the next one is allowed.
    pub fn take(&self, key_id: i64) -> Result<(), u64> {
        self.take_at(key_id, Instant::now())
    }

    fn take_at(&self, key_id: i64, now: Instant) -> Result<(), u64> {
        let cap = f64::from(self.per_minute);
        let rate = cap / 60.0;
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_BUCKETS && !map.contains_key(&key_id) {
            map.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < cap);
        }
        let b = map.entry(key_id).or_insert(Bucket {
            tokens: cap,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - b.tokens) / rate).ceil() as u64).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_one_per_interval() {
        let r = RateLimiter::per_minute(3);
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(r.take_at(1, t), Ok(()));
        }
        assert_eq!(r.take_at(1, t), Err(20));
        // Another key has its own bucket.
        assert_eq!(r.take_at(2, t), Ok(()));
        assert_eq!(r.take_at(1, t + Duration::from_secs(20)), Ok(()));
        assert!(r.take_at(1, t + Duration::from_secs(21)).is_err());
    }
}
