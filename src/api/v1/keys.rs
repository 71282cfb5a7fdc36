//! Reading keys: `GET /api/v1/keys` (the page's filters, sort and paging,
//! with a total; a store-limited key sees only the keys within its stores,
//! those it may act on) and `GET /api/v1/keys/{id}`; and the key's JSON shape the
//! write operations answer with too.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::body::{invalid_query, query};
use super::{authorize, parse_id, time, GET_KEY, LIST_KEYS};
use crate::api::error::Problem;
use crate::api::ApiData;
use crate::db::DbConnection;
use crate::domain::list_query::{ListParams, RawListQuery};
use crate::domain::{KeyKind, StoreAccess};
use crate::error::AppError;
use crate::keys::{self, KeyState};
use crate::models::{api_key, store};

/// The key `id` of either kind; a missing id is a 404.
pub fn load_any(c: &mut DbConnection, id: i64) -> Result<KeyState, AppError> {
    let kind = if api_key::find(c, KeyKind::Rest, id)?.is_some() {
        KeyKind::Rest
    } else {
        KeyKind::Graphql
    };
    keys::load_state(c, kind, id)
}

/// The key as every answer shows it: never a secret or a hash, only the
/// prefixes that recognise them.
pub fn key_json(c: &mut DbConnection, st: &KeyState) -> Result<Value, AppError> {
    let stores = match &st.stores {
        StoreAccess::All => json!("all"),
        StoreAccess::Individual(ids) => {
            let all = store::all(c)?;
            let mut codes: Vec<&str> = all
                .iter()
                .filter(|s| ids.contains(&s.id))
                .map(|s| s.code.as_str())
                .collect();
            codes.sort_unstable();
            json!(codes)
        }
    };
    let k = &st.key;
    Ok(json!({
        "id": k.id,
        "kind": k.kind,
        "name": k.name,
        "active": k.active,
        "client_id": k.client_id,
        "channel_id": k.channel_id,
        "roles": st.roles.iter().map(|r| json!({
            "definition": r.definition.code(),
            "level": r.level.code(),
        })).collect::<Vec<_>>(),
        "grants": st.grants.iter().map(|g| g.scope()).collect::<Vec<_>>(),
        "stores": stores,
        "expires_at": k.expires_at.map(time),
        "created_at": time(k.created_at),
        "updated_at": time(k.updated_at),
        "last_used_at": k.last_used_at.map(time),
        "secrets": st.secrets.iter().map(|s| json!({
            "prefix": s.prefix,
            "created_at": time(s.created_at),
            "retires_at": s.retires_at.map(time),
        })).collect::<Vec<_>>(),
    }))
}

const LIST_PARAMS: [&str; 15] = [
    "kind",
    "sort",
    "dir",
    "active",
    "created_from",
    "created_to",
    "updated_from",
    "updated_to",
    "q",
    "page",
    "per_page",
    "expiry",
    "access",
    "store",
    "used",
];

pub async fn list(req: HttpRequest, data: web::Data<ApiData>) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &LIST_KEYS, None).await?;
    let pairs: Vec<(String, String)> = query(&req)?;
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !LIST_PARAMS.contains(&k.as_str()))
    {
        let k: String = k.chars().filter(|c| !c.is_control()).take(40).collect();
        return Err(invalid_query(format!(
            "Unknown query parameter `{k}`: use {}.",
            LIST_PARAMS.join(", ")
        )));
    }
    let kind = match pairs.iter().find(|(k, _)| k == "kind") {
        None => KeyKind::Rest,
        Some((_, v)) => {
            KeyKind::parse(v).ok_or_else(|| invalid_query("kind is rest or graphql.".into()))?
        }
    };
    let raw: RawListQuery = query(&req)?;
    let params = ListParams::parse(&raw).map_err(invalid_query)?;
    let now = data.clock.now();
    let (p, seer) = (params.clone(), caller.key.stores.clone());
    let page = data
        .db
        .run(move |c| Ok(api_key::list_seen_by(c, kind, &p, now, &seer)?))
        .await?;
    let items: Vec<Value> = page
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "kind": kind.code(),
                "name": r.name,
                "active": r.active,
                "channel_id": r.channel_id,
                "all_stores": r.all_stores,
                "expires_at": r.expires_at.map(time),
                "created_at": time(r.created_at),
                "updated_at": time(r.updated_at),
                "last_used_at": r.last_used_at.map(time),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "items": items,
        "page": params.page,
        "per_page": params.per_page,
        "total": page.total,
        // More keys match than were counted (the count stops at a bound).
        "total_is_lower_bound": page.more,
    })))
}

pub async fn get(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &GET_KEY, None).await?;
    let id = parse_id(&path)?;
    let seer = caller.key.stores.clone();
    let body = data
        .db
        .run(move |c| {
            let st = load_any(c, id)?;
            // What the list would not show is not found (as another
            // tenant's key would be).
            if !st.stores.is_within(&seer) {
                return Err(AppError::not_found("That key"));
            }
            key_json(c, &st)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
