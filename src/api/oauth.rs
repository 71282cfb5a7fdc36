//! OAuth2 for REST keys: the client-credentials grant (RFC 6749 §4.4) at
//! `/oauth/token`, introspection (RFC 7662) and revocation (RFC 7009).
//! Tokens are `NewSecret::access_token`s: random, checksummed, stored only
//! as their HMAC, tied to the key and the secret generation they came from,
//! and checked by `access::decide` at every use, so they die with the key.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::credentials::{
    audit_refusal, authorization, caller, check, source_ip, Attempt, Authorization,
};
use super::error::ApiError;
use super::{read_body, refuse_query, ApiData};
use crate::access::{AccessRequest, KeySnapshot, Presented};
use crate::domain::permission::{Grant, GrantSet};
use crate::domain::secret::{self, check_format, Format, NewSecret};
use crate::domain::KeyKind;
use crate::models::access_token::{self, NewAccessToken};
use crate::models::audit::{self, action, Actor, Target};

const FORM: &str = "application/x-www-form-urlencoded";

/// The form's parameters; RFC 6749 §3.2: none may appear twice.
async fn form(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<HashMap<String, String>, ApiError> {
    refuse_query(req)?;
    let body = read_body(req, payload, FORM).await?;
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&body)
        .map_err(|_| ApiError::invalid_request("The body is not a valid form."))?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        if out.insert(k.clone(), v).is_some() {
            return Err(ApiError::invalid_request(format!(
                "The parameter {} appears more than once.",
                k.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(out)
}

/// Authenticates a REST client by HTTP Basic or by `client_id` and
/// `client_secret` in the body, never both.
async fn client(
    data: &ApiData,
    req: &HttpRequest,
    form: &HashMap<String, String>,
    endpoint: &'static str,
) -> Result<(KeySnapshot, i64), ApiError> {
    let in_body = form.contains_key("client_id") || form.contains_key("client_secret");
    let (client_id, secret) =
        match authorization(req).map_err(ApiError::for_oauth)? {
            Authorization::Basic { .. } if in_body => return Err(ApiError::invalid_request(
                "Send the client credentials in the Authorization header or in the body, not both.",
            )),
            Authorization::Basic { client_id, secret } => (client_id, secret),
            Authorization::Bearer(_) => return Err(ApiError::invalid_client()),
            Authorization::None => match (form.get("client_id"), form.get("client_secret")) {
                (Some(id), Some(s)) => (id.clone(), s.clone()),
                (None, None) => return Err(ApiError::invalid_client()),
                _ => {
                    return Err(ApiError::invalid_request(
                        "Send both client_id and client_secret.",
                    ))
                }
            },
        };
    let attempt = Attempt::begin(data, req, Some(&client_id), endpoint)
        .await
        .map_err(ApiError::for_oauth)?;
    // GraphQL keys are presented as they are; only REST clients get tokens.
    if check_format(&secret) != Ok(Format::Secret(KeyKind::Rest)) {
        attempt.failed(data).await?;
        return Err(ApiError::invalid_client());
    }
    let c = check(
        data,
        &secret,
        Some(&client_id),
        AccessRequest::default(),
        None,
        false,
    )
    .await?;
    audit_refusal(data, req, &c, endpoint);
    c.note_use(data, req);
    match (c.decision.is_valid(), c.snapshot, c.decision.secret_id) {
        (true, Some(s), Some(secret_id)) if s.kind == KeyKind::Rest => {
            attempt.succeeded(data).await?;
            Ok((s, secret_id))
        }
        _ => {
            attempt.failed(data).await?;
            Err(ApiError::invalid_client())
        }
    }
}

fn no_store(mut resp: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    resp.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    resp
}

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    data: web::Data<ApiData>,
) -> Result<HttpResponse, ApiError> {
    let form = form(&req, payload).await.map_err(ApiError::for_oauth)?;
    let (key, secret_id) = client(&data, &req, &form, "oauth/token").await?;
    match form.get("grant_type").map(String::as_str) {
        None => return Err(ApiError::invalid_request("grant_type is required.")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only grant_type=client_credentials is supported.",
            ))
        }
    }
    let scope = match form
        .get("scope")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => key.grants,
        Some(raw) => {
            let mut set = GrantSet::EMPTY;
            for item in raw.split(' ').filter(|s| !s.is_empty()) {
                let g = Grant::parse_scope(item)
                    .map_err(|m| ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_scope", m))?;
                set.insert(g);
            }
            if !set.is_subset_of(&key.grants) {
                return Err(ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "The scope is wider than the client's grant.",
                ));
            }
            set
        }
    };
    let now = data.clock.now();
    let ttl = chrono::Duration::seconds(i64::try_from(data.token_ttl.as_secs()).unwrap_or(86_400));
    // A token never outlives its key's expiry.
    let expires_at = match key.expires_at {
        Some(t) if t < now + ttl => t,
        _ => now + ttl,
    };
    let token = NewSecret::access_token(&data.pepper);
    let scopes = scope.scopes();
    let stored = scopes.clone();
    let hash = token.hash.clone();
    let key_id = key.key_id;
    let key_name = key.name.clone();
    let ip = source_ip(&data, &req);
    data.db
        .run(move |c| {
            // The token and its history event in one transaction: never a
            // token nobody can account for. The event holds the key, the
            // scope, the expiry and the address; never the token.
            crate::db::write_transaction(c, |c| {
                access_token::insert(
                    c,
                    &NewAccessToken {
                        token_hash: &hash,
                        api_key_id: key_id,
                        secret_id,
                        scope: &stored,
                        issued_at: now,
                        expires_at,
                    },
                )?;
                audit::record(
                    c,
                    now,
                    &Actor::key(key_id, &key_name, ip),
                    action::TOKEN_ISSUED,
                    Target::Key {
                        id: key_id,
                        name: &key_name,
                    },
                    json!({
                        "scope": stored,
                        "secret_id": secret_id,
                        "expires_at": expires_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    }),
                )?;
                Ok::<_, crate::error::AppError>(())
            })
        })
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({
        "access_token": token.expose(),
        "token_type": "Bearer",
        // Whole seconds, rounded up (the clock has microseconds).
        "expires_in": ((expires_at - now).num_milliseconds() + 999).div_euclid(1000).max(1),
        "scope": scopes,
    })))
}

