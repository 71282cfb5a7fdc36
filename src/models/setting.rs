//! Server settings kept in the database so every instance shares them: the
//! session signing key, the API key pepper, the one-time setup token.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::settings;

pub const SESSION_KEY: &str = "session_key";
pub const KEY_PEPPER: &str = "key_pepper";
/// The printed setup link: `setup_token:<sha256 of the token>`. Each start
/// without users replaces the row, so only the latest link works.
pub const SETUP_TOKEN_PREFIX: &str = "setup_token:";

pub fn get(conn: &mut DbConnection, name: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(name)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Returns the stored value, or stores `make()` if there is none. When two
/// instances start at once, the first insert wins and both read it back.
pub fn get_or_insert_with(
    conn: &mut DbConnection,
    name: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    if let Some(v) = get(conn, name)? {
        return Ok(v);
    }
    let inserted = diesel::insert_into(settings::table)
        .values((settings::name.eq(name), settings::value.eq(make())))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => settings::table
            .find(name)
            .select(settings::value)
            .first(conn),
        Err(e) => Err(e),
    }
}

/// The HMAC pepper for API key hashes: the configured one, else the one kept
/// in the database (generated and stored at first use). The server and
/// `keydesk seed` must agree on it, so both ask here.
pub fn key_pepper(conn: &mut DbConnection, configured: Option<&str>) -> QueryResult<Vec<u8>> {
    match configured {
        Some(p) => Ok(p.as_bytes().to_vec()),
        None => Ok(
            get_or_insert_with(conn, KEY_PEPPER, || crate::crypto::random_token(32))?.into_bytes(),
        ),
    }
}

/// Stores `name` unless it exists; true when this call stored it.
pub fn insert_if_absent(conn: &mut DbConnection, name: &str, value: &str) -> QueryResult<bool> {
    let inserted = diesel::insert_into(settings::table)
        .values((settings::name.eq(name), settings::value.eq(value)))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn exists(conn: &mut DbConnection, name: &str) -> QueryResult<bool> {
    Ok(get(conn, name)?.is_some())
}

/// Deletes every setting whose name starts with `prefix`.
pub fn delete_prefixed(conn: &mut DbConnection, prefix: &str) -> QueryResult<usize> {
    diesel::delete(settings::table.filter(settings::name.like(format!("{prefix}%")))).execute(conn)
}

/// Deletes one setting; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    diesel::delete(settings::table.filter(settings::name.eq(name))).execute(conn)
}
