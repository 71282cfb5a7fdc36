//! Secret generations of a key (issue 8): one current (`retires_at` NULL),
//! at most one retiring (`retires_at` in the future), and the retired ones,
//! kept so the dialog and the history can show them. Only the prefix and the
//! HMAC of a secret are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::api_key_secrets;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_key_secrets)]
pub struct KeySecret {
    pub id: i64,
    pub api_key_id: i64,
    pub prefix: String,
    pub hash: String,
    pub created_at: NaiveDateTime,
    pub retires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    /// When its grace period began (the refresh that made it retiring).
    pub retiring_since: Option<NaiveDateTime>,
    /// "Stop when idle for …": the flush task ends the grace once the
    /// secret has had no call for this many seconds.
    pub stop_when_idle_secs: Option<i64>,
}

/// Where a secret is in its life at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretStatus {
    Current,
    Retiring(NaiveDateTime),
    Retired(NaiveDateTime),
}

impl KeySecret {
    pub fn status(&self, now: NaiveDateTime) -> SecretStatus {
        match self.retires_at {
            None => SecretStatus::Current,
            Some(t) if t > now => SecretStatus::Retiring(t),
            Some(t) => SecretStatus::Retired(t),
        }
    }

    /// True while the secret still opens the key.
    pub fn works_at(&self, now: NaiveDateTime) -> bool {
        !matches!(self.status(now), SecretStatus::Retired(_))
    }
}

#[derive(Insertable)]
#[diesel(table_name = api_key_secrets)]
pub struct NewKeySecret<'a> {
    pub api_key_id: i64,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewKeySecret<'_>) -> QueryResult<usize> {
    diesel::insert_into(api_key_secrets::table)
        .values(new)
        .execute(conn)
}

/// Every generation of a key, newest first.
pub fn of_key(conn: &mut DbConnection, key_id: i64) -> QueryResult<Vec<KeySecret>> {
    api_key_secrets::table
        .filter(api_key_secrets::api_key_id.eq(key_id))
        .order((
            api_key_secrets::created_at.desc(),
            api_key_secrets::id.desc(),
        ))
        .select(KeySecret::as_select())
        .load(conn)
}

/// The current generation of each key among `key_ids` (for lists).
pub fn current_of_keys(conn: &mut DbConnection, key_ids: &[i64]) -> QueryResult<Vec<KeySecret>> {
    api_key_secrets::table
        .filter(api_key_secrets::api_key_id.eq_any(key_ids))
        .filter(api_key_secrets::retires_at.is_null())
        .select(KeySecret::as_select())
        .load(conn)
}

/// The generation whose hash is `hash`: how a presented secret finds its key.
pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<KeySecret>> {
    api_key_secrets::table
        .filter(api_key_secrets::hash.eq(hash))
        .select(KeySecret::as_select())
        .first(conn)
        .optional()
}

/// Ends every grace period of the key now: the retiring secret (if any)
/// stops working at `now`. Returns how many secrets were stopped.
pub fn stop_retiring(
    conn: &mut DbConnection,
    key_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_key_secrets::table
            .filter(api_key_secrets::api_key_id.eq(key_id))
            .filter(api_key_secrets::retires_at.gt(now)),
    )
    .set(api_key_secrets::retires_at.eq(now))
    .execute(conn)
}

/// Turns the current secret into the retiring one, stopping at `retires_at`.
/// Returns how many rows changed (0 when another refresh got there first).
pub fn retire_current(
    conn: &mut DbConnection,
    key_id: i64,
    now: NaiveDateTime,
    retires_at: NaiveDateTime,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_key_secrets::table
            .filter(api_key_secrets::api_key_id.eq(key_id))
            .filter(api_key_secrets::retires_at.is_null()),
    )
    .set((
        api_key_secrets::retires_at.eq(retires_at),
        api_key_secrets::retiring_since.eq(now),
    ))
    .execute(conn)
}

/// Records a use of the generation (called off the request path, batched).
pub fn touch(conn: &mut DbConnection, secret_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_key_secrets::table.find(secret_id).filter(
            api_key_secrets::last_used_at
                .is_null()
                .or(api_key_secrets::last_used_at.lt(at)),
        ),
    )
    .set(api_key_secrets::last_used_at.eq(at))
    .execute(conn)
}

/// The key's secret in its grace period at `now`, if any.
pub fn retiring_of_key(
    conn: &mut DbConnection,
    key_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<KeySecret>> {
    api_key_secrets::table
        .filter(api_key_secrets::api_key_id.eq(key_id))
        .filter(api_key_secrets::retires_at.gt(now))
        .select(KeySecret::as_select())
        .first(conn)
        .optional()
}

/// Sets "stop when idle for `secs`" on the key's retiring secret.
pub fn set_idle_stop(
    conn: &mut DbConnection,
    key_id: i64,
    now: NaiveDateTime,
    secs: i64,
) -> QueryResult<usize> {
    diesel::update(
        api_key_secrets::table
            .filter(api_key_secrets::api_key_id.eq(key_id))
            .filter(api_key_secrets::retires_at.gt(now)),
    )
    .set(api_key_secrets::stop_when_idle_secs.eq(secs))
    .execute(conn)
}

/// Moves the end of the key's grace period to `until`.
pub fn set_grace_end(
    conn: &mut DbConnection,
    key_id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_key_secrets::table
            .filter(api_key_secrets::api_key_id.eq(key_id))
            .filter(api_key_secrets::retires_at.gt(now)),
    )
    .set(api_key_secrets::retires_at.eq(until))
    .execute(conn)
}

/// Secrets in their grace period that should stop once idle.
pub fn with_idle_stop(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<KeySecret>> {
    api_key_secrets::table
        .filter(api_key_secrets::retires_at.gt(now))
        .filter(api_key_secrets::stop_when_idle_secs.is_not_null())
        .select(KeySecret::as_select())
        .load(conn)
}
