//! `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) on every answer to a
//! call made with a secret in its grace period (issue 13), so integrators
//! see the coming end in their own logs. The check that authenticates the
//! call marks the request (`mark`); this middleware writes the headers on
//! whatever answer the handler gives.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use chrono::NaiveDateTime;

/// The grace period of the credential a request was made with.
#[derive(Clone, Copy, Debug)]
pub struct InGrace {
    pub since: NaiveDateTime,
    pub until: NaiveDateTime,
}

pub fn mark(req: &HttpRequest, grace: InGrace) {
    req.extensions_mut().insert(grace);
}

/// RFC 9745: a structured-field date, `@` and Unix seconds.
pub fn deprecation_value(since: NaiveDateTime) -> String {
    format!("@{}", since.and_utc().timestamp())
}

/// RFC 8594: an HTTP-date (IMF-fixdate).
pub fn sunset_value(until: NaiveDateTime) -> String {
    until.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let grace = res.request().extensions().get::<InGrace>().copied();
    if let Some(g) = grace {
        let h = res.headers_mut();
        for (name, value) in [
            ("deprecation", deprecation_value(g.since)),
            ("sunset", sunset_value(g.until)),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(HeaderName::from_static(name), v);
            }
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_formats() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(9, 5, 7)
            .unwrap();
        assert_eq!(sunset_value(t), "Tue, 01 Dec 2026 09:05:07 GMT");
        assert_eq!(
            deprecation_value(t),
            format!("@{}", t.and_utc().timestamp())
        );
    }
}
