//! Bulk actions over a filter (issue 13 §6), for any face: deactivate or set
//! the expiry of every key a list filter matches, one write transaction and
//! one audit event per batch of keys, each batch recording the values it
//! replaced; and undo, for 24 hours, which puts exactly those values back
//! on the keys that still exist (secrets are never touched).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::time_json;
use crate::db::DbConnection;
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::bulk_action::{self, BulkAction, NewBulkAction};
use crate::models::key_bulk;

/// Keys changed per transaction: short write locks however many match.
pub const BATCH: usize = 1_000;

/// How long a bulk action can be undone (by the app clock).
pub fn undo_window() -> Duration {
    Duration::hours(24)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkChange {
    Deactivate,
    /// The new expiry; None: never expires.
    SetExpiry(Option<NaiveDateTime>),
}

pub const DEACTIVATE: &str = "deactivate";
pub const SET_EXPIRY: &str = "set_expiry";

impl BulkChange {
    pub fn code(self) -> &'static str {
        match self {
            Self::Deactivate => DEACTIVATE,
            Self::SetExpiry(_) => SET_EXPIRY,
        }
    }
}

/// Records the start of a run over `count` keys; returns its id.
pub fn start(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    kind: KeyKind,
    change: BulkChange,
    filter: &str,
    count: usize,
) -> Result<i64, AppError> {
    let new_expires_at = match change {
        BulkChange::SetExpiry(t) => t,
        BulkChange::Deactivate => None,
    };
    Ok(bulk_action::insert(
        conn,
        &NewBulkAction {
            action: change.code(),
            key_kind: kind.code(),
            filter,
            new_expires_at,
            key_count: i64::try_from(count).unwrap_or(i64::MAX),
            actor_user_id: actor.user_id,
            actor_name: &actor.name,
            created_at: now,
        },
    )?)
}

/// Changes the keys `ids` (those still in `kind`), recording their previous
/// values and one audit event. Returns how many keys changed.
pub fn apply_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    kind: KeyKind,
    bulk_id: i64,
    change: BulkChange,
    ids: &[i64],
) -> Result<usize, AppError> {
    let before = key_bulk::previous_of(conn, kind, ids)?;
    if before.is_empty() {
        return Ok(0);
    }
    bulk_action::record_previous(conn, bulk_id, &before)?;
    let found: Vec<i64> = before.iter().map(|p| p.api_key_id).collect();
    let changed = match change {
        BulkChange::Deactivate => key_bulk::set_active(conn, kind, &found, false, now)?,
        BulkChange::SetExpiry(t) => key_bulk::set_expiry(conn, kind, &found, t, now)?,
    };
    let mut details = json!({
        "bulk_id": bulk_id,
        "kind": kind.code(),
        "change": change.code(),
        "keys": changed,
    });
    if let BulkChange::SetExpiry(t) = change {
        details["expires_at"] = time_json(t);
    }
    audit::record(
        conn,
        now,
        actor,
        action::KEYS_BULK_CHANGED,
        Target::None,
        details,
    )?;
    Ok(changed)
}

/// Why a bulk action cannot be undone now, if it cannot.
pub fn undo_refusal(bulk: &BulkAction, now: NaiveDateTime) -> Option<String> {
    if let Some(at) = bulk.undone_at {
        return Some(format!(
            "This bulk action was already undone ({} UTC, by {}); nothing was changed.",
            at.format("%Y-%m-%d %H:%M"),
            bulk.undone_by.as_deref().unwrap_or("someone")
        ));
    }
    if now - bulk.created_at > undo_window() {
        return Some(format!(
            "A bulk action can be undone for 24 hours; this one ran on {} UTC. Nothing was changed.",
            bulk.created_at.format("%Y-%m-%d %H:%M")
        ));
    }
    None
}

/// Marks the bulk action `id` of `kind` undone (once: a second undo is
/// refused) and records the event. The keys are restored by `undo_batch`.
pub fn start_undo(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    kind: KeyKind,
    id: i64,
) -> Result<BulkAction, AppError> {
    let bulk = bulk_action::find(conn, id)?
        .filter(|b| b.key_kind == kind.code())
        .ok_or_else(|| AppError::not_found("That bulk action"))?;
    if let Some(why) = undo_refusal(&bulk, now) {
        return Err(AppError::Conflict(why));
    }
    if !bulk_action::mark_undone(conn, id, now, &actor.name)? {
        return Err(AppError::Conflict(
            "This bulk action was already undone; nothing was changed.".into(),
        ));
    }
    audit::record(
        conn,
        now,
        actor,
        action::KEYS_BULK_UNDONE,
        Target::None,
        json!({ "bulk_id": id, "kind": kind.code(), "change": bulk.action, "keys": bulk.key_count }),
    )?;
    Ok(bulk)
}

/// Restores the next batch of recorded keys after key id `after`. Returns
/// how many keys were restored and where the next batch starts (None: done).
pub fn undo_batch(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    kind: KeyKind,
    bulk: &BulkAction,
    after: i64,
) -> Result<(usize, Option<i64>), AppError> {
    let rows = bulk_action::previous_after(conn, bulk.id, after, BATCH as i64)?;
    let Some(last) = rows.last().map(|r| r.api_key_id) else {
        return Ok((0, None));
    };
    let mut restored = 0;
    if bulk.action == DEACTIVATE {
        let mut by_value: BTreeMap<bool, Vec<i64>> = BTreeMap::new();
        for r in &rows {
            by_value.entry(r.active).or_default().push(r.api_key_id);
        }
        for (active, ids) in by_value {
            restored += key_bulk::set_active(conn, kind, &ids, active, now)?;
        }
    } else {
        let mut by_value: BTreeMap<Option<NaiveDateTime>, Vec<i64>> = BTreeMap::new();
        for r in &rows {
            by_value.entry(r.expires_at).or_default().push(r.api_key_id);
        }
        for (expires_at, ids) in by_value {
            restored += key_bulk::set_expiry(conn, kind, &ids, expires_at, now)?;
        }
    }
    Ok((restored, Some(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(created_at: NaiveDateTime, undone_at: Option<NaiveDateTime>) -> BulkAction {
        BulkAction {
            id: 1,
            action: DEACTIVATE.into(),
            key_kind: "rest".into(),
            filter: "?q=a".into(),
            new_expires_at: None,
            key_count: 3,
            actor_user_id: Some(1),
            actor_name: "erin".into(),
            created_at,
            undone_at,
            undone_by: undone_at.map(|_| "olivia".into()),
        }
    }

    #[test]
    fn undo_is_possible_once_and_for_24_hours() {
        let t = crate::models::now_utc();
        assert_eq!(undo_refusal(&bulk(t, None), t + Duration::hours(24)), None);
        let late = undo_refusal(
            &bulk(t, None),
            t + Duration::hours(24) + Duration::seconds(1),
        );
        assert!(late.unwrap().contains("24 hours"));
        let again = undo_refusal(&bulk(t, Some(t)), t).unwrap();
        assert!(
            again.contains("already undone") && again.contains("olivia"),
            "{again}"
        );
    }
}
