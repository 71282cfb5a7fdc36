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

pub fn insert(conn: &mut DbConnection, new: &NewChannel<'_>) -> QueryResult<usize> {
    diesel::insert_into(channels::table)
        .values(new)
        .execute(conn)
}

pub fn rename(conn: &mut DbConnection, id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(channels::table.find(id))
        .set(channels::name.eq(name))
        .execute(conn)
}
