//! OAuth2 access tokens (issue 9): the HMAC of each token, the key and the
//! secret generation it was issued from, its scope and its lifetime. The
//! token itself is never stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::access_tokens;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = access_tokens)]
pub struct AccessToken {
    pub id: i64,
    pub token_hash: String,
    pub api_key_id: i64,
    pub secret_id: i64,
    /// Space-separated `function:action` items.
    pub scope: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = access_tokens)]
pub struct NewAccessToken<'a> {
    pub token_hash: &'a str,
    pub api_key_id: i64,
    pub secret_id: i64,
    pub scope: &'a str,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewAccessToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(access_tokens::table)
        .values(new)
        .execute(conn)
}

pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<AccessToken>> {
    access_tokens::table
        .filter(access_tokens::token_hash.eq(hash))
        .select(AccessToken::as_select())
        .first(conn)
        .optional()
}

/// Revokes the token with `hash` if it belongs to key `key_id`; returns
/// whether one was removed.
pub fn revoke(conn: &mut DbConnection, hash: &str, key_id: i64) -> QueryResult<bool> {
    crate::access::cache::note_change();
    let n = diesel::delete(
        access_tokens::table
            .filter(access_tokens::token_hash.eq(hash))
            .filter(access_tokens::api_key_id.eq(key_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Removes tokens that expired before `before` (they can never work again).
pub fn purge_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::delete(access_tokens::table.filter(access_tokens::expires_at.le(before))).execute(conn)
}
