//! The rotation cockpit's actions on a grace period (issue 13): "Stop the
//! old secret when it has been idle for …", "Extend the grace", and the
//! flush task's side of the first, which ends the grace by itself.

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::{load_state, stop_old_secret, time_json, KeyState};
use crate::db::DbConnection;
use crate::domain::{Grace, IdleStop};
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::key_secret;

const NO_GRACE: &str = "There is no old secret in its grace period.";

fn retiring(before: &KeyState, now: NaiveDateTime) -> Result<&key_secret::KeySecret, AppError> {
    before
        .secrets
        .iter()
        .find(|s| s.retires_at.is_some_and(|t| t > now))
        .ok_or_else(|| AppError::Conflict(NO_GRACE.into()))
}

/// Stores "stop when idle for `idle`" on the key's retiring secret.
pub fn set_idle_stop(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    before: &KeyState,
    idle: IdleStop,
) -> Result<(), AppError> {
    let old = retiring(before, now)?;
    key_secret::set_idle_stop(conn, before.key.id, now, idle.secs())?;
    audit::record(
        conn,
        now,
        actor,
        action::KEY_GRACE_CHANGED,
        Target::Key {
            id: before.key.id,
            name: &before.key.name,
        },
        json!({
            "kind": before.kind().code(),
            "secret_prefix": old.prefix,
            "stop_when_idle": idle.code(),
        }),
    )?;
    Ok(())
}

/// Moves the grace period's end to `now + grace`, which must be later than
/// its end today. Returns the new end.
pub fn extend_grace(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    before: &KeyState,
    grace: Grace,
) -> Result<NaiveDateTime, AppError> {
    let old = retiring(before, now)?;
    let until = now + grace.duration();
    let end = old.retires_at.unwrap_or(now);
    if until <= end {
        return Err(AppError::Conflict(
            "Choose a new end later than the grace period's end today.".into(),
        ));
    }
    key_secret::set_grace_end(conn, before.key.id, now, until)?;
    crate::models::api_key::touch(conn, before.kind(), before.key.id, now)?;
    audit::record(
        conn,
        now,
        actor,
        action::KEY_GRACE_CHANGED,
        Target::Key {
            id: before.key.id,
            name: &before.key.name,
        },
        json!({
            "kind": before.kind().code(),
            "secret_prefix": old.prefix,
            "old_retires_at": time_json(Some(end)),
            "retires_at": time_json(Some(until)),
        }),
    )?;
    Ok(until)
}

/// The flush task's upkeep: ends every grace period whose old secret asked
/// to stop once idle and has had no call for that long (counted from its
/// last use, or from the refresh when it was not used since). Audited as
/// "Old secret stopped" by keydesk itself. Returns how many were stopped.
pub fn stop_idle_secrets(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let mut stopped = 0;
    for s in key_secret::with_idle_stop(conn, now)? {
        let Some(secs) = s.stop_when_idle_secs else {
            continue;
        };
        let since = s.last_used_at.into_iter().chain(s.retiring_since).max();
        let since = since.unwrap_or(s.created_at);
        if now - since < Duration::seconds(secs) {
            continue;
        }
        let kind = match crate::models::api_key::kind_of(conn, s.api_key_id)? {
            Some(k) => k,
            None => continue,
        };
        let st = load_state(conn, kind, s.api_key_id)?;
        if stop_old_secret(conn, &Actor::system(), now, &st)? {
            tracing::info!(
                key_id = s.api_key_id,
                idle_secs = secs,
                "old secret stopped: idle"
            );
            stopped += 1;
        }
    }
    Ok(stopped)
}
