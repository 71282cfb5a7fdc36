//! `GET /api/v1/channels` and `GET /api/v1/channels/{id}`: the sales
//! channels GraphQL keys are tied to.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::{authorize, parse_id, time, GET_CHANNEL, LIST_CHANNELS};
use crate::api::error::Problem;
use crate::api::ApiData;
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
