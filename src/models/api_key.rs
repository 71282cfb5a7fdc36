//! API keys of both kinds and the roles of GraphQL keys. Their secrets are
//! in `key_secret`, their grants and stores in `key_grant`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, MultiBackend};
use crate::domain::list_query::{ListParams, SortColumn, SortDir};
use crate::domain::{AccessLevel, GrantSet, KeyKind, KeyRoleDefinition};
use crate::schema::{api_key_roles, api_key_stores, api_keys};
use diesel::dsl::{exists, not};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub active: bool,
    pub channel_id: Option<i64>,
    pub client_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub all_stores: bool,
    pub last_used_at: Option<NaiveDateTime>,
    /// "All methods" (true) or only those in `api_key_methods`.
    pub all_methods: bool,
}

// None is NULL (not DEFAULT, which is NULL anyway): lets SQLite take many
// rows in one INSERT, where a DEFAULT in a VALUES row is not allowed.
#[derive(Insertable)]
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
pub struct NewApiKey<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub active: bool,
    pub channel_id: Option<i64>,
    pub client_id: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub all_stores: bool,
}

/// What the edit dialog may change. Roles are not here: they cannot change
/// after creation. Grants and stores are in `key_grant`.
#[derive(AsChangeset)]
#[diesel(table_name = api_keys, treat_none_as_null = true)]
pub struct ApiKeyChangeset<'a> {
    pub name: &'a str,
    pub active: bool,
    pub channel_id: Option<i64>,
    pub updated_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub all_stores: bool,
}

/// One row of the list: only the columns the table shows.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_keys)]
pub struct KeyListRow {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub channel_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub all_stores: bool,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRole {
    pub definition: KeyRoleDefinition,
    pub level: AccessLevel,
}

pub struct KeyPage {
    pub rows: Vec<KeyListRow>,
    /// How many keys match, exactly, up to the count's bound; the bound
    /// itself when more match (then `more` is set).
    pub total: i64,
    /// More keys match than were counted.
    pub more: bool,
}

/// Keys counted exactly before the list says "more than 10,000 keys": a
/// count reads every matching index entry, and at a million keys that is
/// what a page load would cost otherwise. Also how far pages go by number;
/// the rest is reached by reversing the sort.
pub const COUNT_BOUND: i64 = 10_000;

/// `SELECT COUNT(*) FROM (inner) AS bounded`: counts the rows of `inner`,
/// which carries the LIMIT, so the count stops reading there. Diesel has no
/// subquery in FROM, and the same SQL runs on both backends.
#[derive(diesel::query_builder::QueryId)]
struct CountOf<Q>(Q);

impl<Q> diesel::query_builder::Query for CountOf<Q> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<Q, C> RunQueryDsl<C> for CountOf<Q> {}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for CountOf<Q>
where
    DB: diesel::backend::Backend,
    Q: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT COUNT(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS bounded");
        Ok(())
    }
}

