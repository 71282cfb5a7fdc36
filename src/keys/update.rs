//! Changing a key: name, active, channel, expiry, grants (REST keys only:
//! GraphQL roles are fixed at creation) and stores. The event lists each
//! changed field as old → new. Allowed API Methods too.

use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use super::{
    check_grants, check_methods, check_stores, grants_json, stores_json, time_json, KeyState,
};
use crate::catalogue::AllowedMethods;
use crate::db::DbConnection;
use crate::domain::{GrantSet, KeyName, StoreAccess};
use crate::error::AppError;
use crate::models::api_key::{self, ApiKeyChangeset};
use crate::models::audit::{self, action, Actor, Target};
use crate::models::{key_grant, key_method};

pub struct KeyChanges {
    pub name: KeyName,
    pub active: bool,
    pub channel_id: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    /// `None` leaves the grants as they are (always so for GraphQL keys).
    pub grants: Option<GrantSet>,
    pub stores: StoreAccess,
    /// Allowed API Methods, as `KeySpec::allowed_methods`.
    pub allowed_methods: AllowedMethods,
}

/// Applies `changes` to the key `before` describes (loaded in the same
/// transaction). Returns whether anything changed.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    before: &KeyState,
    changes: &KeyChanges,
) -> Result<bool, AppError> {
    let kind = before.kind();
    let key = &before.key;
    if kind.is_graphql() && changes.grants.is_some_and(|g| g != before.grants) {
        return Err(AppError::bad_request(
            "Roles cannot be changed after creation.",
        ));
    }
    if !kind.is_graphql() && changes.channel_id.is_some() {
        return Err(AppError::bad_request("REST keys have no channel."));
    }
    // An unchanged expiry in the past may stay (the key stays expired); a
    // new one must lie ahead.
    if changes.expires_at != key.expires_at && changes.expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::bad_request(
            "The expiry date is in the past: choose today or later.",
        ));
    }
    let grants = changes.grants.unwrap_or(before.grants);
    check_grants(&grants)?;
    if changes.stores != before.stores {
        check_stores(conn, &changes.stores)?;
    }
    if changes.allowed_methods != before.methods {
        check_methods(&changes.allowed_methods)?;
    }

    let mut diff = Map::new();
    let mut note = |field: &str, old: Value, new: Value| {
        if old != new {
            diff.insert(field.into(), json!({ "old": old, "new": new }));
        }
    };
    note("name", json!(key.name), json!(changes.name.as_str()));
    note("active", json!(key.active), json!(changes.active));
    note(
        "channel_id",
        json!(key.channel_id),
        json!(changes.channel_id),
    );
    note(
        "expires_at",
        time_json(key.expires_at),
        time_json(changes.expires_at),
    );
    note("grants", grants_json(&before.grants), grants_json(&grants));
    let (old_stores, new_stores) = (
        stores_json(conn, &before.stores)?,
        stores_json(conn, &changes.stores)?,
    );
    note("stores", old_stores, new_stores);
    note(
        "methods",
        before.methods.to_json(),
        changes.allowed_methods.to_json(),
    );
    if diff.is_empty() {
        return Ok(false);
    }

    let set = ApiKeyChangeset {
        name: changes.name.as_str(),
        active: changes.active,
        channel_id: changes.channel_id,
        updated_at: now,
        expires_at: changes.expires_at,
        all_stores: changes.stores.is_all(),
    };
    if api_key::update(conn, kind, key.id, &set)? == 0 {
        return Err(AppError::not_found("That API key"));
    }
    if grants != before.grants {
        key_grant::replace_grants(conn, key.id, grants)?;
    }
    if changes.stores != before.stores {
        key_grant::replace_stores(conn, key.id, &changes.stores)?;
    }
    if changes.allowed_methods != before.methods {
        key_method::replace_methods(conn, key.id, &changes.allowed_methods)?;
    }
    audit::record(
        conn,
        now,
        actor,
        action::KEY_EDITED,
        Target::Key {
            id: key.id,
            name: changes.name.as_str(),
        },
        json!({ "kind": kind.code(), "changes": Value::Object(diff) }),
    )?;
    Ok(true)
}
