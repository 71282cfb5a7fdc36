//! Bulk actions over a filter (issue 13 §6): the record of one run and the
//! keys it changed, with each key's values from before, for undo.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{bulk_action_keys, bulk_actions};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = bulk_actions)]
pub struct BulkAction {
    pub id: i64,
    pub action: String,
    pub key_kind: String,
    pub filter: String,
    pub new_expires_at: Option<NaiveDateTime>,
    pub key_count: i64,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
    pub undone_at: Option<NaiveDateTime>,
    pub undone_by: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = bulk_actions)]
pub struct NewBulkAction<'a> {
    pub action: &'a str,
    pub key_kind: &'a str,
    pub filter: &'a str,
    pub new_expires_at: Option<NaiveDateTime>,
    pub key_count: i64,
    pub actor_user_id: Option<i64>,
    pub actor_name: &'a str,
    pub created_at: NaiveDateTime,
}

/// A changed key's values from before the bulk action.
#[derive(Queryable, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    pub api_key_id: i64,
    pub active: bool,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, new: &NewBulkAction<'_>) -> QueryResult<i64> {
    diesel::insert_into(bulk_actions::table)
        .values(new)
        .returning(bulk_actions::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<BulkAction>> {
    bulk_actions::table
        .find(id)
        .select(BulkAction::as_select())
        .first(conn)
        .optional()
}

/// Records the previous values of one batch, in one INSERT (a batch stays
/// under both backends' bound-parameter limits: 4 per row).
pub fn record_previous(
    conn: &mut DbConnection,
    bulk_id: i64,
    rows: &[Previous],
) -> QueryResult<()> {
    let values: Vec<_> = rows
        .iter()
        .map(|p| {
            (
                bulk_action_keys::bulk_action_id.eq(bulk_id),
                bulk_action_keys::api_key_id.eq(p.api_key_id),
                bulk_action_keys::prev_active.eq(p.active),
                bulk_action_keys::prev_expires_at.eq(p.expires_at),
            )
        })
        .collect();
    for chunk in values.chunks(2_000) {
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(bulk_action_keys::table)
                .values(chunk)
                .execute(c)?,
            DbConnection::Postgresql(c) => diesel::insert_into(bulk_action_keys::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// The recorded keys of `bulk_id` after `after_key_id`, by key id, at most
/// `limit`: undo walks them batch by batch.
pub fn previous_after(
    conn: &mut DbConnection,
    bulk_id: i64,
    after_key_id: i64,
    limit: i64,
) -> QueryResult<Vec<Previous>> {
    bulk_action_keys::table
        .filter(bulk_action_keys::bulk_action_id.eq(bulk_id))
        .filter(bulk_action_keys::api_key_id.gt(after_key_id))
        .order(bulk_action_keys::api_key_id.asc())
        .limit(limit)
        .select((
            bulk_action_keys::api_key_id,
            bulk_action_keys::prev_active,
            bulk_action_keys::prev_expires_at,
        ))
        .load(conn)
}

/// Marks the action undone unless it already is; false when it was.
pub fn mark_undone(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        bulk_actions::table
            .find(id)
            .filter(bulk_actions::undone_at.is_null()),
    )
    .set((
        bulk_actions::undone_at.eq(at),
        bulk_actions::undone_by.eq(by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Of `ids`, the bulk actions not undone yet, with their key tab: the
/// history offers Undo on those.
pub fn not_undone(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    bulk_actions::table
        .filter(bulk_actions::id.eq_any(ids))
        .filter(bulk_actions::undone_at.is_null())
        .select((bulk_actions::id, bulk_actions::key_kind))
        .load(conn)
}
