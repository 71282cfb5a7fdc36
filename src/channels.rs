//! Sales channels, written once for both faces (the Sales channels page and
//! the Key API): add, rename and delete, with the rules: names follow the
//! key-name rules and are unique; a channel keys are tied to is not deleted
//! (the keys would silently lose it).

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::domain::KeyName;
use crate::error::AppError;
use crate::models::channel::{self, Channel, NewChannel};

pub const TAKEN: &str = "A channel with this name exists already.";

/// The unique index's answer to a race the check above it lost.
fn taken(e: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::Conflict(TAKEN.into())
        }
        other => other.into(),
    }
}

pub fn create(
    c: &mut DbConnection,
    now: NaiveDateTime,
    name: &KeyName,
) -> Result<Channel, AppError> {
    if channel::find_by_name(c, name.as_str())?.is_some() {
        return Err(AppError::Conflict(TAKEN.into()));
    }
    channel::insert(
        c,
        &NewChannel {
            name: name.as_str(),
            created_at: now,
        },
    )
    .map_err(taken)
}

/// Renames the channel `id` (to its own name: nothing changes).
pub fn rename(c: &mut DbConnection, id: i64, name: &KeyName) -> Result<Channel, AppError> {
    let before = channel::find(c, id)?.ok_or_else(|| AppError::not_found("That channel"))?;
    if before.name == name.as_str() {
        return Ok(before);
    }
    if channel::find_by_name(c, name.as_str())?.is_some() {
        return Err(AppError::Conflict(TAKEN.into()));
    }
    if channel::rename(c, id, name.as_str()).map_err(taken)? == 0 {
        return Err(AppError::not_found("That channel"));
    }
    Ok(Channel {
        name: name.as_str().to_owned(),
        ..before
    })
}

/// The refusal for a channel keys are tied to.
pub fn in_use(keys: i64) -> String {
    let n = if keys == 1 {
        "1 key is".to_owned()
    } else {
        format!("{keys} keys are")
    };
    format!("{n} tied to this channel: tie them to another channel first, then delete it.")
}

/// Deletes the channel `id`, unless keys are tied to it.
pub fn delete(c: &mut DbConnection, id: i64) -> Result<Channel, AppError> {
    let ch = channel::find(c, id)?.ok_or_else(|| AppError::not_found("That channel"))?;
    let keys = channel::keys_using(c, id)?;
    if keys > 0 {
        return Err(AppError::Conflict(in_use(keys)));
    }
    if channel::delete(c, id)? == 0 {
        return Err(AppError::not_found("That channel"));
    }
    Ok(ch)
}
