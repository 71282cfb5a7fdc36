//! `GET /api/v1/stores` (the stores the key reaches), `POST` (add), and
//! `GET`/`PATCH` (rename)/`DELETE /api/v1/stores/{code}` (store-scoped: the
//! key must reach the store). Changes go through `crate::stores`, as the
//! Stores page's do.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::body::json as read_json;
use super::{authorize, time, CREATE_STORE, DELETE_STORE, GET_STORE, LIST_STORES, RENAME_STORE};
use crate::api::error::Problem;
use crate::api::ApiData;
use crate::db::write_transaction;
use crate::domain::{KeyName, StoreCode};
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStoreBody {
    name: String,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameBody {
    name: String,
}

pub async fn create(
    req: HttpRequest,
    data: web::Data<ApiData>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &CREATE_STORE, None).await?;
    let (body, _): (NewStoreBody, _) = read_json(&req, payload).await?;
    let name = KeyName::parse(&body.name).map_err(AppError::BadRequest)?;
    let code = StoreCode::parse(&body.code).map_err(AppError::BadRequest)?;
    let (actor, now) = (caller.actor(), data.clock.now());
    let s = data
        .db
        .run(move |c| write_transaction(c, |c| crate::stores::create(c, &actor, now, &name, &code)))
        .await?;
    Ok(HttpResponse::Created().json(store_json(&s)))
}

async fn find(data: &ApiData, code: String) -> Result<Store, Problem> {
    Ok(data
        .db
        .run(move |c| {
            store::find_by_code(c, &code)?.ok_or_else(|| AppError::not_found("That store"))
        })
        .await?)
}

pub async fn rename(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let code = path.into_inner();
    let caller = authorize(&data, &req, &RENAME_STORE, Some(code.clone())).await?;
    let (body, _): (RenameBody, _) = read_json(&req, payload).await?;
    let name = KeyName::parse(&body.name).map_err(AppError::BadRequest)?;
    let id = find(&data, code.clone()).await?.id;
    let (actor, now) = (caller.actor(), data.clock.now());
    data.db
        .run(move |c| write_transaction(c, |c| crate::stores::rename(c, &actor, now, id, &name)))
        .await?;
    Ok(HttpResponse::Ok().json(store_json(&find(&data, code).await?)))
}

pub async fn delete(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let code = path.into_inner();
    let caller = authorize(&data, &req, &DELETE_STORE, Some(code.clone())).await?;
    let id = find(&data, code).await?.id;
    let (actor, now) = (caller.actor(), data.clock.now());
    data.db
        .run(move |c| write_transaction(c, |c| crate::stores::delete(c, &actor, now, id)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
