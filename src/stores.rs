//! Stores, written once for both faces (the Stores page and the Key API):
//! add, rename and delete, each with its audit event in the caller's
//! transaction. Codes are unique and never change.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::DbConnection;
use crate::domain::{KeyName, StoreCode};
use crate::error::AppError;
use crate::models::audit::{self, action, Actor, Target};
use crate::models::key_grant;
use crate::models::store::{self, NewStore, Store};

pub const TAKEN: &str = "A store with this code exists already: choose another code.";

pub fn create(
    c: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    name: &KeyName,
    code: &StoreCode,
) -> Result<Store, AppError> {
    if store::find_by_code(c, code.as_str())?.is_some() {
        return Err(AppError::Conflict(TAKEN.into()));
    }
    let s = store::insert(
        c,
        &NewStore {
            name: name.as_str(),
            code: code.as_str(),
            created_at: now,
        },
    )?;
    audit::record(
        c,
        now,
        actor,
        action::STORE_CREATED,
        Target::Store {
            id: s.id,
            name: &s.name,
        },
        json!({ "code": s.code }),
    )?;
    Ok(s)
}

/// Renames the store `id`; false when the name was already this one.
pub fn rename(
    c: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    id: i64,
    name: &KeyName,
) -> Result<bool, AppError> {
    let before = store::find(c, id)?.ok_or_else(|| AppError::not_found("That store"))?;
    if before.name == name.as_str() {
        return Ok(false);
    }
    if store::rename(c, id, name.as_str())? == 0 {
        return Err(AppError::not_found("That store"));
    }
    audit::record(
        c,
        now,
        actor,
        action::STORE_RENAMED,
        Target::Store {
            id,
            name: name.as_str(),
        },
        json!({
            "code": before.code,
            "changes": { "name": { "old": before.name, "new": name.as_str() } },
        }),
    )?;
    Ok(true)
}

/// Deletes the store `id`; returns how many keys were limited to it (they
/// keep "individual stores" without it: never silently all).
pub fn delete(
    c: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    id: i64,
) -> Result<usize, AppError> {
    let s = store::find(c, id)?.ok_or_else(|| AppError::not_found("That store"))?;
    let names: Vec<String> = key_grant::keys_limited_to(c, id)?
        .into_iter()
        .map(|(_, _, name)| name)
        .collect();
    if store::delete(c, id)? == 0 {
        return Err(AppError::not_found("That store"));
    }
    audit::record(
        c,
        now,
        actor,
        action::STORE_DELETED,
        Target::Store { id, name: &s.name },
        json!({ "code": s.code, "limited_keys": names }),
    )?;
    Ok(names.len())
}
