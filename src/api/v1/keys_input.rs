//! The bodies of the key operations and their parsing into core values.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::db::DbConnection;
use crate::domain::{AccessLevel, Grant, GrantSet, KeyKind, KeyRoleDefinition, StoreAccess};
use crate::error::AppError;
use crate::models::api_key::KeyRole;
use crate::models::store;

#[derive(Deserialize)]
#[serde(untagged)]
pub enum StoresBody {
    /// `"all"`.
    Word(String),
    /// Store codes.
    Codes(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    pub definition: String,
    pub level: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub kind: Option<String>,
    pub name: String,
    pub active: Option<bool>,
    pub grants: Option<Vec<String>>,
    pub roles: Option<Vec<RoleBody>>,
    pub channel_id: Option<i64>,
    pub stores: Option<StoresBody>,
    pub expires_at: Option<String>,
    /// `["GET /api/v1/me", …]` from the method catalogue; absent or null:
    /// all methods.
    pub allowed_methods: Option<Vec<String>>,
}

/// PATCH: absent fields stay; `expires_at: null` means never.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub grants: Option<Vec<String>>,
    pub stores: Option<StoresBody>,
    #[serde(default)]
    pub expires_at: Option<Value>,
    #[serde(default)]
    pub channel_id: Option<Value>,
    /// Absent: unchanged; null: all methods; a list: those methods.
    #[serde(default, deserialize_with = "present")]
    pub allowed_methods: Option<Option<Vec<String>>>,
}

/// Tells a member sent as `null` (Some(None)) from one left out (None).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A key's Allowed API Methods from the API's list (None: all methods).
pub fn parse_methods(
    catalogue: &crate::catalogue::Catalogue,
    raw: Option<&[String]>,
) -> Result<crate::catalogue::AllowedMethods, AppError> {
    match raw {
        None => Ok(crate::catalogue::AllowedMethods::ALL),
        Some(list) => catalogue.choose(list).map_err(invalid),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    pub grace: Option<String>,
}

pub fn invalid(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

pub fn parse_grants(raw: &[String]) -> Result<GrantSet, AppError> {
    raw.iter()
        .map(|s| Grant::parse_scope(s).map_err(invalid))
        .collect()
}

pub fn parse_roles(raw: &[RoleBody]) -> Result<Vec<KeyRole>, AppError> {
    raw.iter()
        .map(|r| {
            Ok(KeyRole {
                definition: KeyRoleDefinition::parse(&r.definition).map_err(invalid)?,
                level: AccessLevel::parse(&r.level).map_err(invalid)?,
            })
        })
        .collect()
}

pub fn parse_stores(c: &mut DbConnection, raw: &StoresBody) -> Result<StoreAccess, AppError> {
    match raw {
        StoresBody::Word(w) if w == "all" => Ok(StoreAccess::All),
        StoresBody::Word(_) => Err(invalid("stores is \"all\" or a list of store codes.")),
        StoresBody::Codes(codes) => {
            let mut ids = Vec::with_capacity(codes.len());
            for code in codes {
                let s = store::find_by_code(c, code)?.ok_or_else(|| {
                    let code: String = code.chars().filter(|c| !c.is_control()).take(40).collect();
                    invalid(format!("There is no store `{code}`."))
                })?;
                ids.push(s.id);
            }
            Ok(StoreAccess::individual(ids))
        }
    }
}

pub fn parse_time(raw: &str) -> Result<chrono::NaiveDateTime, AppError> {
    use chrono::SubsecRound;
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.naive_utc().trunc_subsecs(6))
        .map_err(|_| invalid("expires_at is an RFC 3339 time, e.g. 2027-01-31T00:00:00Z, or null."))
}

pub fn secret_fields(kind: KeyKind, client_id: Option<&str>, secret: Option<&str>) -> Value {
    if kind.is_graphql() {
        json!({ "api_key": secret })
    } else {
        json!({ "client_id": client_id, "client_secret": secret })
    }
}

/// Joins `extra`'s fields into `base`.
pub fn merged(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        b.extend(e);
    }
    base
}
