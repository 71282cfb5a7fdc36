//! The time keydesk decides by: expiry, grace periods, retirement. Always the
//! system clock in production; tests move it forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system clock; only tests change it.
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Now in UTC (truncated to microseconds, as `models::now_utc`).
    pub fn now(&self) -> NaiveDateTime {
        crate::models::now_utc() + Duration::seconds(self.offset.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: std::time::Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock(+{}s)", self.offset.load(Ordering::Relaxed))
    }
}
