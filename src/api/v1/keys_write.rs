//! Changing keys through the Key API, with the same core as the back office
//! (`keys::create`, `update`, `refresh`, `stop_old_secret`, `delete_many`),
//! the acting key as the audit actor, and the no-escalation bound
//! (`keys::Bound`) checked inside the same transaction.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::body::{empty, json as read_json};
use super::idempotent;
use super::keys::{key_json, load_any};
use super::keys_input::{
    invalid, merged, parse_grants, parse_methods, parse_roles, parse_stores, parse_time,
    secret_fields, CreateBody, RefreshBody, UpdateBody,
};
use super::{
    authorize, parse_id, time, CREATE_KEY, DELETE_KEY, REFRESH_KEY, STOP_OLD_SECRET, UPDATE_KEY,
};
use crate::api::error::{ApiError, Problem};
use crate::api::ApiData;
use crate::db::write_transaction;
use crate::domain::secret::{new_client_id, NewSecret};
use crate::domain::{Grace, KeyKind, KeyName, StoreAccess};
use crate::keys::{self, KeyChanges, KeySpec, Reach};

pub async fn create(
    req: HttpRequest,
    data: web::Data<ApiData>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &CREATE_KEY, None).await?;
    let idem = idempotent::header(&req)?;
    let (body, bytes): (CreateBody, _) = read_json(&req, payload).await?;
    let kind = match body.kind.as_deref() {
        None => KeyKind::Rest,
        Some(k) => {
            KeyKind::parse(k).ok_or_else(|| Problem::from(invalid("kind is rest or graphql.")))?
        }
    };
    let name = KeyName::parse(&body.name).map_err(invalid)?;
    let secret = NewSecret::generate(kind, &data.pepper);
    let stored = secret.stored();
    let client_id = (kind == KeyKind::Rest).then(new_client_id);
    let (bound, actor, now) = (caller.bound(), caller.actor(), data.clock.now());
    let fp = idempotent::fingerprint(CREATE_KEY.id, &bytes);
    let since = now - data.idempotency_ttl;
    let cid = client_id.clone();
    let allowed_methods = parse_methods(&data.catalogue, body.allowed_methods.as_deref())?;
    let outcome = data
        .db
        .run(move |c| {
            write_transaction(c, |c| {
                if let Some(r) = idempotent::replay(c, bound.key_id, idem.as_deref(), &fp, since)? {
                    return Ok(Err(r));
                }
                let stores = match &body.stores {
                    None => StoreAccess::All,
                    Some(s) => parse_stores(c, s)?,
                };
                let spec = KeySpec {
                    kind,
                    name,
                    active: body.active.unwrap_or(true),
                    channel_id: body.channel_id,
                    roles: parse_roles(body.roles.as_deref().unwrap_or_default())?,
                    grants: parse_grants(body.grants.as_deref().unwrap_or_default())?,
                    stores,
                    expires_at: body.expires_at.as_deref().map(parse_time).transpose()?,
                    allowed_methods,
                };
                let grants = spec.effective_grants();
                bound.check_create(Reach {
                    grants: &grants,
                    stores: &spec.stores,
                    expires_at: spec.expires_at,
                    methods: spec.allowed_methods.list(),
                })?;
                let key = keys::create(c, &actor, now, &spec, &stored, cid.as_deref())?;
                let st = keys::load_state(c, kind, key.id)?;
                let view = json!({ "key": key_json(c, &st)?, "secret_shown_once": true });
                // What a retry gets: the same answer without the secret.
                let kept = merged(view.clone(), secret_fields(kind, cid.as_deref(), None));
                idempotent::keep(
                    c,
                    bound.key_id,
                    idem.as_deref(),
                    CREATE_KEY.id,
                    &fp,
                    201,
                    &kept,
                    now,
                    since,
                )?;
                Ok(Ok(view))
            })
        })
        .await?;
    match outcome {
        Err(replay) => replay.respond(),
        Ok(view) => Ok(HttpResponse::Created()
            .insert_header(("Cache-Control", "no-store"))
            .json(merged(
                view,
                secret_fields(kind, client_id.as_deref(), Some(secret.expose())),
            ))),
    }
}

