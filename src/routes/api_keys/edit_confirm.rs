//! The edit dialog's confirmation step (issue 13, part 3): an edit that
//! switches Active off or narrows grants, stores or methods is not saved
//! at once but answered with what will change and what it will break,
//! carrying the edit in hidden fields and a token bound to the key's state
//! (`Narrowing::fingerprint`). Saving checks the token against the key as
//! it is then, so a confirmation given for another state is asked again.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use super::impact;
use super::view::{dialog, in_dialog};
use crate::db::DbConnection;
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::keys::{KeyState, Narrowing};
use crate::models::store;

/// The hidden field that carries the confirmation.
pub const FIELD: &str = "confirm";

#[derive(Template)]
#[template(path = "api_keys/_edit_confirm.html")]
pub struct ConfirmEdit {
    pub kind: KeyKind,
    pub dialog: bool,
    pub csrf: String,
    pub id: i64,
    pub name: String,
    /// What the edit takes away, a sentence each.
    pub changes: Vec<String>,
    /// What that will break, from the usage record.
    pub impact: Vec<String>,
    /// The edit as posted (without the CSRF token and the confirmation).
    pub fields: Vec<(String, String)>,
    pub token: String,
    /// Set when an earlier confirmation no longer applied.
    pub notice: Option<String>,
}

impl ConfirmEdit {
    pub fn title(&self) -> String {
        format!("Save changes to {}?", self.name)
    }
    fn action(&self) -> String {
        format!("{}/{}", self.kind.list_url(), self.id)
    }
}

/// The token for confirming `cut` on the key `before` describes.
fn token(pepper: &[u8], before: &KeyState, cut: &Narrowing) -> String {
    let data = format!("edit|{}", cut.fingerprint(before));
    crate::crypto::hmac_sha256_hex(pepper, data.as_bytes())
}

/// Whether `given` confirms `cut` on the key as it is.
pub fn confirms(pepper: &[u8], before: &KeyState, cut: &Narrowing, given: Option<&str>) -> bool {
    given.is_some_and(|g| crate::crypto::constant_time_eq(&token(pepper, before, cut), g.trim()))
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The confirmation's sentences: (what changes, what it breaks).
fn words(
    c: &mut DbConnection,
    before: &KeyState,
    cut: &Narrowing,
    now: NaiveDateTime,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let id = before.key.id;
    let mut changes = Vec::new();
    let mut breaks = Vec::new();
    if cut.deactivates {
        changes.push("Active is switched off: the key stops working at once.".to_string());
        let i = impact::of_keys(c, &[id], now)?;
        breaks.push(i.get(&id).cloned().unwrap_or_default().text(now));
    }
    if !cut.removed_grants.is_empty() {
        let names: Vec<String> = cut
            .removed_grants
            .iter()
            .map(|g| format!("{}: {}", g.function.label(), g.action.label()))
            .collect();
        changes.push(format!("Permissions removed: {}.", names.join(", ")));
    }
    if let Some(s) = &cut.stores {
        let all = store::all(c)?;
        let name = |sid: &i64| {
            all.iter()
                .find(|s| s.id == *sid)
                .map_or_else(|| sid.to_string(), |s| s.name.clone())
        };
        changes.push(if s.from_all {
            let kept: Vec<String> = s.kept.iter().map(name).collect();
            format!(
                "Store access narrows from all stores to {}.",
                join_and(&kept)
            )
        } else {
            let gone: Vec<String> = s.removed.iter().map(name).collect();
            format!("Stores removed: {}.", join_and(&gone))
        });
    }
    if let Some(m) = &cut.methods {
        let label = |a: &crate::access::AllowedMethod| format!("{} {}", a.method, a.path);
        changes.push(if m.from_all {
            match m.kept.len() {
                1 => "Allowed API Methods narrow from all methods to 1 method.".to_string(),
                n => format!("Allowed API Methods narrow from all methods to {n} methods."),
            }
        } else {
            let gone: Vec<String> = m.removed.iter().map(label).collect();
            format!("Allowed API Methods removed: {}.", gone.join(", "))
        });
    }
    breaks.extend(impact::of_removed(c, id, cut, now)?);
    Ok((changes, breaks))
}

/// What the confirmation says about one key, read in the edit's transaction.
pub struct Ask {
    name: String,
    changes: Vec<String>,
    impact: Vec<String>,
    token: String,
}

/// The confirmation for `cut` on the key `before` describes.
pub fn ask(
    c: &mut DbConnection,
    pepper: &[u8],
    before: &KeyState,
    cut: &Narrowing,
    now: NaiveDateTime,
) -> Result<Ask, AppError> {
    let (changes, impact) = words(c, before, cut, now)?;
    Ok(Ask {
        name: before.key.name.clone(),
        changes,
        impact,
        token: token(pepper, before, cut),
    })
}

/// The confirmation step as the answer to the edit: 200 the first time,
/// 422 (with a notice) when the confirmation sent no longer applied.
pub fn answer(
    req: &HttpRequest,
    csrf: String,
    kind: KeyKind,
    id: i64,
    ask: Ask,
    pairs: &[(String, String)],
    stale: bool,
) -> Result<HttpResponse, AppError> {
    let page = ConfirmEdit {
        kind,
        dialog: in_dialog(req),
        csrf,
        id,
        name: ask.name,
        changes: ask.changes,
        impact: ask.impact,
        fields: carried(pairs),
        token: ask.token,
        notice: stale.then(|| {
            "The key was changed since you confirmed: nothing was saved. \
             Check what the edit does now and confirm again."
                .to_string()
        }),
    };
    let status = if stale {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    dialog(req, &page.title(), &page, status)
}

/// The posted pairs the confirmation carries: all but the CSRF token and
/// an earlier confirmation.
fn carried(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(k, _)| k != "csrf_token" && k != FIELD)
        .cloned()
        .collect()
}
