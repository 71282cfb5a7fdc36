//! Refused credentials go to the history (DESIGN.md "History"): the code,
//! the key when known and the source address; never what was presented. At
//! most one event per (key, address, code) a minute, counted in memory, so
//! a flood cannot fill the table; the write runs after the response.
//!
//! Each refusal has a decision id (`dec_…`), returned to the caller and
//! stored in the event's details with the request, so support can look a
//! refusal up on the "Would this be allowed?" page. Refusals of the same
//! (key, address, code) within that minute share the recorded one's id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::decision::{AccessRequest, ReasonCode, StoreRef};
use crate::db::{Db, DbConnection};
use crate::models::audit::{self, action, Actor, AuditEvent, Target};

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

/// When each (key, address, code) was last recorded, and its decision id.
#[derive(Clone, Default)]
struct Window(Arc<Mutex<HashMap<Seen, (NaiveDateTime, String)>>>);

/// A new decision id: not a secret, and never starting like one.
pub fn new_decision_id() -> String {
    format!("dec_{}", hex::encode(crate::crypto::random_bytes(10)))
}

/// A decision id as a user typed it (`dec_` and 20 hex digits).
pub fn parse_decision_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let hex = raw.strip_prefix("dec_")?;
    (hex.len() == 20 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("dec_{}", hex.to_ascii_lowercase()))
}

/// The recorded refusal with decision id `id` (a parsed one).
pub fn find(conn: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<AuditEvent>> {
    use crate::schema::audit_events as a;
    use diesel::prelude::*;
    // The id is 24 safe characters (parsed), so it is no LIKE pattern.
    a::table
        .filter(a::action.eq(action::CREDENTIAL_REFUSED))
        .filter(a::details.like(format!("%\"decision_id\":\"{id}\"%")))
        .order(a::id.asc())
        .select(AuditEvent::as_select())
        .first(conn)
        .optional()
}

/// What a refusal's event keeps of its request (no credential, no query).
fn request_details(r: &AccessRequest, store_code: Option<&str>) -> serde_json::Value {
    let path = r.path.as_deref().map(|p| {
        p.split('?')
            .next()
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect::<String>()
    });
    let store = match (r.store, store_code) {
        (_, Some(c)) => Some(c.to_owned()),
        (Some(StoreRef::Id(id)), None) => Some(format!("#{id}")),
        (Some(StoreRef::Unknown), None) => Some("(unknown)".to_owned()),
        (None, None) => None,
    };
    json!({
        "function": r.function.map(|f| f.code()),
        "action": r.action.map(|a| a.code()),
        "store": store,
        "method": r.method,
        "path": path,
    })
}

/// The key a refused credential belonged to, when the lookup found one.
pub struct RefusedKey {
    pub id: i64,
    pub name: String,
}

impl Window {
    /// Ok(id) when this refusal is recorded under a new id; Err(id) when
    /// not (within a minute of the same: that one's id).
    fn admit(&self, k: Seen, now: NaiveDateTime) -> Result<String, String> {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let window = Duration::minutes(1);
        if let Some((t, id)) = last.get(&k) {
            if now - *t < window {
                return Err(id.clone());
            }
        }
        if last.len() >= MAX_REMEMBERED {
            last.retain(|_, (t, _)| now - *t < window);
            if last.len() >= MAX_REMEMBERED {
                return Err(new_decision_id());
            }
        }
        let id = new_decision_id();
        last.insert(k, (now, id.clone()));
        Ok(id)
    }
}

impl RefusalLog {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            window: Window::default(),
        }
    }

    /// Records a refusal at `endpoint` (e.g. `verify`, `oauth/token`) of
    /// `request`, and returns its decision id.
    #[allow(clippy::too_many_arguments)]
    pub fn refused(
        &self,
        now: NaiveDateTime,
        code: ReasonCode,
        key: Option<RefusedKey>,
        ip: Option<String>,
        endpoint: &'static str,
        request: &AccessRequest,
        store_code: Option<&str>,
    ) -> String {
        let decision_id = match self
            .window
            .admit((key.as_ref().map(|k| k.id), ip.clone(), code.code()), now)
        {
            Ok(id) => id,
            Err(id) => return id,
        };
        let mut details =
            json!({ "code": code.code(), "endpoint": endpoint, "decision_id": decision_id });
        if let (serde_json::Value::Object(d), serde_json::Value::Object(r)) =
            (&mut details, request_details(request, store_code))
        {
            d.extend(r);
        }
        let returned = decision_id.clone();
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
                    audit::record(c, now, &actor, action::CREDENTIAL_REFUSED, target, details)?;
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                tracing::warn!(error = %e, "recording a refused credential failed");
            }
        });
        returned
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
        if self
            .window
            .admit((None, ip.clone(), "throttled"), now)
            .is_err()
        {
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
        let first = w.admit(k(ReasonCode::Inactive), t).unwrap();
        // Within the minute: not recorded, and the recorded one's id.
        assert_eq!(
            w.admit(k(ReasonCode::Inactive), t + Duration::seconds(59)),
            Err(first.clone())
        );
        assert!(w.admit(k(ReasonCode::Expired), t).is_ok());
        assert!(w
            .admit((None, Some("10.0.0.1".into()), "inactive"), t)
            .is_ok());
        let again = w.admit(k(ReasonCode::Inactive), t + Duration::seconds(60));
        assert!(again.as_ref().is_ok_and(|id| *id != first));
    }

    #[test]
    fn decision_ids_parse_strictly() {
        let id = new_decision_id();
        assert_eq!(parse_decision_id(&id), Some(id.clone()));
        assert_eq!(
            parse_decision_id(&format!(" {} ", id.to_uppercase().replace("DEC_", "dec_"))),
            Some(id)
        );
        for bad in [
            "",
            "dec_",
            "dec_%%%%%%%%%%%%%%%%%%%%",
            "kd_gql_x",
            "dec_0123456789abcdef012",
        ] {
            assert_eq!(parse_decision_id(bad), None, "{bad}");
        }
    }
}