pub async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    data: web::Data<ApiData>,
) -> Result<HttpResponse, ApiError> {
    let form = form(&req, payload).await.map_err(ApiError::for_oauth)?;
    caller(&data, &req, "oauth/introspect").await?;
    let token = form
        .get("token")
        .ok_or_else(|| ApiError::invalid_request("token is required."))?;
    let inactive = || no_store(HttpResponse::Ok()).json(json!({ "active": false }));
    if check_format(token) != Ok(Format::AccessToken) {
        return Ok(inactive());
    }
    let c = check(&data, token, None, AccessRequest::default(), None, false).await?;
    let (Some(key), Presented::Token(t)) = (&c.snapshot, &c.presented) else {
        return Ok(inactive());
    };
    if !c.decision.is_valid() {
        return Ok(inactive());
    }
    Ok(no_store(HttpResponse::Ok()).json(json!({
        "active": true,
        "client_id": key.client_id,
        "scope": key.grants.intersection(&t.scope).scopes(),
        "exp": t.expires_at.and_utc().timestamp(),
        "iat": t.issued_at.and_utc().timestamp(),
        "token_type": "Bearer",
    })))
}

pub async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    data: web::Data<ApiData>,
) -> Result<HttpResponse, ApiError> {
    let form = form(&req, payload).await.map_err(ApiError::for_oauth)?;
    let (key, _) = client(&data, &req, &form, "oauth/revoke").await?;
    let token = form
        .get("token")
        .ok_or_else(|| ApiError::invalid_request("token is required."))?;
    // RFC 7009 §2.2: an unknown or foreign token is answered 200 as well.
    if check_format(token) == Ok(Format::AccessToken) {
        let hash = secret::hash(&data.pepper, token);
        let key_id = key.key_id;
        let key_name = key.name.clone();
        let ip = source_ip(&data, &req);
        let now = data.clock.now();
        data.db
            .run(move |c| {
                crate::db::write_transaction(c, |c| {
                    // Only a token of this client that was live is an event.
                    if access_token::revoke(c, &hash, key_id)? {
                        audit::record(
                            c,
                            now,
                            &Actor::key(key_id, &key_name, ip),
                            action::TOKEN_REVOKED,
                            Target::Key {
                                id: key_id,
                                name: &key_name,
                            },
                            json!({}),
                        )?;
                    }
                    Ok::<_, crate::error::AppError>(())
                })
            })
            .await?;
    }
    Ok(no_store(HttpResponse::Ok()).finish())
}
