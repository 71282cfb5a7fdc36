//! `apiKeys(filter, sort, page)` (function Role & permission: View): the
//! back office's key list, through the same parser (`ListParams::parse`,
//! so the same rules and messages) and the same query (`api_key::list`).
//! A store filter is store-scoped: the key must reach that store. A
//! store-limited key sees only keys within its stores, as at
//! `GET /api/v1/keys` (`api_key::list_seen_by`).

use std::collections::HashMap;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::auth::caller;
use super::{bad_input, gql_err, nullable, time};
use crate::access::StoreRef;
use crate::domain::list_query::{page_count, ListParams, RawListQuery};
use crate::domain::{Function, KeyKind, StoreCode};
use crate::models::{api_key, channel, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ApiKeyKind {
    Graphql,
    Rest,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ExpiryFilter {
    Expired,
    Within7Days,
    Never,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum UsageFilter {
    Idle30Days,
    Idle90Days,
    NeverUsed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum StoreAccessType {
    AllStores,
    IndividualStores,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ApiKeySortColumn {
    Name,
    Active,
    Created,
    Updated,
    Expires,
    LastUsed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SortDirection {
    Asc,
    Desc,
}

/// The filters of API Key Management. Dates are `YYYY-MM-DD` (UTC days,
/// both ends included).
#[derive(InputObject, Default)]
pub struct ApiKeyFilter {
    /// The tab: GraphQL keys (default) or REST keys.
    pub kind: Option<ApiKeyKind>,
    pub active: Option<bool>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    /// Part of the name, case-insensitive.
    pub search: Option<String>,
    pub expiry: Option<ExpiryFilter>,
    pub access: Option<StoreAccessType>,
    /// A store's code: keys that reach it. The calling key must reach it too.
    pub store: Option<String>,
    pub used: Option<UsageFilter>,
}

#[derive(InputObject)]
pub struct ApiKeySort {
    pub by: ApiKeySortColumn,
    /// Default: the column's natural direction (A–Z for names, soonest
    /// expiry first, newest first otherwise).
    pub dir: Option<SortDirection>,
}

/// A page: `number` from 1, `size` 10, 25 (default), 50 or 100.
#[derive(InputObject, Default)]
pub struct PageInput {
    pub number: Option<i32>,
    pub size: Option<i32>,
}

#[derive(SimpleObject)]
pub struct ApiKey {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub active: bool,
    /// The sales channel's name (GraphQL keys).
    pub channel: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub all_stores: bool,
}

#[derive(SimpleObject)]
pub struct ApiKeyPage {
    pub nodes: Vec<ApiKey>,
    /// Matching keys, exact up to 10,000.
    pub total: i64,
    /// More keys match than were counted (`total` is the bound).
    pub total_is_lower_bound: bool,
    pub page: u32,
    pub page_size: u32,
    pub pages: u32,
}

/// The list's query string as the page would send it.
fn raw_query(
    f: &ApiKeyFilter,
    sort: Option<&ApiKeySort>,
    page: &PageInput,
    store_id: Option<i64>,
) -> RawListQuery {
    let sort_code = sort.map(|s| {
        match s.by {
            ApiKeySortColumn::Name => "name",
            ApiKeySortColumn::Active => "active",
            ApiKeySortColumn::Created => "created",
            ApiKeySortColumn::Updated => "updated",
            ApiKeySortColumn::Expires => "expires",
            ApiKeySortColumn::LastUsed => "last_used",
        }
        .to_owned()
    });
    let dir = sort.and_then(|s| s.dir).map(|d| {
        match d {
            SortDirection::Asc => "asc",
            SortDirection::Desc => "desc",
        }
        .to_owned()
    });
    RawListQuery {
        sort: sort_code,
        dir,
        active: f.active.map(|a| a.to_string()),
        created_from: f.created_from.clone(),
        created_to: f.created_to.clone(),
        updated_from: f.updated_from.clone(),
        updated_to: f.updated_to.clone(),
        q: f.search.clone(),
        page: page.number.map(|n| n.to_string()),
        per_page: page.size.map(|n| n.to_string()),
        expiry: f.expiry.map(|e| {
            match e {
                ExpiryFilter::Expired => "expired",
                ExpiryFilter::Within7Days => "7d",
                ExpiryFilter::Never => "never",
            }
            .to_owned()
        }),
        access: f.access.map(|a| {
            match a {
                StoreAccessType::AllStores => "all",
                StoreAccessType::IndividualStores => "individual",
            }
            .to_owned()
        }),
        store: store_id.map(|id| id.to_string()),
        used: f.used.map(|u| {
            match u {
                UsageFilter::Idle30Days => "idle30",
                UsageFilter::Idle90Days => "idle90",
                UsageFilter::NeverUsed => "never",
            }
            .to_owned()
        }),
        privilege: None,
    }
}

#[derive(Default)]
pub struct ApiKeysQuery;

#[Object]
impl ApiKeysQuery {
    /// API keys with the filters, sort and paging of API Key Management.
    /// Needs Role & permission: View.
    #[graphql(complexity = "20 + child_complexity")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        filter: Option<ApiKeyFilter>,
        sort: Option<ApiKeySort>,
        page: Option<PageInput>,
    ) -> Option<ApiKeyPage> {
        let r: async_graphql::Result<Option<ApiKeyPage>> = async move {
            let c = caller(ctx);
            c.check("apiKeys", Some(Function::RoleAndPermission), None)?;
            let filter = filter.unwrap_or_default();
            let page = page.unwrap_or_default();
            let kind = match filter.kind {
                Some(ApiKeyKind::Rest) => KeyKind::Rest,
                _ => KeyKind::Graphql,
            };
            // A code no store could have reaches no store, as at verify.
            let store_id = match filter.store.as_deref().map(StoreCode::parse) {
                None => None,
                Some(Err(_)) => {
                    c.check(
                        "apiKeys",
                        Some(Function::RoleAndPermission),
                        Some(StoreRef::Unknown),
                    )?;
                    None
                }
                Some(Ok(code)) => {
                    let code = code.as_str().to_owned();
                    let found = c
                        .data
                        .db
                        .run(move |conn| Ok(store::find_by_code(conn, &code)?))
                        .await
                        .map_err(gql_err)?;
                    let r = found
                        .as_ref()
                        .map_or(StoreRef::Unknown, |s| StoreRef::Id(s.id));
                    c.check("apiKeys", Some(Function::RoleAndPermission), Some(r))?;
                    found.map(|s| s.id)
                }
            };
            let params = ListParams::parse(&raw_query(&filter, sort.as_ref(), &page, store_id))
                .map_err(bad_input)?;
            let (p, now, seer) = (params.clone(), c.now, c.snapshot.stores.clone());
            let (list, channels) = c
                .data
                .db
                .run(move |conn| {
                    let list = api_key::list_seen_by(conn, kind, &p, now, &seer)?;
                    Ok((list, channel::all(conn)?))
                })
                .await
                .map_err(gql_err)?;
            let pages = page_count(list.total, params.per_page);
            if params.page > pages {
                return Err(bad_input(format!(
                    "Page {} does not exist: this list has {} page{}{}.",
                    params.page,
                    pages,
                    if pages == 1 { "" } else { "s" },
                    if list.more {
                        " counted (reverse the sort to see the last keys)"
                    } else {
                        ""
                    }
                )));
            }
            let names: HashMap<i64, String> =
                channels.into_iter().map(|c| (c.id, c.name)).collect();
            Ok(Some(ApiKeyPage {
                nodes: list
                    .rows
                    .into_iter()
                    .map(|r| ApiKey {
                        id: r.id,
                        kind: kind.code().into(),
                        channel: r.channel_id.and_then(|id| names.get(&id).cloned()),
                        name: r.name,
                        active: r.active,
                        created_at: time(r.created_at),
                        updated_at: time(r.updated_at),
                        expires_at: r.expires_at.map(time),
                        last_used_at: r.last_used_at.map(time),
                        all_stores: r.all_stores,
                    })
                    .collect(),
                total: list.total,
                total_is_lower_bound: list.more,
                page: params.page,
                page_size: params.per_page,
                pages,
            }))
        }
        .await;
        nullable(ctx, r)
    }
}
