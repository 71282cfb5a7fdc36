//! CSRF protection for every state-changing request (synchronizer token).
//! For a signed-in user the token lives in the session; a visitor who has
//! not signed in gets a signed double-submit token in its own cookie, so the
//! sign-in form needs no session row. A form sends the token as
//! `csrf_token`, htmx as the `X-CSRF-Token` header (app.js copies it from the
//! page's meta tag). Wrapped around all dynamic routes, so no handler can
//! forget it; `refuse_cross_site` is the second layer, in front.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpMessage;

use super::UserSession;
use crate::crypto::constant_time_eq;
use crate::error::AppError;

pub const HEADER: &str = "x-csrf-token";

/// The signed double-submit token of visitors who have not signed in:
/// `random.hmac(random)` in a cookie, and the same in the form. A forged
/// cookie needs the server's key; a cross-site form cannot read the cookie.
#[derive(Clone)]
pub struct AnonCsrf {
    key: Vec<u8>,
    secure: bool,
}

/// A token made during this request, for `protect` to set as the cookie.
#[derive(Clone)]
struct NewAnonToken(String);

impl AnonCsrf {
    pub fn new(session_key: &[u8], secure: bool) -> Self {
        Self {
            key: crate::crypto::hmac_sha256_hex(session_key, b"keydesk anonymous csrf")
                .into_bytes(),
            secure,
        }
    }

    /// `__Host-` with `--secure-cookies`: no subdomain can plant one.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-keydesk_csrf"
        } else {
            "keydesk_csrf"
        }
    }

    fn sign(&self, random: &str) -> String {
        format!(
            "{random}.{}",
            crate::crypto::hmac_sha256_hex(&self.key, random.as_bytes())
        )
    }

    fn valid(&self, token: &str) -> bool {
        token
            .split_once('.')
            .is_some_and(|(random, _)| constant_time_eq(&self.sign(random), token))
    }

    /// The request's cookie token when it is one of ours.
    fn cookie_token(&self, req: &actix_web::HttpRequest) -> Option<String> {
        req.cookie(self.cookie_name())
            .map(|c| c.value().to_owned())
            .filter(|t| self.valid(t))
    }

    fn cookie(&self, token: &str) -> actix_web::cookie::Cookie<'static> {
        actix_web::cookie::Cookie::build(self.cookie_name(), token.to_owned())
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(actix_web::cookie::SameSite::Strict)
            .finish()
    }
}

/// The CSRF token a page embeds: the session's for a signed-in user, else
/// the visitor's cookie token (made now if there is none; no session write).
pub fn page_token(req: &actix_web::HttpRequest) -> String {
    if let Some(t) = UserSession::from_request(req).existing_csrf_token() {
        return t;
    }
    let Some(anon) = req.app_data::<actix_web::web::Data<AnonCsrf>>() else {
        return String::new();
    };
    if let Some(t) = anon.cookie_token(req) {
        return t;
    }
    if let Some(t) = req.extensions().get::<NewAnonToken>() {
        return t.0.clone();
    }
    let t = anon.sign(&crate::crypto::random_token(32));
    req.extensions_mut().insert(NewAnonToken(t.clone()));
    t
}
pub const FIELD: &str = "csrf_token";

/// The second layer, before the session is even loaded: a state-changing
/// request that the browser says comes from another site (`Sec-Fetch-Site:
/// cross-site`, or an `Origin` that is not this host) is refused, whatever
/// token it carries. Requests without those headers (scripts, old browsers)
/// are left to the token.
pub async fn refuse_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if let Some(why) = cross_site(req.request()) {
            tracing::warn!(path = %req.path(), why, "cross-site state-changing request refused");
            return Ok(req.error_response(AppError::Csrf).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Why the request is cross-site, if it is.
fn cross_site(req: &actix_web::HttpRequest) -> Option<&'static str> {
    let h = req.headers();
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return Some("Sec-Fetch-Site: cross-site");
    }
    let origin = h.get(header::ORIGIN)?;
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(o), Some(host)) if same_authority(o, host) => None,
        _ => Some("Origin of another site"),
    }
}

/// `Origin: http://host:port` against `Host: host:port`, default ports
/// aside; `null` and anything unparsable count as another site.
fn same_authority(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return false,
    };
    let norm = |a: &str| {
        let a = a.trim_end_matches('/').to_ascii_lowercase();
        a.strip_suffix(default_port).map(str::to_owned).unwrap_or(a)
    };
    !authority.contains('/') && norm(authority) == norm(host)
}

/// Sets the cookie of a visitor token made while answering (by a page or
/// an error page); sits outside the layout middleware for that reason.
pub async fn set_anon_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let new = res.request().extensions().get::<NewAnonToken>().cloned();
    let anon = res
        .request()
        .app_data::<actix_web::web::Data<AnonCsrf>>()
        .cloned();
    if let (Some(t), Some(anon)) = (new, anon) {
        if let Err(e) = res.response_mut().add_cookie(&anon.cookie(&t.0)) {
            tracing::warn!(error = %e, "the CSRF cookie could not be set");
        }
    }
    Ok(res)
}

pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let expected = UserSession::from_request(req.request())
        .existing_csrf_token()
        .or_else(|| {
            req.app_data::<actix_web::web::Data<AnonCsrf>>()
                .and_then(|a| a.cookie_token(req.request()))
        });
    let mut provided = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if provided.is_none() && crate::web::is_form(req.headers()) {
        let limit = crate::web::BodyLimit::of(req.request());
        let body = if crate::web::declared_too_large(req.headers(), limit) {
            Err(AppError::PayloadTooLarge(limit))
        } else {
            crate::web::read_limited(req.take_payload(), limit).await
        };
        let body = match body {
            Ok(b) => b,
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        };
        provided = form_field(&body, FIELD);
        req.set_payload(bytes_to_payload(body));
    }
    match (expected, provided) {
        (Some(e), Some(p)) if constant_time_eq(&e, &p) => {
            Ok(next.call(req).await?.map_into_left_body())
        }
        _ => {
            tracing::info!(path = %req.path(), "state-changing request without a valid CSRF token refused");
            Ok(req.error_response(AppError::Csrf).map_into_right_body())
        }
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn bytes_to_payload(buf: Bytes) -> actix_web::dev::Payload {
    let (_, mut pl) = actix_http::h1::Payload::create(true);
    pl.unread_data(buf);
    actix_web::dev::Payload::from(pl)
}

#[cfg(test)]
mod tests {
    use super::{form_field, same_authority};

    #[test]
    fn origins_match_the_host_only_exactly() {
        assert!(same_authority("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same_authority("https://keydesk.example", "keydesk.example"));
        assert!(same_authority(
            "https://keydesk.example",
            "keydesk.example:443"
        ));
        assert!(same_authority("https://KeyDesk.example", "keydesk.example"));
        for other in [
            "null",
            "http://evil.example",
            "http://127.0.0.1:8081",
            "http://keydesk.example.evil.example",
            "keydesk.example",
            "ftp://keydesk.example",
        ] {
            assert!(!same_authority(other, "keydesk.example"), "{other}");
        }
    }

    #[test]
    fn finds_the_token_among_fields() {
        let body = b"name=a&csrf_token=abc%2Bd&x=1";
        assert_eq!(form_field(body, "csrf_token").as_deref(), Some("abc+d"));
        assert_eq!(form_field(b"name=a", "csrf_token"), None);
    }
}
