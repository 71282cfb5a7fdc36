//! `GET /api/v1/stores` (the stores the key reaches) and
//! `GET /api/v1/stores/{code}` (store-scoped: the key must reach it).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::{authorize, time, GET_STORE, LIST_STORES};
use crate::api::error::Problem;
use crate::api::ApiData;
use crate::error::AppError;
use crate::models::store::{self, Store};

fn store_json(s: &Store) -> Value {
    json!({ "id": s.id, "code": s.code, "name": s.name, "created_at": time(s.created_at) })
}

pub async fn list(req: HttpRequest, data: web::Data<ApiData>) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &LIST_STORES, None).await?;
    let all = data.db.run(|c| Ok(store::all(c)?)).await?;
    let items: Vec<Value> = all
        .iter()
        .filter(|s| caller.key.stores.allows(s.id))
        .map(store_json)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "total": items.len() })))
}

pub async fn get(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let code = path.into_inner();
    authorize(&data, &req, &GET_STORE, Some(code.clone())).await?;
    let s = data
        .db
        .run(move |c| {
            store::find_by_code(c, &code)?.ok_or_else(|| AppError::not_found("That store"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(store_json(&s)))
}