/// What a name sorts and is searched by: lower-cased with Unicode rules,
/// compared byte by byte on both backends (migration
/// 2026-11-23-000002_name_sort_key). Written by `insert`, `insert_many` and
/// `update`, never by callers.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// The keys of one tab narrowed by the filters, before ordering and paging;
/// used for both the count and the page so the two always agree.
///
/// `walk_index_of`: on SQLite, the page query names the sort column here, and
/// date ranges on other columns are written `+column`, which SQLite does not
/// use to pick an index. Without statistics its planner would otherwise start
/// from the range (it guesses ranges are narrow) and sort every matching row:
/// 20,000 rows for a wide range sorted by name. Walking the sort column's
/// index instead costs at most one pass over the tab's index entries, which
/// cover every filter column (migration 2026-11-23-000001_list_indexes), and
/// stops after the page. PostgreSQL keeps statistics and chooses by itself.
fn filtered<'a>(
    kind: KeyKind,
    p: &'a ListParams,
    sqlite: bool,
    walk_index_of: Option<SortColumn>,
    search_plan: super::key_search::Plan,
    now: NaiveDateTime,
) -> api_keys::BoxedQuery<'a, MultiBackend> {
    use crate::domain::list_query::{ExpiryFilter, UsageFilter};
    use crate::domain::AccessType;
    use crate::schema::api_key_stores;
    use diesel::dsl::{exists, sql};
    use diesel::sql_types::{Nullable, Timestamp};
    // A search with few matches starts from them (SQLite): with `+kind` the
    // tab's indexes cannot be walked instead, which for a rare name would
    // read the whole tab to fill a page.
    let from_matches = sqlite
        && walk_index_of.is_some()
        && search_plan == super::key_search::Plan::FromMatches
        && p.q.as_deref().is_some_and(super::key_search::uses_trigrams);
    let mut q = if from_matches {
        api_keys::table
            .filter(sql::<diesel::sql_types::Text>("+kind").eq(kind.code()))
            .into_boxed()
    } else {
        api_keys::table
            .filter(api_keys::kind.eq(kind.code()))
            .into_boxed()
    };
    if let Some(a) = p.active {
        q = q.filter(api_keys::active.eq(a));
    }
    let unindexed = |col: SortColumn| walk_index_of.is_some_and(|s| s != col);
    let (from, to) = p.created.bounds();
    if unindexed(SortColumn::Created) {
        if let Some(from) = from {
            q = q.filter(sql::<Timestamp>("+created_at").ge(from));
        }
        if let Some(to) = to {
            q = q.filter(sql::<Timestamp>("+created_at").lt(to));
        }
    } else {
        if let Some(from) = from {
            q = q.filter(api_keys::created_at.ge(from));
        }
        if let Some(to) = to {
            q = q.filter(api_keys::created_at.lt(to));
        }
    }
    let (from, to) = p.updated.bounds();
    if unindexed(SortColumn::Updated) {
        if let Some(from) = from {
            q = q.filter(sql::<Timestamp>("+updated_at").ge(from));
        }
        if let Some(to) = to {
            q = q.filter(sql::<Timestamp>("+updated_at").lt(to));
        }
    } else {
        if let Some(from) = from {
            q = q.filter(api_keys::updated_at.ge(from));
        }
        if let Some(to) = to {
            q = q.filter(api_keys::updated_at.lt(to));
        }
    }
    if let Some(text) = &p.q {
        q = q.filter(super::key_search::condition(text, sqlite, search_plan));
    }
    // Expiry and last use: `+column` as above when another column's index
    // is walked.
    let expires = if unindexed(SortColumn::Expires) {
        sql::<Nullable<Timestamp>>("+expires_at")
    } else {
        sql::<Nullable<Timestamp>>("expires_at")
    };
    match p.expiry {
        None => {}
        Some(ExpiryFilter::Expired) => q = q.filter(expires.le(now)),
        Some(ExpiryFilter::Within7Days) => {
            q = q
                .filter(expires.clone().gt(now))
                .filter(expires.le(now + chrono::Duration::days(7)))
        }
        Some(ExpiryFilter::Never) => q = q.filter(api_keys::expires_at.is_null()),
    }
    let last_used = if unindexed(SortColumn::LastUsed) {
        sql::<Nullable<Timestamp>>("+last_used_at")
    } else {
        sql::<Nullable<Timestamp>>("last_used_at")
    };
    let idle_since = |days: i64| now - chrono::Duration::days(days);
    match p.used {
        None => {}
        // Idle: last used before the cut-off, or never used and older than it.
        Some(f @ (UsageFilter::Idle30Days | UsageFilter::Idle90Days)) => {
            let cut = idle_since(if f == UsageFilter::Idle30Days { 30 } else { 90 });
            q = q.filter(
                last_used.lt(cut).or(api_keys::last_used_at
                    .is_null()
                    .and(api_keys::created_at.lt(cut))),
            )
        }
        Some(UsageFilter::Never) => q = q.filter(api_keys::last_used_at.is_null()),
    }
    if p.over_privileged {
        // Older than the window (a key made today has had no chance to use
        // anything), and a grant with no usage row in the window: one seek
        // per grant in `key_usage_key_fact`.
        use crate::access::privilege::{window_start, WINDOW_DAYS};
        let young = now - chrono::Duration::days(WINDOW_DAYS);
        q = if unindexed(SortColumn::Created) {
            q.filter(sql::<Timestamp>("+created_at").lt(young))
        } else {
            q.filter(api_keys::created_at.lt(young))
        };
        q = q.filter(
            sql::<diesel::sql_types::Bool>(
                "EXISTS (SELECT 1 FROM api_key_grants g WHERE g.api_key_id = api_keys.id \
                 AND NOT EXISTS (SELECT 1 FROM key_usage u WHERE u.api_key_id = g.api_key_id \
                 AND u.dim = 'grant' AND u.value = g.function || ':' || g.action \
                 AND u.bucket >= ",
            )
            .bind::<Timestamp, _>(window_start(now))
            .sql("))"),
        );
    }
    match p.access {
        None => {}
        Some(AccessType::All) => q = q.filter(api_keys::all_stores.eq(true)),
        Some(AccessType::Individual) => q = q.filter(api_keys::all_stores.eq(false)),
    }
    if let Some(store_id) = p.store {
        q = q.filter(
            api_keys::all_stores.eq(true).or(exists(
                api_key_stores::table
                    .filter(api_key_stores::api_key_id.eq(api_keys::id))
                    .filter(api_key_stores::store_id.eq(store_id)),
            )),
        );
    }
    q
}

