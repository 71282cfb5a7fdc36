//! Request helpers shared by the routes: form and query extractors that turn
//! bad input into a clear 400, the context every page's layout needs, and
//! redirects that work with and without htmx.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::auth::{guard, CurrentUser};
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;

/// The largest body a form may have (`--max-body-bytes`), kept as app data.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    pub const DEFAULT: usize = 256 * 1024;

    pub fn of(req: &HttpRequest) -> usize {
        req.app_data::<BodyLimit>().map_or(Self::DEFAULT, |l| l.0)
    }
}

/// True when the request is a url-encoded form.
pub fn is_form(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// A declared `Content-Length` over `limit`: refused before reading.
pub fn declared_too_large(headers: &actix_web::http::header::HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
}

/// Reads the whole body, refusing (413) as soon as it passes `limit`.
pub async fn read_limited(
    mut payload: actix_web::dev::Payload,
    limit: usize,
) -> Result<actix_web::web::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::bad_request("The form could not be read."))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A url-encoded form body, deserialized with repeated fields allowed
/// (`Vec<T>` for rows such as roles). Anything malformed is a 400 that names
/// the problem.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ct_ok = is_form(req.headers());
        let limit = BodyLimit::of(req);
        let too_large = declared_too_large(req.headers(), limit);
        let payload = payload.take();
        Box::pin(async move {
            if too_large {
                return Err(AppError::PayloadTooLarge(limit));
            }
            if !ct_ok {
                return Err(AppError::UnsupportedMediaType);
            }
            let bytes = read_limited(payload, limit).await?;
            serde_html_form::from_bytes(&bytes)
                .map(Form)
                .map_err(|e| AppError::bad_request(format!("The form is not valid: {e}.")))
        })
    }
}

/// Query-string parameters, parsed the same way as `Form`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            serde_html_form::from_str(req.query_string())
                .map(Query)
                .map_err(|e| {
                    AppError::bad_request(format!("The address has an invalid parameter: {e}."))
                }),
        )
    }
}

/// What the layout needs on every page: who is signed in, the CSRF token for
/// forms and htmx, and where we are (for the menu).
pub struct PageCtx {
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub path: String,
}

impl PageCtx {
    pub fn from_request(req: &HttpRequest) -> Self {
        Self {
            user: guard::current_user(req),
            csrf: crate::auth::csrf::page_token(req),
            path: req.path().to_owned(),
        }
    }

    pub fn can(&self, definition: BackofficeRole, level: AccessLevel) -> bool {
        self.user.as_ref().is_some_and(|u| u.can(definition, level))
    }

    pub fn sees_keys(&self) -> bool {
        self.can(BackofficeRole::ApiKey, AccessLevel::Viewer)
    }

    pub fn sees_users(&self) -> bool {
        self.can(BackofficeRole::User, AccessLevel::Owner)
    }

    pub fn username(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.username.as_str())
            .unwrap_or("")
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::from_request(req)))
    }
}

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("hx-request")
}

/// 303 to `location`; for htmx, a full-page navigation via `HX-Location`.
pub fn see_other(req: &HttpRequest, location: &str) -> HttpResponse {
    if is_htmx(req) {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", location))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    }
}

/// The client's address as the history records it: the socket's peer, or
/// behind a `--trusted-proxy` the client it forwarded for (the same address
/// the sign-in throttle counts).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    match req.app_data::<actix_web::web::Data<crate::throttle::Throttle>>() {
        Some(t) => Some(t.address_of(req).to_string()),
        None => req.peer_addr().map(|a| a.ip().to_string()),
    }
}

/// A `next` target after sign-in: only a path on this site.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n
        }
        _ => "/admin/api-keys",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/admin/api-keys");
        }
        assert_eq!(safe_next(None), "/admin/api-keys");
    }
}
