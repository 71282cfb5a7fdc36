//! The "Would this be allowed?" page's lookup of a real refusal by the
//! decision id it answered with (`Keydesk-Decision-Id`): the recorded
//! event (key, time, code, what was asked) and the sentence of the rule,
//! said with the key as it is now.

use serde_json::Value;

use super::simulate::{store_names, Recorded};
use crate::access::{explain, lookup, refusals, AccessRequest, ReasonCode};
use crate::db::DbConnection;
use crate::domain::permission::parse_function;
use crate::domain::Action;
use crate::error::AppError;

/// Ok(Err(message)) for an id that is malformed or not recorded.
pub fn explain_recorded(
    c: &mut DbConnection,
    raw: &str,
    _now: chrono::NaiveDateTime,
) -> Result<Result<Recorded, String>, AppError> {
    let Some(id) = refusals::parse_decision_id(raw) else {
        return Ok(Err(
            "That is not a decision id: it is dec_ followed by 20 hexadecimal digits, as in the Keydesk-Decision-Id header of a refusal.".into(),
        ));
    };
    let Some(e) = refusals::find(c, &id)? else {
        return Ok(Err(format!(
            "No refusal was recorded with decision id {id}. Refusals of the same key, address and code within a minute share the first one's id."
        )));
    };
    let d = e.details_json();
    let text = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
    let code = ReasonCode::ALL
        .into_iter()
        .find(|c| Some(c.code()) == d.get("code").and_then(Value::as_str));
    let mut request = AccessRequest {
        function: text("function").and_then(|f| parse_function(&f).ok()),
        action: text("action").and_then(|a| Action::parse(&a).ok()),
        method: text("method"),
        path: text("path"),
        ..AccessRequest::default()
    };
    let store = text("store");
    if let Some(s) = store.as_deref().filter(|s| !s.starts_with(['#', '('])) {
        request.store = Some(lookup::store_ref(c, s)?);
    } else if store.is_some() {
        request.store = Some(crate::access::StoreRef::Unknown);
    }
    let key = match e
        .target_id
        .filter(|_| e.target_type.as_deref() == Some("api_key"))
    {
        Some(key_id) => lookup::by_key_id(c, key_id)?.map(|(k, _)| k),
        None => None,
    };
    let sentence = match code {
        None => "The recorded code is not one keydesk knows.".to_owned(),
        Some(code) => {
            let names = match &key {
                Some(k) => store_names(c, k, &request)?,
                None => Default::default(),
            };
            explain::sentence(
                code,
                &explain::Context {
                    key: key.as_ref(),
                    request: &request,
                    store_names: &names,
                    store_asked: store.as_deref(),
                    secret_retired_at: None,
                },
            )
        }
    };
    let mut asked = Vec::new();
    for (label, k) in [
        ("Function", "function"),
        ("Action", "action"),
        ("Store", "store"),
        ("Method", "method"),
        ("Path", "path"),
    ] {
        if let Some(v) = text(k) {
            asked.push((label, v));
        }
    }
    Ok(Ok(Recorded {
        id,
        time: e.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        key: match (&e.target_name, e.target_id) {
            (Some(n), Some(id)) => format!("{n} (#{id})"),
            _ => "no key (the credential matched none)".into(),
        },
        code: text("code").unwrap_or_default(),
        endpoint: text("endpoint").unwrap_or_default(),
        asked,
        sentence,
    }))
}
