//! Everything about a key that a dialog or an access check needs, in one
//! value.

use crate::catalogue::AllowedMethods;
use crate::db::DbConnection;
use crate::domain::{GrantSet, KeyKind, StoreAccess};
use crate::error::AppError;
use crate::models::api_key::{self, ApiKey, KeyRole};
use crate::models::key_secret::{self, KeySecret};
use crate::models::{key_grant, key_method};

#[derive(Clone, Debug)]
pub struct KeyState {
    pub key: ApiKey,
    pub roles: Vec<KeyRole>,
    pub grants: GrantSet,
    pub stores: StoreAccess,
    pub methods: AllowedMethods,
    /// Newest first.
    pub secrets: Vec<KeySecret>,
}

impl KeyState {
    pub fn kind(&self) -> KeyKind {
        KeyKind::parse(&self.key.kind).unwrap_or(KeyKind::Rest)
    }

    pub fn current_secret(&self) -> Option<&KeySecret> {
        self.secrets.iter().find(|s| s.retires_at.is_none())
    }
}

/// The key `id` of `kind` with its roles, grants, stores and secrets; a
/// missing key (or one of the other tab) is a 404.
pub fn load_state(conn: &mut DbConnection, kind: KeyKind, id: i64) -> Result<KeyState, AppError> {
    let key = api_key::find(conn, kind, id)?.ok_or_else(|| AppError::not_found("That API key"))?;
    Ok(KeyState {
        roles: api_key::roles_of(conn, id)?,
        grants: key_grant::grants_of(conn, id)?,
        stores: key_grant::store_access_of(conn, id, key.all_stores)?,
        methods: key_method::methods_of(conn, id, key.all_methods)?,
        secrets: key_secret::of_key(conn, id)?,
        key,
    })
}