/// The keys of one tab a filter matches, for bulk actions (`key_bulk`):
/// the same conditions as the list, so the count a bulk action shows is the
/// list's.
pub(super) fn matching<'a>(
    conn: &DbConnection,
    kind: KeyKind,
    p: &'a ListParams,
    now: NaiveDateTime,
) -> api_keys::BoxedQuery<'a, MultiBackend> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    filtered(
        kind,
        p,
        sqlite,
        None,
        super::key_search::Plan::FromMatches,
        now,
    )
}

/// One page of a tab and the number of keys that match, up to
/// `COUNT_BOUND`. Ties in the sort column are broken by id, so paging is
/// stable. `now` decides what is expired and what is idle.
pub fn list(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
) -> QueryResult<KeyPage> {
    list_counting_to(conn, kind, p, now, COUNT_BOUND)
}

/// Keys whose store access lies within the individual stores `ids`: the
/// SQL form of `StoreAccess::is_within` (an individual-stores key listing
/// no store outside `ids`; never an all-stores key). What a store-limited
/// key may see of other keys, as it may act only on those (`keys::Bound`).
pub fn within_stores(
    ids: Vec<i64>,
) -> Box<dyn BoxableExpression<api_keys::table, MultiBackend, SqlType = diesel::sql_types::Bool>> {
    Box::new(within_stores_expr(ids))
}

/// `within_stores` unboxed, for a subquery (a boxed expression cannot sit
/// inside another query under the two-backend connection).
#[diesel::dsl::auto_type(no_type_alias)]
pub fn within_stores_expr(ids: Vec<i64>) -> _ {
    let outside: Outside = api_key_stores::table
        .filter(api_key_stores::api_key_id.eq(api_keys::id))
        .filter(api_key_stores::store_id.ne_all(ids));
    api_keys::all_stores.eq(false).and(not(exists(outside)))
}

/// A key's store rows outside a list (the subquery of `within_stores`).
type Outside = diesel::dsl::Filter<
    diesel::dsl::Filter<
        api_key_stores::table,
        diesel::dsl::Eq<api_key_stores::api_key_id, api_keys::id>,
    >,
    diesel::dsl::NeAll<api_key_stores::store_id, Vec<i64>>,
>;

/// `list` as a key with this store access sees it: a store-limited key
/// only keys within its stores (`within_stores`).
pub fn list_seen_by(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    seer: &crate::domain::StoreAccess,
) -> QueryResult<KeyPage> {
    list_scoped(conn, kind, p, now, COUNT_BOUND, store_limit(seer))
}

/// The stores a store-limited key is limited to (None: all stores).
pub fn store_limit(seer: &crate::domain::StoreAccess) -> Option<Vec<i64>> {
    match seer {
        crate::domain::StoreAccess::All => None,
        crate::domain::StoreAccess::Individual(ids) => Some(ids.to_vec()),
    }
}

