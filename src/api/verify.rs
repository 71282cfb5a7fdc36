//! `POST /api/v1/keys/verify`: a platform service asks whether a key (a
//! GraphQL key, a REST Client Secret or an access token) may make a call:
//! function, action, store, method and path. Always 200 for a well-formed
//! request, with the decision's code; no key details when nothing matched.
//! A `method` and `path` are looked up in the method catalogue: the
//! operation found (its most specific template) supplies the function,
//! action and store the body leaves out, and a key limited to some API
//! methods is `method_blocked` unless that operation is one of them.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::credentials::{audit_refusal, caller, check};
use super::error::ApiError;
use super::{read_body, refuse_query, ApiData};
use crate::access::Presented;
use crate::domain::permission::{parse_function, Action};
use crate::domain::Function;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    key: String,
    function: Option<String>,
    action: Option<String>,
    store: Option<String>,
    method: Option<String>,
    path: Option<String>,
}

const MAX_KEY_CHARS: usize = 512;
const MAX_PATH_CHARS: usize = 2048;

/// The names `function` and `action` take, sent with every 400.
fn valid_names() -> Value {
    json!({
        "valid_functions": Function::ALL.iter().map(|f| f.code()).collect::<Vec<_>>(),
        "valid_actions": Action::ALL.iter().map(|a| a.code()).collect::<Vec<_>>(),
    })
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        message: message.into(),
        extra: Some(valid_names()),
    }
}

pub async fn verify(
    req: HttpRequest,
    payload: web::Payload,
    data: web::Data<ApiData>,
) -> Result<HttpResponse, ApiError> {
    refuse_query(&req)?;
    // The caller first: an unauthenticated client learns nothing, not even
    // whether its body would have been well formed.
    let body = read_body(&req, payload, "application/json").await;
    caller(&data, &req, "verify").await?;
    let body = body?;
    let body: VerifyBody = serde_json::from_slice(&body).map_err(|e| {
        // serde's message may quote the input (the key): give only the place.
        bad(format!(
            "The body is not the JSON this endpoint takes (line {}, column {}): an object with \"key\" (string) and optionally \"function\", \"action\", \"store\", \"method\", \"path\" (strings).",
            e.line(),
            e.column()
        ))
    })?;
    if body.key.len() > MAX_KEY_CHARS {
        return Err(bad(format!(
            "\"key\" has at most {MAX_KEY_CHARS} characters."
        )));
    }
    let function = body
        .function
        .as_deref()
        .map(parse_function)
        .transpose()
        .map_err(bad)?;
    let action = body
        .action
        .as_deref()
        .map(Action::parse)
        .transpose()
        .map_err(bad)?;
    if action.is_some() && function.is_none() {
        return Err(bad("\"action\" needs a \"function\"."));
    }
    let method = match body.method {
        Some(m) if m.is_empty() || m.len() > 16 || !m.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Err(bad("\"method\" is an HTTP method such as GET or POST."))
        }
        m => m.map(|m| m.to_ascii_uppercase()),
    };
    if body
        .path
        .as_ref()
        .is_some_and(|p| p.len() > MAX_PATH_CHARS || !p.starts_with('/'))
    {
        return Err(bad(format!(
            "\"path\" starts with / and has at most {MAX_PATH_CHARS} characters."
        )));
    }
    if method.is_some() != body.path.is_some() {
        return Err(bad(
            "\"method\" and \"path\" go together: send both, or neither.",
        ));
    }
    // The operation of the method catalogue this call is (its most specific
    // template) supplies what the body does not say (`access::call`).
    let resolved = crate::access::call::resolve(
        &data.catalogue,
        crate::access::call::Call {
            function,
            action,
            store: body.store.clone(),
            method,
            path: body.path,
        },
    );
    let (request, store_code, operation) =
        (resolved.request, resolved.store_code, resolved.operation);
    let request_named_a_call = request.method.is_some();
    let c = check(&data, &body.key, None, request, store_code, true).await?;
    audit_refusal(&data, &req, &c, "verify");
    // The key asked about, not the caller: no headers for its grace.
    c.note_call(&data, &req);
    let code = c.decision.code;
    let mut out = json!({ "valid": c.decision.is_valid(), "code": code.code() });
    if request_named_a_call {
        out["operation"] = match operation {
            Some(op) => json!({
                "method": op.method,
                "path": op.path,
                "source": op.source.code(),
                "function": op.function.code(),
                "action": op.action.code(),
                "store_param": op.store_param.as_ref().map(|p| p.name.as_str()),
            }),
            None => Value::Null,
        };
    }
    if let Some((_, until)) = c
        .grace(data.clock.now())
        .filter(|_| c.decision.secret_id.is_some())
    {
        out["sunset"] = json!(until
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    if let Some(s) = &c.snapshot {
        let grants = match &c.presented {
            Presented::Token(t) => s.grants.intersection(&t.scope),
            _ => s.grants,
        };
        let details = json!({
            "key_id": s.key_id,
            "name": s.name,
            "kind": s.kind.code(),
            "expires_at": s.expires_at.map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "grants": grants.iter().map(|g| g.scope()).collect::<Vec<_>>(),
            "stores": match &c.store_codes {
                None => json!("all"),
                Some(c) => json!(c),
            },
            "allowed_methods": match &s.allowed_methods {
                None => json!("all"),
                Some(l) => json!(l.iter().map(|m| json!({ "method": m.method, "path": m.path })).collect::<Vec<_>>()),
            },
        });
        if let (Value::Object(o), Value::Object(d)) = (&mut out, details) {
            o.extend(d);
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}
