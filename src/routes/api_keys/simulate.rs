//! `GET|POST /admin/api-keys/simulate` (API Key: Viewer), "Would this be
//! allowed?": an admin names a key (by id, never a secret), a function and
//! action, a store, a method and path, and gets the answer of the same
//! access decision real calls get (`access::decide`, fed by the key's stored
//! state with its current secret as presented) with the deciding rule in
//! words (`access::explain`). A POST, so nothing asked lands in a URL; the
//! page also looks up a real refusal by the decision id it answered with.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::access::{self, call, decide, explain, lookup, AccessRequest, KeySnapshot};
use crate::catalogue::Catalogue;
use crate::db::{Db, DbConnection};
use crate::domain::permission::parse_function;
use crate::domain::{Action, Function, KeyKind};
use crate::error::AppError;
use crate::schema::{api_keys, stores};
use crate::state::AppState;
use crate::web::{is_htmx, Form, PageCtx, Query};

/// At most this many keys are offered in the key picker (by name).
const PICKER_KEYS: i64 = 500;

#[derive(Deserialize, Default, Clone)]
pub struct Asked {
    #[serde(default)]
    key: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    store: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    path: String,
}

#[derive(Deserialize, Default)]
pub struct Lookup {
    decision: Option<String>,
}

/// The answer, for the fragment and the test of its sameness.
pub struct Answer {
    pub allowed: bool,
    pub code: &'static str,
    pub sentence: String,
    pub key_name: String,
    /// `GET /api/v*/orders/{id}` when the call resolved to an operation.
    pub operation: Option<String>,
}

/// A recorded refusal, explained.
pub struct Recorded {
    pub id: String,
    pub time: String,
    pub key: String,
    pub code: String,
    pub endpoint: String,
    pub asked: Vec<(&'static str, String)>,
    pub sentence: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys/simulate/page.html")]
pub struct SimulatePage {
    pub ctx: PageCtx,
    pub keys: Vec<(i64, String, String)>,
    pub asked: Asked,
    pub answer: Option<Answer>,
    pub decision: String,
    pub recorded: Option<Result<Recorded, String>>,
}

impl SimulatePage {
    fn functions(&self) -> Vec<(&'static str, &'static str)> {
        Function::ALL
            .iter()
            .map(|f| (f.code(), f.label()))
            .collect()
    }
    fn actions(&self) -> Vec<(&'static str, &'static str)> {
        Action::ALL.iter().map(|a| (a.code(), a.label())).collect()
    }
}

#[derive(Template)]
#[template(path = "api_keys/simulate/_answer.html")]
struct AnswerFragment<'a> {
    answer: &'a Answer,
}

fn picker(c: &mut DbConnection) -> Result<Vec<(i64, String, String)>, AppError> {
    let rows: Vec<(i64, String, String)> = api_keys::table
        .order((api_keys::name.asc(), api_keys::id.asc()))
        .limit(PICKER_KEYS)
        .select((api_keys::id, api_keys::name, api_keys::kind))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, n, k)| {
            let kind = KeyKind::parse(&k).map(|k| k.label()).unwrap_or("?");
            (id, n, kind.to_owned())
        })
        .collect())
}

fn none_if_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The form, parsed at the edge: a key id and a call.
fn parse(a: &Asked) -> Result<(i64, call::Call), AppError> {
    let prefixes = [
        KeyKind::Graphql.secret_prefix(),
        KeyKind::Rest.secret_prefix(),
        crate::domain::secret::TOKEN_PREFIX,
    ];
    for field in [&a.key, &a.store, &a.path, &a.method] {
        if prefixes.iter().any(|p| field.contains(p)) {
            return Err(AppError::bad_request(
                "That looks like a secret or an access token: this page never takes one. Choose the key from the list (by its id); to find the key of a secret, use \"Find the key of a secret\" on API Key Management.",
            ));
        }
    }
    let key = a
        .key
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            AppError::bad_request("Choose a key from the list (a key id is a positive number).")
        })?;
    let function = none_if_empty(&a.function)
        .map(parse_function)
        .transpose()
        .map_err(AppError::BadRequest)?;
    let action = none_if_empty(&a.action)
        .map(Action::parse)
        .transpose()
        .map_err(AppError::BadRequest)?;
    if action.is_some() && function.is_none() {
        return Err(AppError::bad_request("An action needs a function."));
    }
    let method = match none_if_empty(&a.method) {
        Some(m) if m.len() > 16 || !m.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Err(AppError::bad_request(
                "The method is an HTTP method such as GET or POST.",
            ))
        }
        m => m.map(|m| m.to_ascii_uppercase()),
    };
    let path = none_if_empty(&a.path).map(str::to_owned);
    if path
        .as_ref()
        .is_some_and(|p| p.len() > 2048 || !p.starts_with('/'))
    {
        return Err(AppError::bad_request(
            "The path starts with / and has at most 2048 characters.",
        ));
    }
    if method.is_some() != path.is_some() {
        return Err(AppError::bad_request(
            "A method and a path go together: give both, or neither.",
        ));
    }
    let store = none_if_empty(&a.store).map(str::to_owned);
    Ok((
        key,
        call::Call {
            function,
            action,
            store,
            method,
            path,
        },
    ))
}