/// `list` with the count's bound as a parameter, so tests can reach it with
/// a few thousand keys.
pub fn list_counting_to(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    bound: i64,
) -> QueryResult<KeyPage> {
    list_scoped(conn, kind, p, now, bound, None)
}

fn list_scoped(
    conn: &mut DbConnection,
    kind: KeyKind,
    p: &ListParams,
    now: NaiveDateTime,
    bound: i64,
    within: Option<Vec<i64>>,
) -> QueryResult<KeyPage> {
    use super::key_search::Plan;
    fn scope<'a>(
        q: api_keys::BoxedQuery<'a, MultiBackend>,
        within: &Option<Vec<i64>>,
    ) -> api_keys::BoxedQuery<'a, MultiBackend> {
        match within {
            None => q,
            Some(ids) => q.filter(within_stores(ids.clone())),
        }
    }
    let scoped = |q| scope(q, &within);
    use api_keys::{active, created_at, expires_at, id, last_used_at, name_key, updated_at};
    // The count starts from whichever index narrows the filters most; the
    // page from the sort column's index (see `filtered`). It reads at most
    // one entry past the bound: the cost of a count stays flat however many
    // keys match.
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let counted: i64 = CountOf(
        scoped(filtered(kind, p, sqlite, None, Plan::FromMatches, now))
            .select(api_keys::id)
            .limit(bound + 1),
    )
    .get_result(conn)?;
    let (total, more) = if counted > bound {
        (bound, true)
    } else {
        (counted, false)
    };
    // A search with many matches walks the sort index; with few, it sorts
    // the matches (SQLite; PostgreSQL chooses by its statistics).
    let plan = if counted > bound.min(super::key_search::WALK_FROM_MATCHES) {
        Plan::WalkSortIndex
    } else {
        Plan::FromMatches
    };
    let q = scoped(filtered(
        kind,
        p,
        sqlite,
        sqlite.then_some(p.sort),
        plan,
        now,
    ));
    let q = match (p.sort, p.dir) {
        (SortColumn::Name, SortDir::Asc) => q.order((name_key.asc(), id.asc())),
        (SortColumn::Name, SortDir::Desc) => q.order((name_key.desc(), id.desc())),
        (SortColumn::Active, SortDir::Asc) => q.order((active.asc(), id.asc())),
        (SortColumn::Active, SortDir::Desc) => q.order((active.desc(), id.desc())),
        (SortColumn::Created, SortDir::Asc) => q.order((created_at.asc(), id.asc())),
        (SortColumn::Created, SortDir::Desc) => q.order((created_at.desc(), id.desc())),
        (SortColumn::Updated, SortDir::Asc) => q.order((updated_at.asc(), id.asc())),
        (SortColumn::Updated, SortDir::Desc) => q.order((updated_at.desc(), id.desc())),
        // "Never" expires after every date, on both backends (they put NULLs
        // at opposite ends).
        (SortColumn::Expires, SortDir::Asc) => {
            q.order((expires_at.is_null().asc(), expires_at.asc(), id.asc()))
        }
        (SortColumn::Expires, SortDir::Desc) => {
            q.order((expires_at.is_null().desc(), expires_at.desc(), id.desc()))
        }
        // Newest use first; never used after every use.
        (SortColumn::LastUsed, SortDir::Desc) => {
            q.order((last_used_at.is_null().asc(), last_used_at.desc(), id.desc()))
        }
        (SortColumn::LastUsed, SortDir::Asc) => {
            q.order((last_used_at.is_null().desc(), last_used_at.asc(), id.asc()))
        }
    };
    let rows = q
        .limit(i64::from(p.per_page))
        .offset(p.offset())
        .select(KeyListRow::as_select())
        .load(conn)?;
    Ok(KeyPage { rows, total, more })
}

