//! Sessions kept in the database behind actix-session's `SessionStore`, so
//! signing out revokes a session everywhere (a copied cookie included), and
//! every instance sharing the database accepts the same cookie.
//!
//! The cookie carries only a random key; the table holds its SHA-256. Idle
//! timeout: `expires_at`, pushed forward at most once a minute while the user
//! is active. Absolute timeout: `created_at`, renewed only at sign-in.

use std::collections::HashMap;
use std::time::Duration;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use chrono::NaiveDateTime;

use crate::crypto::{random_token, sha256_hex};
use crate::db::Db;
use crate::models::{now_utc, session as rows};

type State = HashMap<String, String>;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    idle: Duration,
    absolute: Duration,
}

impl DbSessionStore {
    pub fn new(db: Db, idle: Duration, absolute: Duration) -> Self {
        Self { db, idle, absolute }
    }

    /// How stale `expires_at` may get before a request pushes it forward:
    /// a minute, or less for short test timeouts.
    fn touch_interval(&self) -> chrono::Duration {
        chrono::Duration::from_std((self.idle / 4).min(Duration::from_secs(60))).unwrap_or_default()
    }

    fn expiry(&self, now: NaiveDateTime) -> NaiveDateTime {
        now + chrono::Duration::from_std(self.idle).unwrap_or(chrono::Duration::MAX)
    }

    fn created_after(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::from_std(self.absolute).unwrap_or(chrono::Duration::MAX)
    }

    /// Deletes expired sessions; run periodically.
    pub async fn purge(&self) -> Result<usize, crate::error::AppError> {
        let now = now_utc();
        let before = self.created_after(now);
        self.db
            .run(move |c| Ok(rows::purge_expired(c, now, before)?))
            .await
    }
}

fn id_of(key: &SessionKey) -> String {
    sha256_hex(key.as_ref().as_bytes())
}

/// The signed-in user a session state names (actix-session keeps each value
/// as JSON: `"uid": "42"`).
fn user_of(state: &State) -> Option<i64> {
    state.get(crate::auth::session::USER_ID)?.parse().ok()
}

fn other<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("session store: {e}")
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let id = id_of(session_key);
        let now = now_utc();
        let created_after = self.created_after(now);
        let touch_before = self.expiry(now) - self.touch_interval();
        let new_expiry = self.expiry(now);
        let row = self
            .db
            .run(move |c| {
                let row = rows::find_live(c, &id, now, created_after)?;
                if let Some(r) = &row {
                    if r.expires_at < touch_before {
                        rows::touch(c, &id, new_expiry)?;
                    }
                }
                Ok(row)
            })
            .await
            .map_err(|e| LoadError::Other(other(e)))?;
        match row {
            None => Ok(None),
            Some(r) => serde_json::from_str(&r.state)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(other(e))),
        }
    }

    async fn save(
        &self,
        state: State,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(other(e)))?;
        let key = random_token(32);
        let id = sha256_hex(key.as_bytes());
        let now = now_utc();
        let expires_at = self.expiry(now);
        let user_id = user_of(&state);
        self.db
            .run(move |c| {
                let row = rows::NewSession {
                    id: &id,
                    state: &json,
                    created_at: now,
                    expires_at,
                    user_id,
                };
                Ok(rows::insert(c, &row)?)
            })
            .await
            .map_err(|e| SaveError::Other(other(e)))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(other(e)))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: State,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(other(e)))?;
        let id = id_of(&session_key);
        let expires_at = self.expiry(now_utc());
        let user_id = user_of(&state);
        let updated = self
            .db
            .run(move |c| Ok(rows::update_state(c, &id, &json, user_id, expires_at)?))
            .await
            .map_err(|e| UpdateError::Other(other(e)))?;
        if updated == 1 {
            Ok(session_key)
        } else {
            // The row is gone (expired, or signed out elsewhere): start afresh
            // with an empty session. Saving `state` would bring a signed-out
            // user back, with a fresh absolute timeout.
            drop(state);
            self.save(State::new(), ttl)
                .await
                .map_err(|e| UpdateError::Other(other(e)))
        }
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<(), anyhow::Error> {
        let id = id_of(session_key);
        let expires_at = self.expiry(now_utc());
        self.db
            .run(move |c| Ok(rows::touch(c, &id, expires_at)?))
            .await
            .map(|_| ())
            .map_err(other)
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let id = id_of(session_key);
        self.db
            .run(move |c| Ok(rows::delete(c, &id)?))
            .await
            .map(|_| ())
            .map_err(other)
    }
}
