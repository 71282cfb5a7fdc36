//! The keys a list filter matches, and the updates a bulk action makes to
//! many of them at once. Every update notes the change for the key-state
//! cache, as every other key write does; the `key_changes` triggers move
//! the stamp for the other instances.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamp};

use super::api_key::matching;
use super::bulk_action::Previous;
use crate::access::usage_tally::Dim;
use crate::db::{DbConnection, MultiBackend};
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

/// The first `n` matching keys (id, name), by name: the dry run's sample.
pub fn sample(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    n: i64,
) -> QueryResult<Vec<(i64, String)>> {
    matching(conn, kind, p, now)
        .order((api_keys::name_key.asc(), api_keys::id.asc()))
        .limit(n)
        .select((api_keys::id, api_keys::name))
        .load(conn)
}

/// SQL over the usage record for the key of the outer row: `head`, then
/// the key's call rows in hourly buckets from `since` on, then `tail`.
fn calls_of_row<
    ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType + Send + 'static,
>(
    head: &str,
    since: NaiveDateTime,
    tail: &str,
) -> impl diesel::query_builder::QueryFragment<MultiBackend>
       + diesel::expression::ValidGrouping<(), IsAggregate = diesel::expression::is_aggregate::Never>
       + diesel::expression::SelectableExpression<api_keys::table, SqlType = ST>
       + Send
       + 'static {
    sql::<ST>(&format!(
        "{head} FROM key_usage WHERE key_usage.api_key_id = api_keys.id \
         AND key_usage.dim = '{}' AND key_usage.span = 'hour' AND key_usage.count > 0 \
         AND key_usage.bucket >= ",
        Dim::Calls.code()
    ))
    .bind::<Timestamp, _>(since)
    .sql(tail)
}

/// The matching keys' calls in hourly buckets from `since` on, and how many
/// of the keys made any: aggregated in SQL (one index probe of the usage
/// record per matching key), however many keys match.
pub fn usage_since(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let in_use: i64 = matching(conn, kind, p, now)
        .filter(calls_of_row::<Bool>("EXISTS (SELECT 1", since, ")"))
        .count()
        .get_result(conn)?;
    if in_use == 0 {
        return Ok((0, 0));
    }
    let calls: i64 = matching(conn, kind, p, now)
        .filter(calls_of_row::<Bool>("EXISTS (SELECT 1", since, ")"))
        .select(calls_of_row::<BigInt>(
            "CAST(COALESCE(SUM((SELECT SUM(key_usage.count)",
            since,
            ")), 0) AS BIGINT)",
        ))
        .get_result(conn)?;
    Ok((calls, in_use))
}

/// Up to `n` matching keys with calls from `since` on, most calls first:
/// (key id, name, calls). The dry run lists these first in its sample.
pub fn busiest_since(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    since: NaiveDateTime,
    n: i64,
) -> QueryResult<Vec<(i64, String, i64)>> {
    matching(conn, kind, p, now)
        .filter(calls_of_row::<Bool>("EXISTS (SELECT 1", since, ")"))
        .select((
            api_keys::id,
            api_keys::name,
            calls_of_row::<BigInt>("CAST((SELECT SUM(key_usage.count)", since, ") AS BIGINT)"),
        ))
        .order(sql::<BigInt>("3 DESC, 1"))
        .limit(n)
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