/// The key `id` if it is of `kind`; a key of the other tab is not found.
/// The kind of the key `id`, if it exists.
pub fn kind_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<KeyKind>> {
    let kind: Option<String> = api_keys::table
        .find(id)
        .select(api_keys::kind)
        .first(conn)
        .optional()?;
    Ok(kind.and_then(|k| KeyKind::parse(&k)))
}

pub fn find(conn: &mut DbConnection, kind: KeyKind, id: i64) -> QueryResult<Option<ApiKey>> {
    api_keys::table
        .find(id)
        .filter(api_keys::kind.eq(kind.code()))
        .select(ApiKey::as_select())
        .first(conn)
        .optional()
}

pub fn roles_of(conn: &mut DbConnection, key_id: i64) -> QueryResult<Vec<KeyRole>> {
    let rows = api_key_roles::table
        .filter(api_key_roles::api_key_id.eq(key_id))
        .select((api_key_roles::definition, api_key_roles::level))
        .load::<(String, i16)>(conn)?;
    let mut roles: Vec<KeyRole> = rows
        .into_iter()
        .filter_map(|(d, l)| {
            Some(KeyRole {
                definition: KeyRoleDefinition::parse(&d).ok()?,
                level: AccessLevel::from_i16(l)?,
            })
        })
        .collect();
    roles.sort_by_key(|r| r.definition);
    Ok(roles)
}

/// Inserts a key and its roles (row by row: MultiConnection has no batch
/// insert). The caller runs it inside a transaction.
pub fn insert(
    conn: &mut DbConnection,
    new: &NewApiKey<'_>,
    roles: &[KeyRole],
) -> QueryResult<ApiKey> {
    let key: ApiKey = diesel::insert_into(api_keys::table)
        .values((new, api_keys::name_key.eq(name_key(new.name))))
        .returning((
            api_keys::id,
            api_keys::kind,
            api_keys::name,
            api_keys::active,
            api_keys::channel_id,
            api_keys::client_id,
            api_keys::created_at,
            api_keys::updated_at,
            api_keys::created_by,
            api_keys::expires_at,
            api_keys::all_stores,
            api_keys::last_used_at,
            api_keys::all_methods,
        ))
        .get_result(conn)?;
    for r in roles {
        diesel::insert_into(api_key_roles::table)
            .values((
                api_key_roles::api_key_id.eq(key.id),
                api_key_roles::definition.eq(r.definition.code()),
                api_key_roles::level.eq(r.level.as_i16()),
            ))
            .execute(conn)?;
    }
    Ok(key)
}

/// A key with everything that hangs off it, as `insert_many` takes them.
pub struct NewKeyWithRoles<'a> {
    pub key: NewApiKey<'a>,
    pub roles: Vec<KeyRole>,
    pub grants: GrantSet,
    pub store_ids: Vec<i64>,
    /// Secret generations: (prefix, hash, created_at, retires_at). The
    /// first with `retires_at` None is the current one.
    pub secrets: Vec<(&'a str, &'a str, NaiveDateTime, Option<NaiveDateTime>)>,
}

/// Runs the same diesel expression on whichever backend `conn` is: the few
/// statements MultiConnection cannot build (multi-row INSERT) go through here.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConnection::Sqlite($c) => $body,
            DbConnection::Postgresql($c) => $body,
        }
    };
}

