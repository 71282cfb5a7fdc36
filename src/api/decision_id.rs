//! Decision ids on refusals (issue 13, part 5): a refused Key API, OAuth or
//! GraphQL request answers with `Keydesk-Decision-Id` and, in its JSON
//! error, `decision_id` (GraphQL: in each error's `extensions`), the id
//! under which the refusal was recorded (`access::refusals`), so support
//! can look it up on the "Would this be allowed?" page.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use serde_json::Value;

pub const HEADER: &str = "keydesk-decision-id";

#[derive(Clone)]
struct DecisionId(String);

/// Keeps the decision id of this request's refusal for its response.
pub fn keep(req: &HttpRequest, id: &str) {
    req.extensions_mut().insert(DecisionId(id.to_owned()));
}

/// Puts a kept decision id on the response: the header always, and the
/// field in a JSON error body.
pub async fn attach(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(DecisionId(id)) = res.request().extensions().get::<DecisionId>().cloned() else {
        return Ok(res);
    };
    let mut res = res;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static(HEADER), v);
    }
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    if !is_json {
        return Ok(res);
    }
    let (req, resp) = res.into_parts();
    let (head, body) = resp.into_parts();
    let bytes = match body::to_bytes_limited(body, 1 << 20).await {
        Ok(Ok(b)) => b,
        _ => return Err(actix_web::error::ErrorInternalServerError("response body")),
    };
    let out = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            add(&mut v, &id);
            serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    let mut head = head;
    head.headers_mut().remove(CONTENT_LENGTH);
    let resp = head.set_body(BoxBody::new(out));
    Ok(ServiceResponse::new(req, resp))
}

/// Into an error object, or each GraphQL error's extensions.
fn add(v: &mut Value, id: &str) {
    let Value::Object(o) = v else { return };
    if let Some(Value::Array(errors)) = o.get_mut("errors") {
        for e in errors {
            if let Value::Object(e) = e {
                let ext = e
                    .entry("extensions")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Value::Object(ext) = ext {
                    ext.insert("decision_id".into(), Value::String(id.to_owned()));
                }
            }
        }
        return;
    }
    o.insert("decision_id".into(), Value::String(id.to_owned()));
}
