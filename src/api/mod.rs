//! The Key API face (DESIGN.md): what integrations and the platform's own
//! services call with API keys and access tokens. JSON only, no sessions,
//! no CSRF; mounted outside the back office's session scope. Every check
//! goes through `access::decide`.

pub mod credentials;
pub mod decision_id;
pub mod error;
pub mod grace_headers;
pub mod graphql;
mod oauth;
pub mod openapi;
pub mod rate_limit;
pub mod v1;
mod verify;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::access::{RefusalLog, UsageRecorder};
use crate::clock::Clock;
use crate::db::Db;
use error::ApiError;

/// Largest body any Key API endpoint reads.
pub const MAX_BODY: usize = 16 * 1024;

/// What the Key API's handlers share, built once at startup.
#[derive(Clone)]
pub struct ApiData {
    pub db: Db,
    pub pepper: Vec<u8>,
    pub clock: Clock,
    pub usage: UsageRecorder,
    pub refusals: RefusalLog,
    /// Lifetime of new access tokens.
    pub token_ttl: std::time::Duration,
    /// Failed client authentications, per Client Id and per address.
    pub throttle: crate::throttle::Throttle,
    /// Key state by credential HMAC (`access::cache`).
    pub cache: crate::access::KeyCache,
    /// The method catalogue: what verify resolves a method and path to.
    pub catalogue: std::sync::Arc<crate::catalogue::Catalogue>,
    /// The per-key request rate of /api/v1.
    pub rate: rate_limit::RateLimiter,
    /// How long an Idempotency-Key's first answer is kept.
    pub idempotency_ttl: chrono::Duration,
}

/// Mounts `/api` and `/oauth`. Register before the back office's catch-all
/// session scope.
pub fn configure(cfg: &mut web::ServiceConfig, data: web::Data<ApiData>) {
    let data_for_graphql = data.clone();
    cfg.service(
        web::scope("/api")
            .app_data(data.clone())
            .service(web::resource("/v1/keys/verify").route(web::post().to(verify::verify)))
            .service(web::resource("/v1/openapi.json").route(web::get().to(openapi::serve)))
            .configure(v1::configure)
            .default_service(web::to(not_found)),
    )
    .service(
        web::scope("/oauth")
            .app_data(data)
            .service(web::resource("/token").route(web::post().to(oauth::token)))
            .service(web::resource("/introspect").route(web::post().to(oauth::introspect)))
            .service(web::resource("/revoke").route(web::post().to(oauth::revoke)))
            .default_service(web::to(not_found)),
    )
    .configure(|cfg| graphql::configure(cfg, data_for_graphql));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if req.path().starts_with("/oauth/") {
        let known = ["/oauth/token", "/oauth/introspect", "/oauth/revoke"];
        if known.contains(&req.path()) {
            return Ok(HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "POST"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(serde_json::json!({
                    "error": "invalid_request",
                    "error_description": "Use POST."
                })));
        }
    } else if req.path() == "/api/v1/keys/verify" {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "error": "method_not_allowed", "message": "Use POST." })));
    }
    Err(ApiError::NotFound)
}

/// Credentials never travel in a URL (they end up in logs and histories):
/// these endpoints take no query string at all.
pub fn refuse_query(req: &HttpRequest) -> Result<(), ApiError> {
    if req.query_string().is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "This endpoint takes no query string: credentials in a URL are refused. Send them in the Authorization header or the body.",
        ))
    }
}

/// Reads a body of media type `mime` (parameters such as charset allowed)
/// of at most `MAX_BODY` bytes.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    mime: &str,
) -> Result<Bytes, ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(mime) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Send the body as {mime}"
        )));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::TooLarge(MAX_BODY));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("The body could not be read."))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::TooLarge(MAX_BODY));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
