//! Deleting keys: all of the given ones or none, one event per key.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::DbConnection;
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::models::api_key;
use crate::models::audit::{self, action, Actor, Target};

pub const GONE: &str = "Some of the selected keys no longer exist; nothing was deleted. Reload the list and select again.";

/// Deletes the keys `ids` of `kind`. The caller runs it in a write
/// transaction, so a missing key rolls the whole deletion back.
pub fn delete_many(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    kind: KeyKind,
    ids: &[i64],
) -> Result<usize, AppError> {
    let keys = api_key::names_of(conn, kind, ids)?;
    if keys.len() != ids.len() || api_key::delete_many(conn, kind, ids)? != ids.len() {
        return Err(AppError::NotFound(GONE.into()));
    }
    for (id, name) in &keys {
        audit::record(
            conn,
            now,
            actor,
            action::KEY_DELETED,
            Target::Key { id: *id, name },
            json!({ "kind": kind.code() }),
        )?;
    }
    Ok(keys.len())
}
