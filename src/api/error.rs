//! The Key API's errors: JSON, never a page. OAuth endpoints answer in RFC
//! 6749 §5.2's shape (`error`, `error_description`); the others with
//! `error` and `message`. Causes of server errors are logged, not shown.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

use crate::error::AppError;

/// The challenge of a 401 from an endpoint taking Basic or a bearer token.
pub const CHALLENGE: &str = r#"Basic realm="keydesk", Bearer realm="keydesk""#;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A JSON endpoint's malformed request; `extra` adds fields (valid names).
    #[error("{message}")]
    BadRequest {
        message: String,
        extra: Option<Value>,
    },
    /// The caller did not authenticate; `challenge` goes in `WWW-Authenticate`.
    #[error("{message}")]
    Unauthorized { challenge: String, message: String },
    /// The caller authenticated but lacks the grant the endpoint needs.
    #[error("{0}")]
    Forbidden(String),
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("not found")]
    NotFound,
    /// An RFC 6749 error (`invalid_client`, `invalid_request`, …).
    #[error("{error}: {description}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
        challenge: Option<&'static str>,
    },
    /// Too many failed client authentications (the throttle): 429 with
    /// `Retry-After`, in the endpoint's shape (OAuth's when `oauth`).
    #[error("too many failed client authentications")]
    Throttled {
        wait: std::time::Duration,
        oauth: bool,
    },
    /// A Key API v1 refusal with its stable `code` (RFC 9457 problem);
    /// `challenge` goes in `WWW-Authenticate`, `retry_after` in Retry-After.
    #[error("{code}: {message}")]
    Coded {
        status: StatusCode,
        code: &'static str,
        message: String,
        challenge: Option<String>,
        retry_after: Option<u64>,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            extra: None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized {
            challenge: CHALLENGE.into(),
            message: message.into(),
        }
    }

    pub fn coded(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Coded {
            status,
            code,
            message: message.into(),
            challenge: None,
            retry_after: None,
        }
    }

    pub fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self::OAuth {
            status,
            error,
            description: description.into(),
            challenge: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::oauth(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// RFC 6749 §5.2: 401 with a Basic challenge.
    pub fn invalid_client() -> Self {
        Self::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Client authentication failed.".into(),
            challenge: Some(r#"Basic realm="keydesk""#),
        }
    }

    /// The same error in the shape of the endpoint: OAuth's for `/oauth/*`.
    pub fn for_oauth(self) -> Self {
        match self {
            Self::BadRequest { message, .. } => Self::invalid_request(message),
            Self::Unauthorized { .. } => Self::invalid_client(),
            Self::TooLarge(n) => Self::oauth(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                format!("The body is larger than {n} bytes."),
            ),
            Self::UnsupportedMediaType(m) => {
                Self::oauth(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", m)
            }
            Self::Throttled { wait, .. } => Self::Throttled { wait, oauth: true },
            other => other,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::OAuth { status, .. } | Self::Coded { status, .. } => *status,
            Self::App(e) => match e.status_code() {
                s if s.is_server_error() => s,
                // Core refusals that reach the API are the client's fault.
                s => s,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let body = match self {
            Self::BadRequest { message, extra } => {
                let mut b = json!({ "error": "invalid_body", "message": message });
                if let (Some(Value::Object(extra)), Value::Object(b)) = (extra, &mut b) {
                    b.extend(extra.clone());
                }
                b
            }
            Self::Unauthorized { message, .. } => {
                json!({ "error": "unauthorized", "message": message })
            }
            Self::Forbidden(m) => json!({ "error": "forbidden", "message": m }),
            Self::TooLarge(_) | Self::UnsupportedMediaType(_) => {
                json!({ "error": "invalid_body", "message": format!("{self}.") })
            }
            Self::NotFound => json!({ "error": "not_found", "message": "No such endpoint." }),
            Self::Throttled { wait, oauth } => {
                let m = format!(
                    "Too many failed client authentications. Wait {} and try again.",
                    crate::throttle::wait_in_words(*wait)
                );
                if *oauth {
                    json!({ "error": "too_many_requests", "error_description": m })
                } else {
                    json!({ "error": "too_many_requests", "message": m })
                }
            }
            Self::OAuth {
                error, description, ..
            } => json!({ "error": error, "error_description": description }),
            Self::Coded { code, message, .. } => json!({ "error": code, "message": message }),
            Self::App(e) => {
                if status.is_server_error() {
                    tracing::error!(error = %e, "key api request failed");
                }
                let error = if status == StatusCode::SERVICE_UNAVAILABLE {
                    "temporarily_unavailable"
                } else if status.is_server_error() {
                    "server_error"
                } else {
                    "invalid_request"
                };
                let message = if status.is_server_error() {
                    "Something went wrong on our side; try again.".to_owned()
                } else {
                    e.to_string()
                };
                json!({ "error": error, "message": message })
            }
        };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized { challenge, .. } => {
                resp.insert_header((header::WWW_AUTHENTICATE, challenge.as_str()));
            }
            Self::OAuth {
                challenge: Some(c), ..
            } => {
                resp.insert_header((header::WWW_AUTHENTICATE, *c));
            }
            Self::Throttled { wait, .. } => {
                resp.insert_header((
                    header::RETRY_AFTER,
                    crate::throttle::retry_after_secs(*wait),
                ));
            }
            _ => {}
        }
        resp.json(body)
    }
}

/// An `ApiError` as the Key API v1 answers it: RFC 9457 problem details
/// (`application/problem+json`) with a stable `code` and a `message`. The
/// same error type, rendered in the v1 shape; handlers return
/// `Result<_, Problem>` and `?` converts.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Problem(pub ApiError);

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        Self(ApiError::App(e))
    }
}

impl Problem {
    /// The status, stable code and message this error answers with.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use StatusCode as S;
        match &self.0 {
            ApiError::BadRequest { message, .. } => {
                (S::BAD_REQUEST, "bad_request", message.clone())
            }
            ApiError::Unauthorized { message, .. } => {
                (S::UNAUTHORIZED, "unauthenticated", message.clone())
            }
            ApiError::Forbidden(m) => (S::FORBIDDEN, "forbidden", m.clone()),
            ApiError::TooLarge(n) => (
                S::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("The body is larger than {n} bytes."),
            ),
            ApiError::UnsupportedMediaType(m) => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("{m}."),
            ),
            ApiError::NotFound => (S::NOT_FOUND, "not_found", "No such endpoint.".into()),
            ApiError::Throttled { wait, .. } => (
                S::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "Too many failed client authentications. Wait {} and try again.",
                    crate::throttle::wait_in_words(*wait)
                ),
            ),
            ApiError::OAuth {
                status,
                error,
                description,
                ..
            } => (*status, error, description.clone()),
            ApiError::Coded {
                status,
                code,
                message,
                ..
            } => (*status, code, message.clone()),
            ApiError::App(e) => match e {
                AppError::NotFound(m) => (S::NOT_FOUND, "not_found", m.clone()),
                AppError::Database(diesel::result::Error::NotFound) => {
                    (S::NOT_FOUND, "not_found", "That item was not found.".into())
                }
                AppError::BadRequest(m) => (S::UNPROCESSABLE_ENTITY, "invalid_value", m.clone()),
                AppError::Conflict(m) => (S::CONFLICT, "conflict", m.clone()),
                AppError::Refused(m) => (S::FORBIDDEN, "refused", m.clone()),
                other => {
                    let status = other.status_code();
                    if status == S::SERVICE_UNAVAILABLE {
                        (
                            status,
                            "temporarily_unavailable",
                            "The database is busy; try again in a moment.".into(),
                        )
                    } else if status.is_server_error() {
                        tracing::error!(error = %other, "key api request failed");
                        (
                            status,
                            "server_error",
                            "Something went wrong on our side; try again.".into(),
                        )
                    } else if status == S::CONFLICT {
                        (
                            status,
                            "conflict",
                            "Someone changed this at the same moment; try again.".into(),
                        )
                    } else {
                        (status, "invalid_request", other.to_string())
                    }
                }
            },
        }
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code, message) = self.parts();
        let body = json!({
            "type": format!("https://keydesk.dev/problems/{code}"),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "code": code,
            "message": message,
            "detail": message,
        });
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match &self.0 {
            ApiError::Unauthorized { challenge, .. } => {
                resp.insert_header((header::WWW_AUTHENTICATE, challenge.as_str()));
            }
            ApiError::Coded {
                challenge,
                retry_after,
                ..
            } => {
                if let Some(c) = challenge {
                    resp.insert_header((header::WWW_AUTHENTICATE, c.as_str()));
                }
                if let Some(s) = retry_after {
                    resp.insert_header((header::RETRY_AFTER, s.to_string()));
                }
            }
            ApiError::Throttled { wait, .. } => {
                resp.insert_header((
                    header::RETRY_AFTER,
                    crate::throttle::retry_after_secs(*wait),
                ));
            }
            _ => {}
        }
        resp.body(body.to_string())
    }
}
