//! Which API methods a key may call: "All methods" (the `all_methods` flag
//! on its row, the default) or the operations listed in `api_key_methods`.

use diesel::prelude::*;

use crate::access::AllowedMethod;
use crate::catalogue::AllowedMethods;
use crate::db::DbConnection;
use crate::schema::{api_key_methods, api_keys};

/// The key's allowed methods; `all_methods` comes from its row.
pub fn methods_of(
    conn: &mut DbConnection,
    key_id: i64,
    all_methods: bool,
) -> QueryResult<AllowedMethods> {
    if all_methods {
        return Ok(AllowedMethods::ALL);
    }
    let rows = api_key_methods::table
        .filter(api_key_methods::api_key_id.eq(key_id))
        .order((api_key_methods::path.asc(), api_key_methods::method.asc()))
        .select((api_key_methods::method, api_key_methods::path))
        .load::<(String, String)>(conn)?;
    Ok(AllowedMethods::from_stored(Some(
        rows.into_iter()
            .map(|(method, path)| AllowedMethod { method, path })
            .collect(),
    )))
}

/// Writes the flag and the list (row by row: MultiConnection has no
/// multi-row insert).
pub fn replace_methods(
    conn: &mut DbConnection,
    key_id: i64,
    methods: &AllowedMethods,
) -> QueryResult<()> {
    crate::access::cache::note_change();
    diesel::update(api_keys::table.find(key_id))
        .set(api_keys::all_methods.eq(methods.is_all()))
        .execute(conn)?;
    diesel::delete(api_key_methods::table.filter(api_key_methods::api_key_id.eq(key_id)))
        .execute(conn)?;
    for m in methods.list().unwrap_or_default() {
        diesel::insert_into(api_key_methods::table)
            .values((
                api_key_methods::api_key_id.eq(key_id),
                api_key_methods::method.eq(&m.method),
                api_key_methods::path.eq(&m.path),
            ))
            .execute(conn)?;
    }
    Ok(())
}