/// Writes `rows` into `table`: COPY on PostgreSQL, INSERTs of `chunk` rows
/// on SQLite.
macro_rules! copy_or_insert {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {
        if !$rows.is_empty() {
            match $conn {
                DbConnection::Postgresql(c) => {
                    diesel::copy_from($table)
                        .from_insertable(&$rows)
                        .execute(c)?;
                }
                DbConnection::Sqlite(c) => {
                    for chunk in $rows.chunks($chunk) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
            }
        }
    };
}

/// Inserts many keys and what hangs off them with one multi-row INSERT per
/// table, for bulk loads (`keydesk seed`); far faster than `insert` row by
/// row. The caller runs it inside a transaction, as the only writer (ids are
/// matched to rows in insertion order), and keeps the batch under the
/// backend's bound-parameter limit (1,000 keys is safe on both). Returns how
/// many keys were inserted.
pub fn insert_many(conn: &mut DbConnection, keys: &[NewKeyWithRoles<'_>]) -> QueryResult<usize> {
    use crate::schema::{api_key_grants, api_key_secrets, api_key_stores};
    if keys.is_empty() {
        return Ok(0);
    }
    let values: Vec<_> = keys
        .iter()
        .map(|k| (&k.key, api_keys::name_key.eq(name_key(k.key.name))))
        .collect();
    let mut ids: Vec<i64> = on_backend!(conn, |c| diesel::insert_into(api_keys::table)
        .values(values.clone())
        .returning(api_keys::id)
        .get_results(c)?);
    // One statement, one writer: the ids were handed out in VALUES order.
    ids.sort_unstable();
    if ids.len() != keys.len() {
        return Err(diesel::result::Error::NotFound);
    }
    let mut role_rows = Vec::new();
    let mut grant_rows = Vec::new();
    let mut store_rows = Vec::new();
    let mut secret_rows = Vec::new();
    for (k, &key_id) in keys.iter().zip(&ids) {
        for r in &k.roles {
            role_rows.push((
                api_key_roles::api_key_id.eq(key_id),
                api_key_roles::definition.eq(r.definition.code()),
                api_key_roles::level.eq(r.level.as_i16()),
            ));
        }
        for g in k.grants.iter() {
            grant_rows.push((
                api_key_grants::api_key_id.eq(key_id),
                api_key_grants::function.eq(g.function.code()),
                api_key_grants::action.eq(g.action.code()),
            ));
        }
        for s in &k.store_ids {
            store_rows.push((
                api_key_stores::api_key_id.eq(key_id),
                api_key_stores::store_id.eq(*s),
            ));
        }
        for (prefix, hash, created, retires) in &k.secrets {
            secret_rows.push((
                api_key_secrets::api_key_id.eq(key_id),
                api_key_secrets::prefix.eq(*prefix),
                api_key_secrets::hash.eq(*hash),
                api_key_secrets::created_at.eq(*created),
                api_key_secrets::retires_at.eq(*retires),
            ));
        }
    }
    // PostgreSQL takes the rows hanging off the keys by COPY (binary), a
    // stream instead of statements; SQLite by multi-row INSERTs, each under
    // its bound-parameter limit (grants are many: up to 32 a key).
    copy_or_insert!(conn, api_key_roles::table, role_rows, 5_000);
    copy_or_insert!(conn, api_key_grants::table, grant_rows, 5_000);
    copy_or_insert!(conn, api_key_stores::table, store_rows, 5_000);
    copy_or_insert!(conn, api_key_secrets::table, secret_rows, 2_000);
    Ok(ids.len())
}

pub fn update(
    conn: &mut DbConnection,
    kind: KeyKind,
    id: i64,
    changes: &ApiKeyChangeset<'_>,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::kind.eq(kind.code())),
    )
    .set((changes, api_keys::name_key.eq(name_key(changes.name))))
    .execute(conn)
}

/// Marks the key changed at `now`; also takes the row's write lock first,
/// so concurrent changes of one key run one after the other.
pub fn touch(
    conn: &mut DbConnection,
    kind: KeyKind,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::kind.eq(kind.code())),
    )
    .set(api_keys::updated_at.eq(now))
    .execute(conn)
}

/// Names of the keys among `ids` that exist in `kind`, by name.
pub fn names_of(
    conn: &mut DbConnection,
    kind: KeyKind,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    api_keys::table
        .filter(api_keys::kind.eq(kind.code()))
        .filter(api_keys::id.eq_any(ids))
        .order((api_keys::name_key.asc(), api_keys::id.asc()))
        .select((api_keys::id, api_keys::name))
        .load(conn)
}

/// Deletes the keys among `ids` of `kind`; returns how many were deleted.
pub fn delete_many(conn: &mut DbConnection, kind: KeyKind, ids: &[i64]) -> QueryResult<usize> {
    crate::access::cache::note_change();
    diesel::delete(
        api_keys::table
            .filter(api_keys::kind.eq(kind.code()))
            .filter(api_keys::id.eq_any(ids)),
    )
    .execute(conn)
}
