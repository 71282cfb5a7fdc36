//! Refresh (seed 002): a new current secret, the old one retiring now or
//! after a grace period; and ending a grace period early.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{time_json, KeyState};
use crate::db::DbConnection;
use crate::domain::secret::StoredSecret;
use crate::domain::Grace;
use crate::error::AppError;
use crate::models::api_key;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::key_secret::{self, NewKeySecret};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshOutcome {
    /// When the previous secret stops working (`now` for grace "Now").
    pub old_retires_at: NaiveDateTime,
    /// A secret that was still in its grace period was stopped at once
    /// (a key has at most one retiring secret).
    pub stopped_earlier: bool,
}

/// Gives the key `before` describes a new current secret. The caller runs it
/// in a write transaction: the key row is updated first, which makes a
/// second refresh of the same key wait for this one, so two refreshes at
/// once leave exactly one current secret (the unique index
/// `api_key_secrets_current` holds the line should anything else race).
pub fn refresh(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    before: &KeyState,
    grace: Grace,
    secret: &StoredSecret,
) -> Result<RefreshOutcome, AppError> {
    let kind = before.kind();
    let id = before.key.id;
    if api_key::touch(conn, kind, id, now)? == 0 {
        return Err(AppError::not_found("That API key"));
    }
    // Read after taking the lock: a refresh that ran just before is seen.
    let old_prefix = key_secret::of_key(conn, id)?
        .into_iter()
        .find(|s| s.retires_at.is_none())
        .map(|s| s.prefix);
    let stopped_earlier = key_secret::stop_retiring(conn, id, now)? > 0;
    let old_retires_at = now + grace.duration();
    key_secret::retire_current(conn, id, now, old_retires_at)?;
    key_secret::insert(
        conn,
        &NewKeySecret {
            api_key_id: id,
            prefix: &secret.prefix,
            hash: &secret.hash,
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        now,
        actor,
        action::KEY_REFRESHED,
        Target::Key {
            id,
            name: &before.key.name,
        },
        json!({
            "kind": kind.code(),
            "grace": grace.code(),
            "old_secret_prefix": old_prefix,
            "old_secret_retires_at": time_json(Some(old_retires_at)),
            "new_secret_prefix": secret.prefix,
            "stopped_earlier_secret": stopped_earlier,
        }),
    )?;
    Ok(RefreshOutcome {
        old_retires_at,
        stopped_earlier,
    })
}

/// "Stop the old secret now": ends the grace period of the key's retiring
/// secret. Returns false when there was none (nothing is recorded then).
pub fn stop_old_secret(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    before: &KeyState,
) -> Result<bool, AppError> {
    let kind = before.kind();
    let id = before.key.id;
    let retiring: Vec<String> = before
        .secrets
        .iter()
        .filter(|s| s.retires_at.is_some_and(|t| t > now))
        .map(|s| s.prefix.clone())
        .collect();
    if key_secret::stop_retiring(conn, id, now)? == 0 {
        return Ok(false);
    }
    api_key::touch(conn, kind, id, now)?;
    audit::record(
        conn,
        now,
        actor,
        action::KEY_OLD_SECRET_STOPPED,
        Target::Key {
            id,
            name: &before.key.name,
        },
        json!({ "kind": kind.code(), "secret_prefixes": retiring }),
    )?;
    Ok(true)
}
