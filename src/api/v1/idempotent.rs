//! `Idempotency-Key` on create and refresh: the first answer to (calling
//! key, Idempotency-Key) is kept for a day, in the same transaction as the
//! change. A retry with the same body gets that answer again, marked
//! `Idempotent-Replayed: true`, with the secret fields null: the secret is
//! shown once and never stored in clear, so a client that lost the first
//! answer refreshes the key for a new one. The same key with another body
//! (or operation) is refused with 422 `idempotency_key_reused`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde_json::Value;

use crate::api::error::{ApiError, Problem};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::idempotency::{self, NewStored};

pub const HEADER: &str = "Idempotency-Key";
const MAX_CHARS: usize = 255;

/// The request's Idempotency-Key, if any: 1–255 visible ASCII characters.
pub fn header(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let mut values = req.headers().get_all(HEADER);
    let Some(v) = values.next() else {
        return Ok(None);
    };
    let bad = || {
        Problem(ApiError::coded(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Idempotency-Key is one header of 1 to 255 visible ASCII characters (a UUID is a good choice).",
        ))
    };
    if values.next().is_some() {
        return Err(bad());
    }
    let s = v.to_str().map_err(|_| bad())?.trim();
    if s.is_empty() || s.len() > MAX_CHARS || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(s.to_owned()))
}

/// What the request is, for telling a retry from a different request.
pub fn fingerprint(operation: &str, body: &[u8]) -> String {
    let mut data = operation.as_bytes().to_vec();
    data.push(0);
    data.extend_from_slice(body);
    crate::crypto::sha256_hex(&data)
}

pub enum Replay {
    Same { status: u16, body: String },
    Mismatch,
}

/// The kept answer for this key and Idempotency-Key, if there is one.
pub fn replay(
    c: &mut DbConnection,
    caller: i64,
    idem: Option<&str>,
    fingerprint: &str,
    since: NaiveDateTime,
) -> Result<Option<Replay>, AppError> {
    let Some(k) = idem else { return Ok(None) };
    Ok(idempotency::find(c, caller, k, since)?.map(|s| {
        if s.request_hash == fingerprint {
            Replay::Same {
                status: u16::try_from(s.status).unwrap_or(200),
                body: s.response,
            }
        } else {
            Replay::Mismatch
        }
    }))
}

/// Keeps the first answer (without secrets: the caller passes it so).
#[allow(clippy::too_many_arguments)]
pub fn keep(
    c: &mut DbConnection,
    caller: i64,
    idem: Option<&str>,
    operation: &str,
    fingerprint: &str,
    status: i32,
    answer: &Value,
    now: NaiveDateTime,
    since: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(k) = idem else { return Ok(()) };
    idempotency::insert(
        c,
        &NewStored {
            api_key_id: caller,
            idem_key: k,
            operation,
            request_hash: fingerprint,
            status,
            response: &answer.to_string(),
            created_at: now,
        },
        since,
    )?;
    Ok(())
}

impl Replay {
    pub fn respond(self) -> Result<HttpResponse, Problem> {
        match self {
            Self::Same { status, body } => Ok(HttpResponse::build(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            )
            .insert_header(("Idempotent-Replayed", "true"))
            .insert_header(("Cache-Control", "no-store"))
            .content_type("application/json")
            .body(body)),
            Self::Mismatch => Err(ApiError::coded(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request: use a new key for a new request.",
            )
            .into()),
        }
    }
}
