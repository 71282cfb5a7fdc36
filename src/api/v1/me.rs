//! `GET /api/v1/me`: the calling key as the Key API sees it: name, kind,
//! grants, stores, expiry and which secret its token came from. Any live
//! key may ask (no grant needed): it is what "Try it out" runs first.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{authorize, time, GET_ME};
use crate::api::error::Problem;
use crate::api::ApiData;
use crate::models::key_secret;

pub async fn get(req: HttpRequest, data: web::Data<ApiData>) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &GET_ME, None).await?;
    let (key_id, secret_id) = (caller.key.key_id, caller.secret_id);
    let secret = data
        .db
        .run(move |c| {
            Ok(key_secret::of_key(c, key_id)?
                .into_iter()
                .find(|s| s.id == secret_id))
        })
        .await?;
    let k = &caller.key;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "id": k.key_id,
            "name": k.name,
            "kind": k.kind.code(),
            "client_id": k.client_id,
            "active": k.active,
            "expires_at": k.expires_at.map(time),
            "grants": k.grants.iter().map(|g| g.scope()).collect::<Vec<_>>(),
            "stores": match &caller.store_codes {
                None => json!("all"),
                Some(codes) => json!(codes),
            },
            "secret": secret.map(|s| json!({
                "prefix": s.prefix,
                "created_at": time(s.created_at),
                "retires_at": s.retires_at.map(time),
            })),
            "token_expires_at": time(caller.token_expires_at),
        })))
}
