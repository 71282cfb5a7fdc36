//! The first answers to Key API requests sent with an `Idempotency-Key`
//! (create and refresh), per calling key. Never holds a secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::idempotency_keys;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = idempotency_keys)]
pub struct Stored {
    pub id: i64,
    pub api_key_id: i64,
    pub idem_key: String,
    pub operation: String,
    pub request_hash: String,
    pub status: i32,
    pub response: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct NewStored<'a> {
    pub api_key_id: i64,
    pub idem_key: &'a str,
    pub operation: &'a str,
    pub request_hash: &'a str,
    pub status: i32,
    pub response: &'a str,
    pub created_at: NaiveDateTime,
}

/// The answer kept for `(key, idem_key)` since `since`, if any.
pub fn find(
    conn: &mut DbConnection,
    api_key_id: i64,
    idem_key: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<Stored>> {
    idempotency_keys::table
        .filter(idempotency_keys::api_key_id.eq(api_key_id))
        .filter(idempotency_keys::idem_key.eq(idem_key))
        .filter(idempotency_keys::created_at.gt(since))
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

/// Drops what `(key, idem_key)` kept until `before` (an expired entry), then
/// keeps the new answer.
pub fn insert(
    conn: &mut DbConnection,
    new: &NewStored<'_>,
    before: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::api_key_id.eq(new.api_key_id))
            .filter(idempotency_keys::idem_key.eq(new.idem_key))
            .filter(idempotency_keys::created_at.le(before)),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}
