//! Reading a v1 request: a JSON body (at most `MAX_BODY` bytes, media type
//! `application/json`, unknown fields refused by the types'
//! `deny_unknown_fields`) and query strings, each failure with its code.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;

use crate::api::error::{ApiError, Problem};
use crate::api::read_body;

/// The body as `T`, and its bytes (for the idempotency fingerprint).
pub async fn json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(T, Bytes), Problem> {
    let bytes = read_body(req, payload, "application/json").await?;
    let value = serde_json::from_slice::<T>(&bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::coded(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("The body does not fit this operation: {}.", short(&e)),
            ),
            _ => ApiError::coded(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("The body is not valid JSON: {}.", short(&e)),
            ),
        }
    })?;
    Ok((value, bytes))
}

/// serde's message, without control characters and bounded.
fn short(e: &serde_json::Error) -> String {
    e.to_string()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// The query string as `T` (fields as text; unknown ones refused when `T`
/// says so).
pub fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, Problem> {
    serde_html_form::from_str::<T>(req.query_string()).map_err(|e| {
        let m: String = e
            .to_string()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        ApiError::coded(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("The query string is not valid: {m}."),
        )
        .into()
    })
}

/// A refused value of a query parameter.
pub fn invalid_query(message: String) -> Problem {
    ApiError::coded(StatusCode::BAD_REQUEST, "invalid_query", message).into()
}

/// For endpoints that take no body: none may be sent.
pub fn empty(bytes: &Bytes) -> Result<(), Problem> {
    if bytes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "This operation takes no body.",
        )
        .into())
    }
}
