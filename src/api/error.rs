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
            Self::OAuth { status, .. } => *status,
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