/// Names of the key's stores and of the one asked, by id.
pub(super) fn store_names(
    c: &mut DbConnection,
    key: &KeySnapshot,
    req: &AccessRequest,
) -> Result<HashMap<i64, String>, AppError> {
    let mut ids = key.stores.store_ids().to_vec();
    if let Some(access::StoreRef::Id(id)) = req.store {
        ids.push(id);
    }
    Ok(stores::table
        .filter(stores::id.eq_any(ids))
        .select((stores::id, stores::name))
        .load::<(i64, String)>(c)?
        .into_iter()
        .collect())
}

/// The decision for key `key_id` and `call`, as the verification endpoint
/// would take it for the key's current secret.
pub fn simulate(
    c: &mut DbConnection,
    catalogue: &Catalogue,
    key_id: i64,
    call: call::Call,
    now: chrono::NaiveDateTime,
) -> Result<Answer, AppError> {
    let (snap, presented) = lookup::by_key_id(c, key_id)?.ok_or_else(|| {
        AppError::NotFound(format!(
            "No key has id {key_id}: choose a key from the list."
        ))
    })?;
    let asked_store = call.store.clone();
    let resolved = call::resolve(catalogue, call);
    let operation = resolved
        .operation
        .map(|o| format!("{} {}", o.method, o.path));
    let mut request = resolved.request;
    if let Some(code) = &resolved.store_code {
        request.store = Some(lookup::store_ref(c, code)?);
    }
    let d = decide(Some(&snap), &presented, &request, now);
    let names = store_names(c, &snap, &request)?;
    let sentence = explain::sentence(
        d.code,
        &explain::Context {
            key: Some(&snap),
            request: &request,
            store_names: &names,
            store_asked: asked_store.as_deref(),
            secret_retired_at: None,
        },
    );
    Ok(Answer {
        allowed: d.is_valid(),
        code: d.code.code(),
        sentence,
        key_name: snap.name,
        operation,
    })
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    Query(q): Query<Lookup>,
) -> Result<HttpResponse, AppError> {
    let decision = q.decision.unwrap_or_default();
    let now = state.clock.now();
    let d = decision.clone();
    let (keys, recorded) = db
        .run(move |c| {
            let recorded = match none_if_empty(&d) {
                None => None,
                Some(raw) => Some(super::simulate_lookup::explain_recorded(c, raw, now)?),
            };
            Ok((picker(c)?, recorded))
        })
        .await?;
    let page = SimulatePage {
        ctx,
        keys,
        asked: Asked::default(),
        answer: None,
        decision,
        recorded,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}

pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    Form(asked): Form<Asked>,
) -> Result<HttpResponse, AppError> {
    let (key_id, call) = parse(&asked)?;
    let now = state.clock.now();
    let catalogue = state.catalogue.clone();
    let htmx = is_htmx(&req);
    let (answer, keys) = db
        .run(move |c| {
            let answer = simulate(c, &catalogue, key_id, call, now)?;
            let keys = if htmx { Vec::new() } else { picker(c)? };
            Ok((answer, keys))
        })
        .await?;
    if htmx {
        let html = AnswerFragment { answer: &answer }
            .render()
            .map_err(|e| AppError::internal(format!("template: {e}")))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html));
    }
    let page = SimulatePage {
        ctx,
        keys,
        asked,
        answer: Some(answer),
        decision: String::new(),
        recorded: None,
    };
    Ok(page.respond_to(&req).map_into_boxed_body())
}
