//! Errors of `/graphql` before a query runs (body, credentials), in the
//! shape GraphQL clients read: `{"errors": [{"message", "extensions":
//! {"code"}}]}`, with the HTTP status of the cause. Server errors keep
//! their cause in the log.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

use crate::api::error::ApiError;

#[derive(Debug)]
pub struct GqlError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub challenge: Option<String>,
    /// More fields for `extensions` (e.g. the limit).
    pub extra: Option<Value>,
}

impl std::fmt::Display for GqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl GqlError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            challenge: None,
            extra: None,
        }
    }

    /// 401; `challenge` defaults to a bare Bearer challenge.
    pub fn unauthenticated(code: &'static str, message: &str, challenge: Option<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code,
            message: message.into(),
            challenge: Some(challenge.unwrap_or_else(|| r#"Bearer realm="keydesk""#.into())),
            extra: None,
        }
    }
}

/// The Key API's shared refusals (body size, media type, database) in
/// this endpoint's shape.
impl From<ApiError> for GqlError {
    fn from(e: ApiError) -> Self {
        let status = e.status_code();
        let (code, message) = match &e {
            ApiError::TooLarge(n) => (
                "body_too_large",
                format!("The body is larger than {n} bytes."),
            ),
            ApiError::UnsupportedMediaType(_) => (
                "unsupported_media_type",
                "Send the request as Content-Type: application/json.".into(),
            ),
            ApiError::BadRequest { message, .. } => ("bad_request", message.clone()),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => (
                "temporarily_unavailable",
                "The database is busy; try again.".into(),
            ),
            _ if status.is_server_error() => {
                tracing::error!(error = %e, "graphql request failed");
                (
                    "server_error",
                    "Something went wrong on our side; try again.".into(),
                )
            }
            _ => ("bad_request", e.to_string()),
        };
        Self {
            status,
            code,
            message,
            challenge: None,
            extra: None,
        }
    }
}

impl From<crate::error::AppError> for GqlError {
    fn from(e: crate::error::AppError) -> Self {
        ApiError::App(e).into()
    }
}

impl ResponseError for GqlError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut ext = json!({ "code": self.code });
        if let (Some(Value::Object(extra)), Value::Object(ext)) = (&self.extra, &mut ext) {
            ext.extend(extra.clone());
        }
        let mut resp = HttpResponse::build(self.status);
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(c) = &self.challenge {
            resp.insert_header((header::WWW_AUTHENTICATE, c.as_str()));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            resp.insert_header((header::ALLOW, "POST"));
        }
        resp.json(json!({ "errors": [{ "message": self.message, "extensions": ext }] }))
    }
}
