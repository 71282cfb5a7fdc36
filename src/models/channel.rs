//! Sales channels a GraphQL key can be tied to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::channels;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = channels)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = channels)]
pub struct NewChannel<'a> {
    pub name: &'a str,
    pub created_at: NaiveDateTime,
}

/// Every channel by name; the table is small (a shop has a handful).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Channel>> {
    channels::table
        .order((channels::name.asc(), channels::id.asc()))
        .select(Channel::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Channel>> {
    channels::table
        .find(id)
        .select(Channel::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Channel>> {
    channels::table
        .filter(channels::name.eq(name))
        .select(Channel::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewChannel<'_>) -> QueryResult<Channel> {
    diesel::insert_into(channels::table)
        .values(new)
        .returning((channels::id, channels::name, channels::created_at))
        .get_result(conn)
}

/// How many keys (of any kind) are tied to the channel `id`.
pub fn keys_using(conn: &mut DbConnection, id: i64) -> QueryResult<i64> {
    crate::schema::api_keys::table
        .filter(crate::schema::api_keys::channel_id.eq(id))
        .count()
        .get_result(conn)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(channels::table.find(id)).execute(conn)
}

pub fn rename(conn: &mut DbConnection, id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(channels::table.find(id))
        .set(channels::name.eq(name))
        .execute(conn)
}