pub async fn update(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &UPDATE_KEY, None).await?;
    let id = parse_id(&path)?;
    let (body, _): (UpdateBody, _) = read_json(&req, payload).await?;
    let (bound, actor, now) = (caller.bound(), caller.actor(), data.clock.now());
    let allowed_methods = match &body.allowed_methods {
        None => None,
        Some(list) => Some(parse_methods(&data.catalogue, list.as_deref())?),
    };
    let view = data
        .db
        .run(move |c| {
            write_transaction(c, |c| {
                let before = load_any(c, id)?;
                let name = match &body.name {
                    Some(n) => KeyName::parse(n).map_err(invalid)?,
                    None => KeyName::parse(&before.key.name).map_err(invalid)?,
                };
                let grants = body.grants.as_deref().map(parse_grants).transpose()?;
                let stores = match &body.stores {
                    Some(s) => parse_stores(c, s)?,
                    None => before.stores.clone(),
                };
                let expires_at = match &body.expires_at {
                    None => before.key.expires_at,
                    Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(parse_time(s)?),
                    Some(_) => return Err(invalid("expires_at is an RFC 3339 time or null.")),
                };
                let channel_id = match &body.channel_id {
                    None => before.key.channel_id,
                    Some(Value::Null) => None,
                    Some(v) => Some(
                        v.as_i64()
                            .ok_or_else(|| invalid("channel_id is a number or null."))?,
                    ),
                };
                let changes = KeyChanges {
                    name,
                    active: body.active.unwrap_or(before.key.active),
                    channel_id,
                    expires_at,
                    grants,
                    stores,
                    allowed_methods: allowed_methods.unwrap_or_else(|| before.methods.clone()),
                };
                let after_grants = changes.grants.unwrap_or(before.grants);
                bound.check_change(
                    reach(&before),
                    Reach {
                        grants: &after_grants,
                        stores: &changes.stores,
                        expires_at: changes.expires_at,
                        methods: changes.allowed_methods.list(),
                    },
                )?;
                keys::update(c, &actor, now, &before, &changes)?;
                let st = keys::load_state(c, before.kind(), id)?;
                key_json(c, &st)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn reach(st: &keys::KeyState) -> Reach<'_> {
    Reach {
        grants: &st.grants,
        stores: &st.stores,
        expires_at: st.key.expires_at,
        methods: st.methods.list(),
    }
}

pub async fn refresh(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &REFRESH_KEY, None).await?;
    let id = parse_id(&path)?;
    let idem = idempotent::header(&req)?;
    let (body, bytes): (RefreshBody, _) = read_json(&req, payload).await?;
    let grace = match body.grace.as_deref() {
        None => Grace::DEFAULT,
        Some(g) => Grace::parse(g).map_err(invalid)?,
    };
    let (bound, actor, now) = (caller.bound(), caller.actor(), data.clock.now());
    let fp = idempotent::fingerprint(&format!("{}:{id}", REFRESH_KEY.id), &bytes);
    let since = now - data.idempotency_ttl;
    let pepper = data.pepper.clone();
    let outcome = data
        .db
        .run(move |c| {
            write_transaction(c, |c| {
                if let Some(r) = idempotent::replay(c, bound.key_id, idem.as_deref(), &fp, since)? {
                    return Ok(Err(r));
                }
                let st = load_any(c, id)?;
                bound.check_target(reach(&st))?;
                let secret = NewSecret::generate(st.kind(), &pepper);
                let out = keys::refresh(c, &actor, now, &st, grace, &secret.stored())?;
                let after = keys::load_state(c, st.kind(), id)?;
                let view = json!({
                    "key": key_json(c, &after)?,
                    "old_secret_retires_at": time(out.old_retires_at),
                    "stopped_earlier_secret": out.stopped_earlier,
                    "secret_shown_once": true,
                });
                let cid = st.key.client_id.clone();
                let kept = merged(view.clone(), secret_fields(st.kind(), cid.as_deref(), None));
                idempotent::keep(
                    c,
                    bound.key_id,
                    idem.as_deref(),
                    REFRESH_KEY.id,
                    &fp,
                    200,
                    &kept,
                    now,
                    since,
                )?;
                let fields = secret_fields(st.kind(), cid.as_deref(), Some(secret.expose()));
                Ok(Ok(merged(view, fields)))
            })
        })
        .await?;
    match outcome {
        Err(replay) => replay.respond(),
        Ok(view) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(view)),
    }
}

pub async fn stop_old_secret(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &STOP_OLD_SECRET, None).await?;
    let id = parse_id(&path)?;
    let bytes = payload
        .to_bytes_limited(crate::api::MAX_BODY)
        .await
        .map_err(|_| ApiError::TooLarge(crate::api::MAX_BODY))?
        .map_err(|_| ApiError::bad_request("The body could not be read."))?;
    empty(&bytes)?;
    let (bound, actor, now) = (caller.bound(), caller.actor(), data.clock.now());
    let stopped = data
        .db
        .run(move |c| {
            write_transaction(c, |c| {
                let st = load_any(c, id)?;
                bound.check_target(reach(&st))?;
                keys::stop_old_secret(c, &actor, now, &st)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "stopped": stopped })))
}

pub async fn delete(
    req: HttpRequest,
    data: web::Data<ApiData>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let caller = authorize(&data, &req, &DELETE_KEY, None).await?;
    let id = parse_id(&path)?;
    let (bound, actor, now) = (caller.bound(), caller.actor(), data.clock.now());
    data.db
        .run(move |c| {
            write_transaction(c, |c| {
                let st = load_any(c, id)?;
                bound.check_delete(&[id])?;
                bound.check_target(reach(&st))?;
                keys::delete_many(c, &actor, now, st.kind(), &[id])
            })
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}
