//! What a key may do and where: its (function, action) grants and, for keys
//! with "Access to individual stores", its stores.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::domain::permission::{parse_function, Action, Grant, GrantSet};
use crate::domain::StoreAccess;
use crate::schema::{api_key_grants, api_key_stores, api_keys};

/// The effective grant of a key, whatever its kind. Rows that no longer
/// name a known function or action are ignored (deny by default).
pub fn grants_of(conn: &mut DbConnection, key_id: i64) -> QueryResult<GrantSet> {
    let rows = api_key_grants::table
        .filter(api_key_grants::api_key_id.eq(key_id))
        .select((api_key_grants::function, api_key_grants::action))
        .load::<(String, String)>(conn)?;
    Ok(rows
        .iter()
        .filter_map(|(f, a)| Some(Grant::new(parse_function(f).ok()?, Action::parse(a).ok()?)))
        .collect())
}

/// Replaces the key's grants with `grants`.
pub fn replace_grants(conn: &mut DbConnection, key_id: i64, grants: GrantSet) -> QueryResult<()> {
    crate::access::cache::note_change();
    diesel::delete(api_key_grants::table.filter(api_key_grants::api_key_id.eq(key_id)))
        .execute(conn)?;
    for g in grants.iter() {
        diesel::insert_into(api_key_grants::table)
            .values((
                api_key_grants::api_key_id.eq(key_id),
                api_key_grants::function.eq(g.function.code()),
                api_key_grants::action.eq(g.action.code()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The store access of a key: `all_stores` from its row, the list from
/// `api_key_stores`.
pub fn store_access_of(
    conn: &mut DbConnection,
    key_id: i64,
    all_stores: bool,
) -> QueryResult<StoreAccess> {
    if all_stores {
        return Ok(StoreAccess::All);
    }
    let ids = api_key_stores::table
        .filter(api_key_stores::api_key_id.eq(key_id))
        .select(api_key_stores::store_id)
        .load::<i64>(conn)?;
    Ok(StoreAccess::individual(ids))
}

/// Writes the key's store list (the `all_stores` flag is on its row).
pub fn replace_stores(
    conn: &mut DbConnection,
    key_id: i64,
    access: &StoreAccess,
) -> QueryResult<()> {
    crate::access::cache::note_change();
    diesel::delete(api_key_stores::table.filter(api_key_stores::api_key_id.eq(key_id)))
        .execute(conn)?;
    for s in access.store_ids() {
        diesel::insert_into(api_key_stores::table)
            .values((
                api_key_stores::api_key_id.eq(key_id),
                api_key_stores::store_id.eq(*s),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The keys limited to `store_id` ("Access to individual stores" listing it),
/// by name: what deleting the store would affect.
pub fn keys_limited_to(
    conn: &mut DbConnection,
    store_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    api_key_stores::table
        .inner_join(api_keys::table)
        .filter(api_key_stores::store_id.eq(store_id))
        .filter(api_keys::all_stores.eq(false))
        .order((api_keys::name_key.asc(), api_keys::id.asc()))
        .select((api_keys::id, api_keys::kind, api_keys::name))
        .load(conn)
}
