//! `GET/POST /admin/stores/{id}/delete`: a confirmation page that names the
//! keys limited to the store, then the delete. A key whose only store this
//! was keeps "Access to individual stores" with none: it reaches no store
//! until someone chooses stores for it (never silently all).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use diesel::prelude::*;

use super::{find_store, parse_id};
use crate::auth::CurrentUser;
use crate::db::{write_transaction, Db, DbConnection};
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::models::key_grant;
use crate::models::store::Store;
use crate::schema::api_key_stores;
use crate::state::AppState;
use crate::web::{client_ip, see_other, PageCtx};

/// A key limited to the store, as the confirmation lists it.
pub struct LimitedKey {
    pub name: String,
    pub href: String,
    /// This store is its only one: after the delete it reaches no store.
    pub left_without_store: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "stores/delete.html")]
pub struct DeleteStorePage {
    pub ctx: PageCtx,
    pub store: Store,
    pub keys: Vec<LimitedKey>,
}

impl DeleteStorePage {
    fn stranded(&self) -> usize {
        self.keys.iter().filter(|k| k.left_without_store).count()
    }
}

fn limited_keys(c: &mut DbConnection, store_id: i64) -> Result<Vec<LimitedKey>, AppError> {
    let keys = key_grant::keys_limited_to(c, store_id)?;
    let ids: Vec<i64> = keys.iter().map(|(id, _, _)| *id).collect();
    let store_counts: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        api_key_stores::table
            .filter(api_key_stores::api_key_id.eq_any(&ids))
            .group_by(api_key_stores::api_key_id)
            .select((api_key_stores::api_key_id, diesel::dsl::count_star()))
            .load::<(i64, i64)>(c)?
            .into_iter()
            .collect()
    };
    Ok(keys
        .into_iter()
        .map(|(id, kind, name)| LimitedKey {
            href: KeyKind::parse(&kind)
                .map(|k| format!("{}/{}", k.list_url(), id))
                .unwrap_or_default(),
            left_without_store: store_counts.get(&id).copied().unwrap_or(0) <= 1,
            name,
        })
        .collect())
}

pub async fn confirm(
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (store, keys) = db
        .run(move |c| Ok((find_store(c, id)?, limited_keys(c, id)?)))
        .await?;
    let page = DeleteStorePage {
        ctx: PageCtx::from_request(&req),
        store,
        keys,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}

pub async fn submit(
    req: HttpRequest,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, client_ip(&req));
    let affected = db
        .run(move |c| write_transaction(c, |c| crate::stores::delete(c, &actor, now, id)))
        .await?;
    tracing::info!(store_id = id, affected, "store deleted");
    Ok(see_other(&req, "/admin/stores"))
}
