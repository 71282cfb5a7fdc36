//! Creating a key: its row, roles, grants, stores, first secret and the
//! "key created" event.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{check_grants, check_methods, check_stores, grants_json, stores_json, time_json};
use crate::catalogue::AllowedMethods;
use crate::db::DbConnection;
use crate::domain::secret::StoredSecret;
use crate::domain::{GrantSet, KeyKind, KeyName, StoreAccess};
use crate::error::AppError;
use crate::models::api_key::{self, ApiKey, KeyRole, NewApiKey};
use crate::models::audit::{self, action, Actor, Target};
use crate::models::key_secret::{self, NewKeySecret};
use crate::models::{key_grant, key_method};

/// A key as a face asks for it. GraphQL keys take `roles` (their grants
/// follow from them); REST keys take `grants` and no roles or channel.
pub struct KeySpec {
    pub kind: KeyKind,
    pub name: KeyName,
    pub active: bool,
    pub channel_id: Option<i64>,
    pub roles: Vec<KeyRole>,
    pub grants: GrantSet,
    pub stores: StoreAccess,
    /// Allowed API Methods: `AllowedMethods::ALL` or a list the catalogue
    /// made (`Catalogue::choose`).
    pub allowed_methods: AllowedMethods,
    pub expires_at: Option<NaiveDateTime>,
}

impl KeySpec {
    /// The grant the key will hold.
    pub fn effective_grants(&self) -> GrantSet {
        if self.kind.is_graphql() {
            GrantSet::from_roles(&self.roles)
        } else {
            self.grants
        }
    }
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    spec: &KeySpec,
    secret: &StoredSecret,
    client_id: Option<&str>,
) -> Result<ApiKey, AppError> {
    if !spec.kind.is_graphql() && (!spec.roles.is_empty() || spec.channel_id.is_some()) {
        return Err(AppError::bad_request(
            "REST keys have no channel and no roles.",
        ));
    }
    if spec.kind.is_graphql() && !spec.grants.is_empty() {
        return Err(AppError::bad_request(
            "GraphQL keys get their permissions from their roles.",
        ));
    }
    if spec.expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::bad_request(
            "The expiry date is in the past: choose today or later.",
        ));
    }
    let grants = spec.effective_grants();
    check_grants(&grants)?;
    check_stores(conn, &spec.stores)?;
    check_methods(&spec.allowed_methods)?;
    let new = NewApiKey {
        kind: spec.kind.code(),
        name: spec.name.as_str(),
        active: spec.active,
        channel_id: spec.channel_id,
        client_id,
        created_at: now,
        updated_at: now,
        created_by: actor.user_id,
        expires_at: spec.expires_at,
        all_stores: spec.stores.is_all(),
    };
    let key = api_key::insert(conn, &new, &spec.roles)?;
    key_grant::replace_grants(conn, key.id, grants)?;
    key_grant::replace_stores(conn, key.id, &spec.stores)?;
    if !spec.allowed_methods.is_all() {
        key_method::replace_methods(conn, key.id, &spec.allowed_methods)?;
    }
    key_secret::insert(
        conn,
        &NewKeySecret {
            api_key_id: key.id,
            prefix: &secret.prefix,
            hash: &secret.hash,
            created_at: now,
        },
    )?;
    let details = json!({
        "kind": spec.kind.code(),
        "active": spec.active,
        "channel_id": spec.channel_id,
        "client_id": client_id,
        "secret_prefix": secret.prefix,
        "expires_at": time_json(spec.expires_at),
        "grants": grants_json(&grants),
        "stores": stores_json(conn, &spec.stores)?,
        "methods": spec.allowed_methods.to_json(),
    });
    audit::record(
        conn,
        now,
        actor,
        action::KEY_CREATED,
        Target::Key {
            id: key.id,
            name: &key.name,
        },
        details,
    )?;
    Ok(key)
}
