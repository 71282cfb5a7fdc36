//! Stores a key can be limited to (seed 003), managed on `/admin/stores`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::stores;

#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = stores)]
pub struct Store {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = stores)]
pub struct NewStore<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub created_at: NaiveDateTime,
}

/// Every store by name; a company has tens or hundreds, not millions.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Store>> {
    stores::table
        .order((stores::name.asc(), stores::id.asc()))
        .select(Store::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Store>> {
    stores::table
        .find(id)
        .select(Store::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Store>> {
    stores::table
        .filter(stores::code.eq(code))
        .select(Store::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewStore<'_>) -> QueryResult<Store> {
    crate::access::cache::note_change();
    diesel::insert_into(stores::table)
        .values(new)
        .returning((stores::id, stores::name, stores::code, stores::created_at))
        .get_result(conn)
}

pub fn rename(conn: &mut DbConnection, id: i64, name: &str) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(stores::table.find(id))
        .set(stores::name.eq(name))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::delete(stores::table.find(id)).execute(conn)
}
