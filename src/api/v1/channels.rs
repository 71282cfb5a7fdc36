//! `GET`/`POST /api/v1/channels` and `GET`/`PATCH` (rename)/`DELETE
//! /api/v1/channels/{id}`: the sales channels GraphQL keys are tied to.
//! Changes go through `crate::channels`, as the Sales channels page's do;
//! create takes an `Idempotency-Key`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::body::json as read_json;
use super::keys_input::invalid;
use super::{
    authorize, idempotent, parse_id, time, CREATE_CHANNEL, DELETE_CHANNEL, GET_CHANNEL,
    LIST_CHANNELS, RENAME_CHANNEL,
};
use crate::api::error::Problem;
use crate::api::ApiData;
use crate::db::write_transaction;
use crate::domain::KeyName;
use crate::error::AppError;
use crate::models::channel::{self, Channel};

fn channel_json(c: &Channel) -> Value {
    json!({ "id": c.id, "name": c.name, "created_at": time(c.created_at) })
}

pub async fn list(req: HttpRequest, data: web::Data<ApiData>) -> Result<HttpResponse, Problem> {
    authorize(&data, &req, &LIST_CHANNELS, None).await?;
    let all = data.db.run(|c| Ok(channel::all(c)?)).await?;
    let items: Vec<Value> = all.iter().map(channel_json).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "total": items.len() })))
}

pub async fn get(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    authorize(&data, &req, &GET_CHANNEL, None).await?;
    let id = parse_id(&path)?;
    let ch = data
        .db
        .run(move |c| channel::find(c, id)?.ok_or_else(|| AppError::not_found("That channel")))
        .await?;
    Ok(HttpResponse::Ok().json(channel_json(&ch)))
}

/// The body of create and rename: a name, nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    name: String,
}

pub async fn create(
    req: HttpRequest,
    data: web::Data<ApiData>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &CREATE_CHANNEL, None).await?;
    let idem = idempotent::header(&req)?;
    let (body, bytes): (NameBody, _) = read_json(&req, payload).await?;
    let name = KeyName::parse(&body.name).map_err(invalid)?;
    let (key_id, now) = (caller.key.key_id, data.clock.now());
    let fp = idempotent::fingerprint(CREATE_CHANNEL.id, &bytes);
    let since = now - data.idempotency_ttl;
    let outcome = data
        .db
        .run(move |c| {
            write_transaction(c, |c| {
                if let Some(r) = idempotent::replay(c, key_id, idem.as_deref(), &fp, since)? {
                    return Ok(Err(r));
                }
                let view = channel_json(&crate::channels::create(c, now, &name)?);
                let id = idem.as_deref();
                idempotent::keep(
                    c,
                    key_id,
                    id,
                    CREATE_CHANNEL.id,
                    &fp,
                    201,
                    &view,
                    now,
                    since,
                )?;
                Ok(Ok(view))
            })
        })
        .await?;
    match outcome {
        Err(replay) => replay.respond(),
        Ok(view) => Ok(HttpResponse::Created().json(view)),
    }
}

pub async fn rename(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    authorize(&data, &req, &RENAME_CHANNEL, None).await?;
    let id = parse_id(&path)?;
    let (body, _): (NameBody, _) = read_json(&req, payload).await?;
    let name = KeyName::parse(&body.name).map_err(invalid)?;
    let ch = data
        .db
        .run(move |c| write_transaction(c, |c| crate::channels::rename(c, id, &name)))
        .await?;
    Ok(HttpResponse::Ok().json(channel_json(&ch)))
}

pub async fn delete(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    authorize(&data, &req, &DELETE_CHANNEL, None).await?;
    let id = parse_id(&path)?;
    data.db
        .run(move |c| write_transaction(c, |c| crate::channels::delete(c, id)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
