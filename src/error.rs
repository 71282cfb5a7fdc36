//! One error type for every handler: it picks the status, logs the cause and
//! renders a page in words a user understands. No SQL, path or backtrace is
//! ever shown.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request was malformed; the message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// A state-changing request without a valid CSRF token.
    #[error("csrf token missing or wrong")]
    Csrf,
    /// A body over the configured limit.
    #[error("request body over {0} bytes")]
    PayloadTooLarge(usize),
    /// A form posted as something else than a url-encoded form.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Allowed to be here, but not to do this particular thing; the message
    /// says why (a role above the user's own).
    #[error("{0}")]
    Refused(String),
    /// Signed in, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    /// The rule the request would break, in the user's words (e.g. last owner).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached right now.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] diesel::r2d2::PoolError),
    /// The database did not answer within the request's deadline (it hangs,
    /// or the network to it does).
    #[error("database did not answer within {0:?}")]
    DatabaseTimeout(std::time::Duration),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    /// The session store could not read or write (the database is busy or
    /// away): the cause as actix-session reported it.
    #[error("session store: {0}")]
    SessionStore(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::Internal(msg.into())
    }

    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::BadRequest(msg.into())
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} was not found. It may have been deleted."))
    }

    fn user_message(&self) -> String {
        match self {
            Self::BadRequest(m) | Self::NotFound(m) | Self::Conflict(m) | Self::Refused(m) => {
                m.clone()
            }
            Self::PayloadTooLarge(limit) => format!(
                "What you sent is larger than keydesk accepts ({} KiB at most). Shorten it and try again.",
                limit / 1024
            ),
            Self::UnsupportedMediaType => {
                "Send the form as application/x-www-form-urlencoded, as the page does.".into()
            }
            Self::Csrf => {
                "This form has expired or did not come from keydesk. Reload the page and try again."
                    .into()
            }
            Self::Forbidden => {
                "Your role does not allow this. Ask an owner for access if you need it.".into()
            }
            Self::Unavailable(_) | Self::DatabaseTimeout(_) => {
                "The database is not answering. Try again in a moment.".into()
            }
            Self::SessionStore(_) => "The database is busy. Try again in a moment.".into(),
            Self::Database(diesel::result::Error::NotFound) => {
                "That item was not found. It may have been deleted.".into()
            }
            Self::Database(e) if is_conflict(e) => {
                "Someone changed this at the same moment. Reload the page and try again.".into()
            }
            Self::Database(e) if is_busy(e) => {
                "The database is busy. Try again in a moment.".into()
            }
            Self::Database(e) if is_storage_failure(e) => {
                "The database cannot store anything right now (its disk is full or failing), so nothing was saved. Try again later; if it lasts, tell your administrator.".into()
            }
            Self::Database(_) | Self::Internal(_) => {
                "Something went wrong on our side. The error has been logged; try again.".into()
            }
        }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::BAD_REQUEST => "Check your input",
            StatusCode::FORBIDDEN => "Access denied",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Not a form",
            StatusCode::CONFLICT => "Not possible",
            StatusCode::SERVICE_UNAVAILABLE => "Temporarily unavailable",
            _ => "Something went wrong",
        }
    }
}

fn is_conflict(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    matches!(
        e,
        Error::DatabaseError(
            K::UniqueViolation | K::ForeignKeyViolation | K::SerializationFailure,
            _
        )
    )
}

/// Another writer held the lock past the wait: SQLite's "database is
/// locked" after busy_timeout, PostgreSQL's lock_timeout (55P03) or a
/// deadlock; or the connection went away mid-query. All pass: a 503.
fn is_busy(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    match e {
        Error::DatabaseError(K::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("database is locked")
                || m.contains("database is busy")
                || m.contains("database table is locked")
                || m.contains("lock timeout")
                || m.contains("deadlock detected")
                || m.contains("terminating connection")
                || m.contains("server closed the connection")
        }
        _ => false,
    }
}

/// The storage under the database failed: SQLite's disk full, I/O error or
/// read-only file, PostgreSQL's disk full (53100) or out of memory. Nothing
/// was written; the request may succeed later: a 503, never a 500.
fn is_storage_failure(e: &diesel::result::Error) -> bool {
    match e {
        diesel::result::Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("database or disk is full")
                || m.contains("disk I/O error")
                || m.contains("attempt to write a readonly database")
                || m.contains("unable to open database file")
                || m.contains("could not extend file")
                || m.contains("No space left on device")
                || m.contains("out of memory")
        }
        _ => false,
    }
}

/// The error page on its own, for responses made without a request at hand.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

/// The error page inside the layout: menu, user and sign-out.
#[derive(Template)]
#[template(path = "error_in_layout.html")]
pub struct ErrorInLayout<'a> {
    pub ctx: crate::web::PageCtx,
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Csrf | Self::Forbidden | Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound(_) | Self::Database(diesel::result::Error::NotFound) => {
                StatusCode::NOT_FOUND
            }
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) | Self::DatabaseTimeout(_) | Self::SessionStore(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            // A race with another request (a key deleted while it was being
            // saved, a name taken a moment ago) is not a server fault.
            Self::Database(e) if is_conflict(e) => StatusCode::CONFLICT,
            Self::Database(e) if is_busy(e) || is_storage_failure(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        let message = self.user_message();
        let mut resp = render_error(status, self.title(), &message);
        with_security_headers(&mut resp);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        resp.extensions_mut().insert(ErrorInfo {
            title: self.title(),
            message,
        });
        resp
    }
}

/// What an error response said, kept on the response so the layout
/// middleware (`startup::errors_in_layout`) can render it again with the
/// signed-in user's menu.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub title: &'static str,
    pub message: String,
}

/// The error page, also used for errors raised by actix itself (unknown
/// routes, oversized bodies).
pub fn render_error(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
    };
    let body = page
        .render()
        .unwrap_or_else(|_| format!("{} {}", status.as_u16(), title));
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The security headers of every response.
pub fn security_headers(secure: bool) -> Vec<(&'static str, &'static str)> {
    crate::startup::header_list(secure)
}

/// Adds the security headers an error response needs when it leaves
/// through actix's error path, where the header middleware does not run
/// (HSTS aside: a browser has it from any earlier response).
pub fn with_security_headers(resp: &mut HttpResponse) {
    for (name, value) in security_headers(false) {
        if let (Ok(n), Ok(v)) = (
            header::HeaderName::try_from(name),
            header::HeaderValue::from_str(value),
        ) {
            if !resp.headers().contains_key(&n) {
                resp.headers_mut().insert(n, v);
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(format!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(message: &str) -> AppError {
        AppError::Database(Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(message.to_owned()),
        ))
    }

    /// What the fault scenarios (tests/faults) saw: a full or failing disk
    /// and a hung database are the database's trouble, not a bug: 503.
    #[test]
    fn storage_failures_and_timeouts_are_503() {
        for m in [
            "database or disk is full",
            "disk I/O error",
            "attempt to write a readonly database",
            "unable to open database file",
            "could not extend file \"base/16384/16385\": No space left on device",
        ] {
            let e = db_error(m);
            assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{m}");
            assert!(e.user_message().contains("nothing was saved"), "{m}");
        }
        let e = AppError::DatabaseTimeout(std::time::Duration::from_secs(17));
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.user_message().contains("not answering"));
        let resp = e.error_response();
        assert!(resp.headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn other_database_errors_stay_500() {
        let e = db_error("no such table: api_keys");
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
