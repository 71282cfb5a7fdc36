//! The usage record's rows (issue 13): one per secret, span (hour or day),
//! bucket, dimension and value, with a count and the last call. Written by
//! the flush task only, as upserts (`ON CONFLICT DO UPDATE`, both
//! backends); hourly rows older than `HOURLY_DAYS` are summed into daily
//! rows and deleted by the same task.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::access::usage_tally::{Dim, Entry, Tally, MAX_CALLERS};
use crate::db::DbConnection;
use crate::schema::key_usage;

/// Hourly rows are kept this long, then rolled up into days.
pub const HOURLY_DAYS: i64 = 90;
/// Hourly rows rolled up per flush (the rest wait for the next).
const ROLL_UP_BATCH: i64 = 5_000;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_usage)]
pub struct UsageRow {
    pub id: i64,
    pub api_key_id: i64,
    pub secret_id: i64,
    pub span: String,
    pub bucket: NaiveDateTime,
    pub dim: String,
    pub value: String,
    pub count: i64,
    pub last_at: NaiveDateTime,
}

/// `?` placeholders as the backend writes them.
fn placeholders(pg: bool, sql: &str) -> String {
    if !pg {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

/// Adds `count` calls to one row (made if missing; skipped when the secret
/// was deleted meanwhile, so a flush never fails on a deleted key).
#[allow(clippy::too_many_arguments)]
fn upsert(
    conn: &mut DbConnection,
    key_id: i64,
    secret_id: i64,
    span: &str,
    bucket: NaiveDateTime,
    dim: &str,
    value: &str,
    count: i64,
    last_at: NaiveDateTime,
) -> QueryResult<usize> {
    let pg = matches!(conn, DbConnection::Postgresql(_));
    let max = if pg { "GREATEST" } else { "MAX" };
    let sql = placeholders(
        pg,
        &format!(
            "INSERT INTO key_usage (api_key_id, secret_id, span, bucket, dim, value, count, last_at) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM api_key_secrets WHERE id = ?) \
             ON CONFLICT (secret_id, span, bucket, dim, value) DO UPDATE SET \
             count = key_usage.count + excluded.count, \
             last_at = {max}(key_usage.last_at, excluded.last_at)"
        ),
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(key_id)
        .bind::<BigInt, _>(secret_id)
        .bind::<Text, _>(span)
        .bind::<Timestamp, _>(bucket)
        .bind::<Text, _>(dim)
        .bind::<Text, _>(value)
        .bind::<BigInt, _>(count)
        .bind::<Timestamp, _>(last_at)
        .bind::<BigInt, _>(secret_id)
        .execute(conn)
}

/// Writes one secret-hour's tally. New callers beyond the hour's cap (what
/// earlier flushes wrote counts too) go to `other_callers`.
pub fn add_hour(
    conn: &mut DbConnection,
    secret_id: i64,
    hour: NaiveDateTime,
    tally: &Tally,
) -> QueryResult<()> {
    let mut known: Option<Vec<String>> = None;
    let mut overflow: Option<(i64, NaiveDateTime)> = None;
    for e in &tally.entries {
        let mut dim = e.dim;
        if dim == Dim::Caller {
            let k = match &mut known {
                Some(k) => k,
                None => known.insert(
                    key_usage::table
                        .filter(key_usage::secret_id.eq(secret_id))
                        .filter(key_usage::span.eq("hour"))
                        .filter(key_usage::bucket.eq(hour))
                        .filter(key_usage::dim.eq(Dim::Caller.code()))
                        .select(key_usage::value)
                        .load(conn)?,
                ),
            };
            if !k.contains(&e.value) {
                if k.len() >= MAX_CALLERS {
                    dim = Dim::OtherCallers;
                } else {
                    k.push(e.value.clone());
                }
            }
        }
        if dim == Dim::OtherCallers && e.dim == Dim::Caller {
            let o = overflow.get_or_insert((0, e.last_at));
            o.0 += e.count;
            o.1 = o.1.max(e.last_at);
            continue;
        }
        upsert(
            conn,
            tally.key_id,
            secret_id,
            "hour",
            hour,
            dim.code(),
            &e.value,
            e.count,
            e.last_at,
        )?;
    }
    if let Some((n, last)) = overflow {
        let other = Dim::OtherCallers.code();
        upsert(
            conn,
            tally.key_id,
            secret_id,
            "hour",
            hour,
            other,
            "",
            n,
            last,
        )?;
    }
    Ok(())
}

/// Sums hourly rows older than `HOURLY_DAYS` into daily rows and deletes
/// them; returns how many hourly rows were rolled up.
pub fn roll_up(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    let before = now - Duration::days(HOURLY_DAYS);
    let old: Vec<UsageRow> = key_usage::table
        .filter(key_usage::span.eq("hour"))
        .filter(key_usage::bucket.lt(before))
        .order(key_usage::id)
        .limit(ROLL_UP_BATCH)
        .select(UsageRow::as_select())
        .load(conn)?;
    if old.is_empty() {
        return Ok(0);
    }
    type Day = (i64, i64, NaiveDateTime, String, String);
    let mut days: HashMap<Day, (i64, NaiveDateTime)> = HashMap::new();
    for r in &old {
        let day = r.bucket.date().and_hms_opt(0, 0, 0).unwrap_or(r.bucket);
        let e = days
            .entry((
                r.secret_id,
                r.api_key_id,
                day,
                r.dim.clone(),
                r.value.clone(),
            ))
            .or_insert((0, r.last_at));
        e.0 += r.count;
        e.1 = e.1.max(r.last_at);
    }
    for ((secret_id, key_id, day, dim, value), (count, last)) in days {
        upsert(
            conn, key_id, secret_id, "day", day, &dim, &value, count, last,
        )?;
    }
    let ids: Vec<i64> = old.iter().map(|r| r.id).collect();
    for chunk in ids.chunks(500) {
        diesel::delete(key_usage::table.filter(key_usage::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(old.len())
}

/// Rows of the given secrets and dimension in buckets from `since` on.
pub fn of_secrets(
    conn: &mut DbConnection,
    secret_ids: &[i64],
    dim: Dim,
    since: NaiveDateTime,
) -> QueryResult<Vec<UsageRow>> {
    key_usage::table
        .filter(key_usage::secret_id.eq_any(secret_ids))
        .filter(key_usage::dim.eq(dim.code()))
        .filter(key_usage::bucket.ge(since))
        .select(UsageRow::as_select())
        .load(conn)
}

/// Rows of a key (all its secrets) and dimension in buckets from `since` on.
pub fn of_key(
    conn: &mut DbConnection,
    key_id: i64,
    dim: Dim,
    since: NaiveDateTime,
) -> QueryResult<Vec<UsageRow>> {
    key_usage::table
        .filter(key_usage::api_key_id.eq(key_id))
        .filter(key_usage::dim.eq(dim.code()))
        .filter(key_usage::bucket.ge(since))
        .select(UsageRow::as_select())
        .load(conn)
}

/// Each value of a key's dimension (all its secrets) in buckets from
/// `since` on, with its count summed in SQL: one row per value, however
/// many hours it spans.
pub fn totals_of_key(
    conn: &mut DbConnection,
    key_id: i64,
    dim: Dim,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, i64)>> {
    key_usage::table
        .filter(key_usage::api_key_id.eq(key_id))
        .filter(key_usage::dim.eq(dim.code()))
        .filter(key_usage::bucket.ge(since))
        .group_by(key_usage::value)
        .select((
            key_usage::value,
            diesel::dsl::sql::<BigInt>("CAST(SUM(count) AS BIGINT)"),
        ))
        .load(conn)
}

/// Rows of the given keys and dimension in buckets from `since` on.
pub fn of_keys(
    conn: &mut DbConnection,
    key_ids: &[i64],
    dim: Dim,
    since: NaiveDateTime,
) -> QueryResult<Vec<UsageRow>> {
    key_usage::table
        .filter(key_usage::api_key_id.eq_any(key_ids))
        .filter(key_usage::dim.eq(dim.code()))
        .filter(key_usage::bucket.ge(since))
        .select(UsageRow::as_select())
        .load(conn)
}

impl From<&UsageRow> for Entry {
    fn from(r: &UsageRow) -> Self {
        let dim = [
            Dim::Calls,
            Dim::Refused,
            Dim::Caller,
            Dim::OtherCallers,
            Dim::Grant,
            Dim::Store,
            Dim::Method,
        ]
        .into_iter()
        .find(|d| d.code() == r.dim)
        .unwrap_or(Dim::Calls);
        Entry {
            dim,
            value: r.value.clone(),
            count: r.count,
            last_at: r.last_at,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_per_backend() {
        assert_eq!(super::placeholders(false, "a ? b ?"), "a ? b ?");
        assert_eq!(super::placeholders(true, "a ? b ?"), "a $1 b $2");
    }
}
