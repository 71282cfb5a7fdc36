//! The keys a list filter matches, and the updates a bulk action makes to
//! many of them at once. Every update notes the change for the key-state
//! cache, as every other key write does; the `key_changes` triggers move
//! the stamp for the other instances.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::api_key::matching;
use super::bulk_action::Previous;
use crate::db::DbConnection;
use crate::domain::list_query::ListParams;
use crate::domain::KeyKind;
use crate::schema::api_keys;

/// How many keys of `kind` the filter matches, exactly.
pub fn count(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    matching(conn, kind, p, now).count().get_result(conn)
}

/// The first `n` matching names, by name: the dry run's sample.
pub fn sample(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    n: i64,
) -> QueryResult<Vec<String>> {
    matching(conn, kind, p, now)
        .order((api_keys::name_key.asc(), api_keys::id.asc()))
        .limit(n)
        .select(api_keys::name)
        .load(conn)
}

/// Every matching id, ascending: the run's list of keys (ids only, on the
/// server; 100,000 keys are under a megabyte).
pub fn ids(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    matching(conn, kind, p, now)
        .order(api_keys::id.asc())
        .select(api_keys::id)
        .load(conn)
}

/// The active flag and expiry of those of `ids` that still exist in `kind`.
pub fn previous_of(
    conn: &mut DbConnection,
    kind: KeyKind,
    ids: &[i64],
) -> QueryResult<Vec<Previous>> {
    api_keys::table
        .filter(api_keys::kind.eq(kind.code()))
        .filter(api_keys::id.eq_any(ids))
        .order(api_keys::id.asc())
        .select((api_keys::id, api_keys::active, api_keys::expires_at))
        .load(conn)
}

pub fn set_active(
    conn: &mut DbConnection,
    kind: KeyKind,
    ids: &[i64],
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_keys::table
            .filter(api_keys::kind.eq(kind.code()))
            .filter(api_keys::id.eq_any(ids)),
    )
    .set((api_keys::active.eq(active), api_keys::updated_at.eq(now)))
    .execute(conn)
}

pub fn set_expiry(
    conn: &mut DbConnection,
    kind: KeyKind,
    ids: &[i64],
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_keys::table
            .filter(api_keys::kind.eq(kind.code()))
            .filter(api_keys::id.eq_any(ids)),
    )
    .set((
        api_keys::expires_at.eq(expires_at),
        api_keys::updated_at.eq(now),
    ))
    .execute(conn)
}
