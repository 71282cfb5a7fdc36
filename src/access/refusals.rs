//! Refused credentials go to the history (DESIGN.md "History"): the code,
//! the key when known and the source address; never what was presented. At
//! most one event per (key, address, code) a minute, counted in memory, so
//! a flood cannot fill the table; the write runs after the response.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::decision::ReasonCode;
use crate::db::Db;
use crate::models::audit::{self, action, Actor, Target};

/// Distinct (key, address, code) remembered at once; beyond it, new ones
/// are dropped until the minute has passed for the old.
const MAX_REMEMBERED: usize = 10_000;

/// (key, address, what: a reason code or `throttled`).
type Seen = (Option<i64>, Option<String>, &'static str);

#[derive(Clone)]
pub struct RefusalLog {
    db: Db,
    window: Window,
}

/// When each (key, address, code) was last recorded.
#[derive(Clone, Default)]
struct Window(Arc<Mutex<HashMap<Seen, NaiveDateTime>>>);

/// The key a refused credential belonged to, when the lookup found one.
pub struct RefusedKey {
    pub id: i64,
    pub name: String,
}

impl Window {
    /// True when this refusal is recorded (not within a minute of the same).
    fn admit(&self, k: Seen, now: NaiveDateTime) -> bool {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let window = Duration::minutes(1);
        if let Some(t) = last.get(&k) {
            if now - *t < window {
                return false;
            }
        }
        if last.len() >= MAX_REMEMBERED {
            last.retain(|_, t| now - *t < window);
            if last.len() >= MAX_REMEMBERED {
                return false;
            }
        }
        last.insert(k, now);
        true
    }
}

impl RefusalLog {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            window: Window::default(),
        }
    }

    /// Records a refusal at `endpoint` (e.g. `verify`, `oauth/token`).
    pub fn refused(
        &self,
        now: NaiveDateTime,
        code: ReasonCode,
        key: Option<RefusedKey>,
        ip: Option<String>,
        endpoint: &'static str,
    ) {
        if !self
            .window
            .admit((key.as_ref().map(|k| k.id), ip.clone(), code.code()), now)
        {
            return;
        }
        let db = self.db.clone();
        actix_web::rt::spawn(async move {
            let r = db
                .run(move |c| {
                    let (actor, target) = match &key {
                        Some(k) => (Actor::key(k.id, &k.name, ip), Some(k)),
                        None => (Actor::anonymous(ip), None),
                    };
                    let target = match target {
                        Some(k) => Target::Key {
                            id: k.id,
                            name: &k.name,
                        },
                        None => Target::None,
                    };
                    audit::record(
                        c,
                        now,
                        &actor,
                        action::CREDENTIAL_REFUSED,
                        target,
                        json!({ "code": code.code(), "endpoint": endpoint }),
                    )?;
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                tracing::warn!(error = %e, "recording a refused credential failed");
            }
        });
    }
}

impl RefusalLog {
    /// Records a client authentication refused unseen by the throttle, with
    /// the same one-a-minute limit per address as refusals. `client_id` is
    /// what the caller named (kept only as it is a public identifier).
    pub fn throttled(
        &self,
        now: NaiveDateTime,
        client_id: Option<String>,
        ip: Option<String>,
        endpoint: &'static str,
        retry_after_seconds: u64,
    ) {
        if !self.window.admit((None, ip.clone(), "throttled"), now) {
            return;
        }
        let db = self.db.clone();
        actix_web::rt::spawn(async move {
            let r = db
                .run(move |c| {
                    let client_id: Option<String> = client_id.map(|s| s.chars().take(80).collect());
                    audit::record(
                        c,
                        now,
                        &Actor::anonymous(ip),
                        action::CLIENT_THROTTLED,
                        Target::None,
                        json!({
                            "endpoint": endpoint,
                            "client_id": client_id,
                            "retry_after_seconds": retry_after_seconds,
                        }),
                    )?;
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                tracing::warn!(error = %e, "recording a throttled client failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_key_address_and_code_a_minute() {
        let w = Window::default();
        let t = crate::models::now_utc();
        let k = |code: ReasonCode| (Some(1), Some("10.0.0.1".to_owned()), code.code());
        assert!(w.admit(k(ReasonCode::Inactive), t));
        assert!(!w.admit(k(ReasonCode::Inactive), t + Duration::seconds(59)));
        assert!(w.admit(k(ReasonCode::Expired), t));
        assert!(w.admit((None, Some("10.0.0.1".into()), "inactive"), t));
        assert!(w.admit(k(ReasonCode::Inactive), t + Duration::seconds(60)));
    }
}
